"""Workspace provider keys (workspace_api_keys) and whose key paid for a run (responses.key_source).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import promptpro.db.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "workspace_api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("xai_key", promptpro.db.types.String(), nullable=True),
        sa.Column("openai_key", promptpro.db.types.String(), nullable=True),
        sa.Column("anthropic_key", promptpro.db.types.String(), nullable=True),
        sa.Column("gemini_key", promptpro.db.types.String(), nullable=True),
        sa.Column(
            "updated_at",
            promptpro.db.types.UTCDateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_workspace_api_keys_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspace_api_keys")),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_workspace_api_keys_workspace_id")),
    )
    # A plain ADD COLUMN on both databases: a batch rebuild of `responses` on SQLite would
    # drop its run-count and search triggers (see 0007). Null: a run from before.
    op.add_column(
        "responses", sa.Column("key_source", promptpro.db.types.String(16), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("responses", "key_source")
    op.drop_table("workspace_api_keys")
