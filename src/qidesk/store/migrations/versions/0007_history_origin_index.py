"""An index of the history by origin: the Import log counts and lists an import's versions
without reading the whole history (a lead's database holds hundreds of thousands of versions)."""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_record_version_origin", "record_version", ["origin"])


def downgrade() -> None:
    op.drop_index("ix_record_version_origin", table_name="record_version")
