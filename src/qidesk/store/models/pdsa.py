"""ORM models for the pdsa issue (filled in by that issue)."""

__all__: list[str] = []
