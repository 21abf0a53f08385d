"""Evaluations and their cells.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01

Two new tables, nothing rebuilt. procrastinate's own schema (PostgreSQL only) is applied by
`promptpro db upgrade` after the revisions (db/migrate.py), from the installed
procrastinate's schema file, not copied into a revision.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import promptpro.db.types

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

T = promptpro.db.types


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column(name, T.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False)
        for name in ("updated_at", "created_at")
    ]


def upgrade() -> None:
    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("test_set_id", sa.Integer(), nullable=True),
        sa.Column("prompt_id", sa.Integer(), nullable=False),
        sa.Column("created_by", T.String(), nullable=False),
        sa.Column("label", T.String(), nullable=True),
        sa.Column("variants", T.JSON(), nullable=False),
        sa.Column("models", T.JSON(), nullable=False),
        sa.Column("repeats", sa.Integer(), nullable=False),
        sa.Column("status", T.String(), nullable=False),
        sa.Column("estimate_usd", sa.Double(), nullable=True),
        sa.Column("estimate", T.JSON(), nullable=False),
        sa.Column("rows", T.JSON(), nullable=False),
        sa.Column("assertions", T.JSON(), nullable=False),
        sa.Column("threshold", sa.Double(), nullable=True),
        sa.Column("cell_count", sa.Integer(), nullable=False),
        sa.Column("finished_at", T.UTCDateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_evaluations_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["test_set_id"],
            ["test_sets.id"],
            name=op.f("fk_evaluations_test_set_id_test_sets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["prompt_id"],
            ["prompts.id"],
            name=op.f("fk_evaluations_prompt_id_prompts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_evaluations_created_by_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
    )
    op.create_index(op.f("ix_evaluations_workspace_id"), "evaluations", ["workspace_id"])
    op.create_index(op.f("ix_evaluations_prompt_id"), "evaluations", ["prompt_id"])
    op.create_index(op.f("ix_evaluations_created_by"), "evaluations", ["created_by"])
    op.create_index("ix_evaluations_test_set_id_id", "evaluations", ["test_set_id", "id"])
    op.create_table(
        "evaluation_cells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("row_index", sa.Integer(), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("variant", sa.Integer(), nullable=False),
        sa.Column("repeat", sa.Integer(), nullable=False),
        sa.Column("status", T.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", T.UTCDateTime(timezone=True), nullable=True),
        sa.Column("worker_id", T.String(), nullable=True),
        sa.Column("response_id", sa.Integer(), nullable=True),
        sa.Column("output", T.Text(), nullable=True),
        sa.Column("assertion_results", T.JSON(), nullable=True),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("latency_ms", sa.Double(), nullable=True),
        sa.Column("input_tokens", sa.Integer(), nullable=True),
        sa.Column("output_tokens", sa.Integer(), nullable=True),
        sa.Column("cost_usd", sa.Double(), nullable=True),
        sa.Column("judge_cost_usd", sa.Double(), nullable=True),
        sa.Column("error", T.JSON(), nullable=True),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("rating_note", T.Text(), nullable=True),
        sa.Column("finished_at", T.UTCDateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.CheckConstraint("rating IN (1, -1)", name=op.f("ck_evaluation_cells_rating")),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_evaluation_cells_evaluation_id_evaluations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_evaluation_cells_response_id_responses"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_cells")),
    )
    op.create_index(
        "ix_evaluation_cells_evaluation_id_status", "evaluation_cells", ["evaluation_id", "status"]
    )
    op.create_index(
        "ix_evaluation_cells_evaluation_id_id", "evaluation_cells", ["evaluation_id", "id"]
    )
    op.create_index(
        "ix_evaluation_cells_evaluation_id_finished_at",
        "evaluation_cells",
        ["evaluation_id", "finished_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_evaluation_cells_evaluation_id_finished_at", table_name="evaluation_cells")
    op.drop_index("ix_evaluation_cells_evaluation_id_id", table_name="evaluation_cells")
    op.drop_index("ix_evaluation_cells_evaluation_id_status", table_name="evaluation_cells")
    op.drop_table("evaluation_cells")
    op.drop_index("ix_evaluations_test_set_id_id", table_name="evaluations")
    op.drop_index(op.f("ix_evaluations_created_by"), table_name="evaluations")
    op.drop_index(op.f("ix_evaluations_prompt_id"), table_name="evaluations")
    op.drop_index(op.f("ix_evaluations_workspace_id"), table_name="evaluations")
    op.drop_table("evaluations")
