"""ORM models for the assessment issue (filled in by that issue)."""

__all__: list[str] = []
