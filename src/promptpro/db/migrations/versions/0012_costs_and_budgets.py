"""Costs you can trust and budgets: the token kinds priced apart, the catalogue date that
priced a run, monthly budgets for users and workspaces, and an index for spending.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import promptpro.db.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RESPONSE_COLUMNS = ("cached_input_tokens", "cache_write_tokens", "reasoning_tokens")


def upgrade() -> None:
    # Plain ADD COLUMN on both databases: a batch rebuild of `responses` would drop its
    # run-count triggers (see 0007), and every new column is nullable.
    for name in _RESPONSE_COLUMNS:
        op.add_column("responses", sa.Column(name, sa.Integer(), nullable=True))
    op.add_column(
        "responses",
        sa.Column("price_table", promptpro.db.types.String(length=10), nullable=True),
    )
    op.add_column("users", sa.Column("monthly_budget_usd", sa.Double(), nullable=True))
    op.add_column("workspaces", sa.Column("monthly_budget_usd", sa.Double(), nullable=True))
    op.create_index("ix_responses_run_by_id_created_at", "responses", ["run_by_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_responses_run_by_id_created_at", table_name="responses")
    op.drop_column("workspaces", "monthly_budget_usd")
    op.drop_column("users", "monthly_budget_usd")
    op.drop_column("responses", "price_table")
    for name in reversed(_RESPONSE_COLUMNS):
        op.drop_column("responses", name)
