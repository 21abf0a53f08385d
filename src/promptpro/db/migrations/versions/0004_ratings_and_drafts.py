"""Ratings and notes on responses; the editor's drafts kept on the server.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import promptpro.db.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("rating", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("rating_note", promptpro.db.types.Text(), nullable=True))
        batch.create_check_constraint(op.f("ck_responses_rating"), "rating IN (1, -1)")
    op.create_table(
        "prompt_drafts",
        sa.Column("user_id", promptpro.db.types.String(), nullable=False),
        sa.Column("prompt_id", sa.Integer(), nullable=False),
        sa.Column("data", promptpro.db.types.JSON(), nullable=False),
        sa.Column(
            "updated_at",
            promptpro.db.types.UTCDateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["prompt_id"],
            ["prompts.id"],
            name=op.f("fk_prompt_drafts_prompt_id_prompts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_prompt_drafts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "prompt_id", name=op.f("pk_prompt_drafts")),
    )
    op.create_index(
        op.f("ix_prompt_drafts_prompt_id"), "prompt_drafts", ["prompt_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_prompt_drafts_prompt_id"), table_name="prompt_drafts")
    op.drop_table("prompt_drafts")
    with op.batch_alter_table("responses") as batch:
        batch.drop_constraint(op.f("ck_responses_rating"), type_="check")
        batch.drop_column("rating_note")
        batch.drop_column("rating")
