"""Sync: conflict heads and the import log (the Excel sync issue)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_conflict_head",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_type", sa.String(length=40), nullable=False),
        sa.Column("record_uuid", sa.String(length=36), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("vv", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflict_head")),
        sa.UniqueConstraint(
            "record_type", "record_uuid", "vv", "digest", name="uq_sync_conflict_head"
        ),
    )
    with op.batch_alter_table("sync_conflict_head", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sync_conflict_head_record", ["record_type", "record_uuid"], unique=False
        )
    op.create_table(
        "sync_import_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("import_id", sa.String(length=64), nullable=False),
        sa.Column("export_id", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_hash", sa.String(length=128), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("installation_id", sa.String(length=36), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_import_log")),
    )
    with op.batch_alter_table("sync_import_log", schema=None) as batch_op:
        batch_op.create_index("ix_sync_import_log_imported_at", ["imported_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sync_import_log", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_import_log_imported_at")
    op.drop_table("sync_import_log")
    with op.batch_alter_table("sync_conflict_head", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_conflict_head_record")
    op.drop_table("sync_conflict_head")
