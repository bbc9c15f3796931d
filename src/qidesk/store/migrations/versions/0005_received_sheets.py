"""Sync: the data sheets a database has merged (lets a re-import skip unchanged sheets)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_received_sheet",
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.Column("record_type", sa.String(length=40), nullable=False),
        sa.Column("uuids", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_sync_received_sheet")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("sync_received_sheet")
