"""PDSA: change ideas, cycles, progress scores (filled in by the PDSA issue)."""

from __future__ import annotations

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
