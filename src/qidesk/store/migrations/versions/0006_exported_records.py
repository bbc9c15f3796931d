"""Export marks: the records a partial (chosen cohorts or teams) export included; an index of
the local edits in the history (both for the status bar's "changes not yet exported")."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exported_record",
        sa.Column("record_type", sa.String(length=40), nullable=False),
        sa.Column("record_uuid", sa.String(length=36), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("record_type", "record_uuid", name=op.f("pk_exported_record")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_record_version_local",
        "record_version",
        ["id"],
        sqlite_where=sa.text("origin = 'local'"),
    )


def downgrade() -> None:
    op.drop_index("ix_record_version_local", table_name="record_version")
    op.drop_table("exported_record")
