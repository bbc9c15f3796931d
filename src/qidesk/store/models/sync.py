"""ORM models for the sync issue (filled in by that issue)."""

__all__: list[str] = []
