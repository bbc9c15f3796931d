"""Self-assessment: templates, assessments, responses (filled in by the self-assessment issue)."""

from __future__ import annotations

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
