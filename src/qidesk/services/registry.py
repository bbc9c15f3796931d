"""All the services one open database offers, built once by ``app.py`` and handed to the UI."""

from __future__ import annotations

from dataclasses import dataclass

from qidesk.store.engine import Database


@dataclass
class Services:
    """The services of one open database. Each feature adds its service as one field here."""

    db: Database

    @classmethod
    def create(cls, db: Database) -> Services:
        return cls(db=db)
