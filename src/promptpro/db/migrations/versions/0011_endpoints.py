"""Own OpenAI-compatible endpoints: `endpoints`, one row per endpoint of a workspace.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import promptpro.db.types

revision: str = "0011"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "endpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("created_by", promptpro.db.types.String(), nullable=True),
        sa.Column("name", promptpro.db.types.String(length=64), nullable=False),
        sa.Column("base_url", promptpro.db.types.String(length=2048), nullable=False),
        sa.Column("key_ciphertext", promptpro.db.types.Text(), nullable=True),
        sa.Column("key_origin", promptpro.db.types.String(length=2048), nullable=True),
        sa.Column("key_hint", promptpro.db.types.String(length=64), nullable=True),
        sa.Column("models", promptpro.db.types.JSON(), nullable=False),
        sa.Column(
            "created_at",
            promptpro.db.types.UTCDateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            promptpro.db.types.UTCDateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_endpoints_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_endpoints_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_endpoints")),
    )
    op.create_index(op.f("ix_endpoints_workspace_id"), "endpoints", ["workspace_id"])
    op.create_index(
        "uq_endpoints_workspace_id_name_lower",
        "endpoints",
        ["workspace_id", sa.literal_column("lower(name)")],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_endpoints_workspace_id_name_lower", table_name="endpoints")
    op.drop_index(op.f("ix_endpoints_workspace_id"), table_name="endpoints")
    op.drop_table("endpoints")
