"""Self-assessment: templates, template items, assessments per team and stage, responses."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _sync_columns() -> list[sa.Column]:
    return [
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("vv", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "assessment_template",
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("scale_min", sa.Integer(), nullable=False),
        sa.Column("scale_max", sa.Integer(), nullable=False),
        sa.Column("level_labels", sa.Text(), nullable=False),
        *_sync_columns(),
        sa.PrimaryKeyConstraint("uuid", name=op.f("pk_assessment_template")),
    )
    with op.batch_alter_table("assessment_template", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_template_code"), ["code"], unique=False)

    op.create_table(
        "assessment_template_item",
        sa.Column("template_uuid", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("item_group", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("descriptors", sa.Text(), nullable=False),
        *_sync_columns(),
        sa.ForeignKeyConstraint(
            ["template_uuid"],
            ["assessment_template.uuid"],
            name=op.f("fk_assessment_template_item_template_uuid_assessment_template"),
        ),
        sa.PrimaryKeyConstraint("uuid", name=op.f("pk_assessment_template_item")),
    )
    with op.batch_alter_table("assessment_template_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_template_item_template_uuid"),
            ["template_uuid"],
            unique=False,
        )

    op.create_table(
        "assessment",
        sa.Column("team_uuid", sa.String(length=36), nullable=False),
        sa.Column("stage", sa.String(length=10), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=True),
        sa.Column("template_uuid", sa.String(length=36), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        *_sync_columns(),
        sa.ForeignKeyConstraint(
            ["team_uuid"], ["team.uuid"], name=op.f("fk_assessment_team_uuid_team")
        ),
        sa.ForeignKeyConstraint(
            ["template_uuid"],
            ["assessment_template.uuid"],
            name=op.f("fk_assessment_template_uuid_assessment_template"),
        ),
        sa.PrimaryKeyConstraint("uuid", name=op.f("pk_assessment")),
    )
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_team_uuid"), ["team_uuid"], unique=False)

    op.create_table(
        "assessment_response",
        sa.Column("assessment_uuid", sa.String(length=36), nullable=False),
        sa.Column("respondent", sa.String(length=36), nullable=False),
        sa.Column("item_code", sa.String(length=80), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        *_sync_columns(),
        sa.ForeignKeyConstraint(
            ["assessment_uuid"],
            ["assessment.uuid"],
            name=op.f("fk_assessment_response_assessment_uuid_assessment"),
        ),
        sa.PrimaryKeyConstraint("uuid", name=op.f("pk_assessment_response")),
    )
    with op.batch_alter_table("assessment_response", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_response_assessment_uuid"),
            ["assessment_uuid"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("assessment_response", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_response_assessment_uuid"))
    op.drop_table("assessment_response")
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_team_uuid"))
    op.drop_table("assessment")
    with op.batch_alter_table("assessment_template_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_template_item_template_uuid"))
    op.drop_table("assessment_template_item")
    with op.batch_alter_table("assessment_template", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_template_code"))
    op.drop_table("assessment_template")
