"""PDSA: change ideas, cycles, progress scores and the IHI progress scale (reference data)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

#: The IHI progress scale: (code, position, score, title, description).
PROGRESS_SCALE = [
    (
        "0.5",
        1,
        0.5,
        "Intent to participate",
        "The team has signed up to the programme; the project is not yet under way.",
    ),
    (
        "1.0",
        2,
        1.0,
        "Charter and team established",
        "Team formed, project charter agreed, aim and target population identified.",
    ),
    (
        "1.5",
        3,
        1.5,
        "Planning begun",
        "The team meets; plans for the project and baseline measurement have been made.",
    ),
    (
        "2.0",
        4,
        2.0,
        "Activity, but no changes",
        "Active work (process mapping, research, discussion) but no changes tested yet.",
    ),
    (
        "2.5",
        5,
        2.5,
        "Changes tested, no improvement",
        "PDSA cycles are testing changes and key measures are reported, but they have not "
        "improved yet.",
    ),
    (
        "3.0",
        6,
        3.0,
        "Modest improvement",
        "First test cycles complete and some changes being implemented; some improvement in "
        "process measures.",
    ),
    (
        "3.5",
        7,
        3.5,
        "Improvement",
        "Improvement in process measures and some in outcome measures; changes being "
        "implemented widely.",
    ),
    (
        "4.0",
        8,
        4.0,
        "Significant improvement",
        "Changes implemented across the area; outcome measures show significant improvement; "
        "about half of the aim achieved.",
    ),
    (
        "4.5",
        9,
        4.5,
        "Sustainable improvement",
        "Key measures show the improvement is being sustained; most of the aim achieved.",
    ),
    (
        "5.0",
        10,
        5.0,
        "Outstanding sustainable results",
        "The whole aim achieved and sustained; plans to spread the changes are in place.",
    ),
]

_SYNC_COLUMNS = (
    ("uuid", sa.String(length=36), False),
    ("rev", sa.Integer(), False),
    ("vv", sa.Text(), False),
    ("updated_at", sa.DateTime(), False),
    ("updated_by", sa.String(length=36), False),
    ("deleted_at", sa.DateTime(), True),
)


def _sync_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [sa.Column(name, type_, nullable=nullable) for name, type_, nullable in _SYNC_COLUMNS]


def upgrade() -> None:
    op.create_table(
        "change_idea",
        sa.Column("team_uuid", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("primary_driver", sa.String(length=300), nullable=False),
        sa.Column("secondary_driver", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        *_sync_columns(),
        sa.ForeignKeyConstraint(
            ["team_uuid"], ["team.uuid"], name=op.f("fk_change_idea_team_uuid_team")
        ),
        sa.PrimaryKeyConstraint("uuid", name=op.f("pk_change_idea")),
    )
    with op.batch_alter_table("change_idea", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_change_idea_team_uuid"), ["team_uuid"], unique=False)

    op.create_table(
        "pdsa_cycle",
        sa.Column("team_uuid", sa.String(length=36), nullable=False),
        sa.Column("change_idea_uuid", sa.String(length=36), nullable=True),
        sa.Column("previous_cycle_uuid", sa.String(length=36), nullable=True),
        sa.Column("cycle_number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("objective", sa.Text(), nullable=False),
        sa.Column("questions", sa.Text(), nullable=False),
        sa.Column("plan_tasks", sa.Text(), nullable=False),
        sa.Column("data_collection_plan", sa.Text(), nullable=False),
        sa.Column("planned_start", sa.Date(), nullable=True),
        sa.Column("planned_end", sa.Date(), nullable=True),
        sa.Column("actual_start", sa.Date(), nullable=True),
        sa.Column("actual_end", sa.Date(), nullable=True),
        sa.Column("do_as_planned", sa.String(length=10), nullable=False),
        sa.Column("do_observations", sa.Text(), nullable=False),
        sa.Column("study_results", sa.Text(), nullable=False),
        sa.Column("study_learning", sa.Text(), nullable=False),
        sa.Column("act_decision", sa.String(length=10), nullable=True),
        sa.Column("act_next_step", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        *_sync_columns(),
        sa.ForeignKeyConstraint(
            ["change_idea_uuid"],
            ["change_idea.uuid"],
            name=op.f("fk_pdsa_cycle_change_idea_uuid_change_idea"),
        ),
        sa.ForeignKeyConstraint(
            ["team_uuid"], ["team.uuid"], name=op.f("fk_pdsa_cycle_team_uuid_team")
        ),
        sa.PrimaryKeyConstraint("uuid", name=op.f("pk_pdsa_cycle")),
    )
    with op.batch_alter_table("pdsa_cycle", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pdsa_cycle_change_idea_uuid"), ["change_idea_uuid"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_pdsa_cycle_team_uuid"), ["team_uuid"], unique=False)

    op.create_table(
        "progress_score",
        sa.Column("team_uuid", sa.String(length=36), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("rater", sa.String(length=10), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        *_sync_columns(),
        sa.ForeignKeyConstraint(
            ["team_uuid"], ["team.uuid"], name=op.f("fk_progress_score_team_uuid_team")
        ),
        sa.PrimaryKeyConstraint("uuid", name=op.f("pk_progress_score")),
    )
    with op.batch_alter_table("progress_score", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_progress_score_team_uuid"), ["team_uuid"], unique=False
        )

    op.create_table(
        "progress_scale_level",
        sa.Column("code", sa.String(length=4), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_progress_scale_level")),
    )
    table = sa.table(
        "progress_scale_level",
        sa.column("code", sa.String),
        sa.column("position", sa.Integer),
        sa.column("score", sa.Float),
        sa.column("title", sa.String),
        sa.column("description", sa.Text),
    )
    op.bulk_insert(
        table,
        [
            dict(code=c, position=p, score=s, title=t, description=d)
            for c, p, s, t, d in PROGRESS_SCALE
        ],
    )


def downgrade() -> None:
    op.drop_table("progress_scale_level")
    with op.batch_alter_table("progress_score", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_progress_score_team_uuid"))
    op.drop_table("progress_score")
    with op.batch_alter_table("pdsa_cycle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pdsa_cycle_team_uuid"))
        batch_op.drop_index(batch_op.f("ix_pdsa_cycle_change_idea_uuid"))
    op.drop_table("pdsa_cycle")
    with op.batch_alter_table("change_idea", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_idea_team_uuid"))
    op.drop_table("change_idea")
