"""Uploaded images, stored once per workspace by content hash.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01

One new table, nothing rebuilt: no existing table, trigger or index is touched.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import promptpro.db.types

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "uploads",
        sa.Column("id", promptpro.db.types.String(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", promptpro.db.types.String(), nullable=True),
        sa.Column("media_type", promptpro.db.types.String(), nullable=False),
        sa.Column("sha256", promptpro.db.types.String(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("source_url", promptpro.db.types.Text(), nullable=True),
        sa.Column(
            "created_at",
            promptpro.db.types.UTCDateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_uploads_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uploads")),
        sa.UniqueConstraint("workspace_id", "sha256", name="uq_uploads_workspace_id_sha256"),
    )


def downgrade() -> None:
    op.drop_table("uploads")
