"""Worker heartbeats, and which worker runs each running response.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import promptpro.db.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "worker_heartbeats",
        sa.Column("id", promptpro.db.types.String(length=64), nullable=False),
        sa.Column("beat_at", promptpro.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worker_heartbeats")),
    )
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("worker_id", promptpro.db.types.String(length=64), nullable=True)
        )
        batch_op.create_index(
            "ix_responses_status_worker_id", ["status", "worker_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index("ix_responses_status_worker_id")
        batch_op.drop_column("worker_id")
    op.drop_table("worker_heartbeats")
