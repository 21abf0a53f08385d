"""Chat prompts, structured output and tools: a prompt's type, messages, JSON Schema and
tools (on prompts and their versions); a response's conversation, schema check, tool calls
and the response it continues.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01

Only added columns (nullable, or with a server default): on SQLite a batch rebuild of
`prompts` or `responses` would drop their full-text and run-count triggers (see 0007).
Dropping them again is SQLite's own ALTER TABLE DROP COLUMN (3.35+), which keeps them too.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import promptpro.db.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROMPT_TABLES = ("prompts", "prompt_versions")
PROMPT_JSON = ("messages", "output_schema", "tools")
RESPONSE_JSON = ("messages", "schema_errors", "tool_calls")


def upgrade() -> None:
    for table in PROMPT_TABLES:
        op.add_column(
            table,
            sa.Column("type", promptpro.db.types.String(8), server_default="text", nullable=False),
        )
        for name in PROMPT_JSON:
            op.add_column(table, sa.Column(name, promptpro.db.types.JSON(), nullable=True))
    for name in RESPONSE_JSON:
        op.add_column("responses", sa.Column(name, promptpro.db.types.JSON(), nullable=True))
    op.add_column("responses", sa.Column("schema_valid", sa.Boolean(), nullable=True))
    op.add_column("responses", sa.Column("previous_response_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    for name in ("previous_response_id", "schema_valid", *reversed(RESPONSE_JSON)):
        op.drop_column("responses", name)
    for table in PROMPT_TABLES:
        for name in (*reversed(PROMPT_JSON), "type"):
            op.drop_column(table, name)
