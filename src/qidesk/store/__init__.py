"""Persistence: SQLite engine, typed ORM models and Alembic migrations."""
