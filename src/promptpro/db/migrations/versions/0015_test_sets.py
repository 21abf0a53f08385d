"""Test sets and their rows, owned by a workspace.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01

Two new tables, nothing rebuilt: no existing table, trigger or index is touched.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import promptpro.db.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column(
            name,
            promptpro.db.types.UTCDateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        )
        for name in ("updated_at", "created_at")
    ]


def upgrade() -> None:
    op.create_table(
        "test_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", promptpro.db.types.String(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", promptpro.db.types.String(), nullable=False),
        sa.Column("description", promptpro.db.types.Text(), nullable=True),
        sa.Column("assertions", promptpro.db.types.JSON(), nullable=False),
        sa.Column("threshold", sa.Double(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_test_sets_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_test_sets_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_test_sets")),
    )
    op.create_index(op.f("ix_test_sets_user_id"), "test_sets", ["user_id"])
    op.create_index(op.f("ix_test_sets_workspace_id"), "test_sets", ["workspace_id"])
    op.create_index(
        "uq_test_sets_workspace_id_name_lower",
        "test_sets",
        ["workspace_id", sa.literal_column("lower(name)")],
        unique=True,
    )
    op.create_table(
        "test_set_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("test_set_id", sa.Integer(), nullable=False),
        sa.Column("variables", promptpro.db.types.JSON(), nullable=False),
        sa.Column("expected", promptpro.db.types.Text(), nullable=True),
        sa.Column("assertions", promptpro.db.types.JSON(), nullable=True),
        sa.Column("metadata", promptpro.db.types.JSON(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["test_set_id"],
            ["test_sets.id"],
            name=op.f("fk_test_set_rows_test_set_id_test_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_test_set_rows")),
    )
    op.create_index("ix_test_set_rows_test_set_id_id", "test_set_rows", ["test_set_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_test_set_rows_test_set_id_id", table_name="test_set_rows")
    op.drop_table("test_set_rows")
    op.drop_index("uq_test_sets_workspace_id_name_lower", table_name="test_sets")
    op.drop_index(op.f("ix_test_sets_workspace_id"), table_name="test_sets")
    op.drop_index(op.f("ix_test_sets_user_id"), table_name="test_sets")
    op.drop_table("test_sets")
