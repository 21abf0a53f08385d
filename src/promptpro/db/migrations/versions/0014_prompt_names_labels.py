"""Shipping prompts: names (unique per workspace), labels on versions and their history,
version messages, protected labels and change requests.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01

Only columns, tables and indexes are added: no batch rebuild of `prompts` or
`prompt_versions` (a rebuild drops 0005's search and run-count triggers). Existing prompts
are named from their titles, slugified and made unique in their workspace (`title`,
`title-2`, …); a `/` in a title becomes `-`, so no folder appears by accident.
"""

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import promptpro.db.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME_MAX = 200


def slug(title: str) -> str:
    """A name segment from a title (frozen here: a migration must not change with the code)."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9._-]+", "-", text).strip("-._")
    return text[:NAME_MAX].strip("-._") or "prompt"


def name_existing_prompts() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, workspace_id, title FROM prompts ORDER BY id")).all()
    taken: dict[int, set[str]] = {}
    for prompt_id, workspace_id, title in rows:
        used = taken.setdefault(workspace_id, set())
        base = slug(title or "")
        name, n = base, 1
        while name in used:
            n += 1
            suffix = f"-{n}"
            name = base[: NAME_MAX - len(suffix)] + suffix
        used.add(name)
        bind.execute(
            sa.text("UPDATE prompts SET name = :name WHERE id = :id"),
            {"name": name, "id": prompt_id},
        )


def upgrade() -> None:
    op.add_column(
        "prompts",
        sa.Column(
            "name", promptpro.db.types.String(), nullable=False, server_default=sa.text("''")
        ),
    )
    op.add_column(
        "prompts", sa.Column("last_fetched_at", promptpro.db.types.UTCDateTime(), nullable=True)
    )
    name_existing_prompts()
    op.create_index(
        "uq_prompts_workspace_id_name", "prompts", ["workspace_id", "name"], unique=True
    )
    op.add_column(
        "prompt_versions", sa.Column("message", promptpro.db.types.String(), nullable=True)
    )
    op.add_column(
        "workspaces", sa.Column("protected_labels", promptpro.db.types.JSON(), nullable=True)
    )
    op.add_column("responses", sa.Column("snippets", promptpro.db.types.JSON(), nullable=True))
    op.create_table(
        "prompt_labels",
        sa.Column("prompt_id", sa.Integer(), nullable=False),
        sa.Column("label", promptpro.db.types.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", promptpro.db.types.String(), nullable=True),
        sa.Column(
            "updated_at",
            promptpro.db.types.UTCDateTime(),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["prompt_id"],
            ["prompts.id"],
            name=op.f("fk_prompt_labels_prompt_id_prompts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("prompt_id", "label", name=op.f("pk_prompt_labels")),
    )
    op.create_table(
        "label_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prompt_id", sa.Integer(), nullable=False),
        sa.Column("label", promptpro.db.types.String(length=40), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=True),
        sa.Column("to_version", sa.Integer(), nullable=True),
        sa.Column("actor_id", promptpro.db.types.String(), nullable=True),
        sa.Column("note", promptpro.db.types.String(), nullable=True),
        sa.Column("change_request_id", sa.Integer(), nullable=True),
        sa.Column(
            "occurred_at",
            promptpro.db.types.UTCDateTime(),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["prompt_id"],
            ["prompts.id"],
            name=op.f("fk_label_events_prompt_id_prompts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_label_events")),
    )
    op.create_index(
        "ix_label_events_prompt_id_label_id", "label_events", ["prompt_id", "label", "id"]
    )
    op.create_table(
        "change_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prompt_id", sa.Integer(), nullable=False),
        sa.Column("label", promptpro.db.types.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("note", promptpro.db.types.String(), nullable=True),
        sa.Column("status", promptpro.db.types.String(length=16), nullable=False),
        sa.Column("requested_by", promptpro.db.types.String(), nullable=True),
        sa.Column(
            "created_at",
            promptpro.db.types.UTCDateTime(),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column("decided_by", promptpro.db.types.String(), nullable=True),
        sa.Column("decided_at", promptpro.db.types.UTCDateTime(), nullable=True),
        sa.Column("reason", promptpro.db.types.String(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')",
            name=op.f("ck_change_requests_status"),
        ),
        sa.ForeignKeyConstraint(
            ["prompt_id"],
            ["prompts.id"],
            name=op.f("fk_change_requests_prompt_id_prompts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_requests")),
    )
    op.create_index(
        "ix_change_requests_prompt_id_status", "change_requests", ["prompt_id", "status"]
    )


def downgrade() -> None:
    op.drop_index("ix_change_requests_prompt_id_status", table_name="change_requests")
    op.drop_table("change_requests")
    op.drop_index("ix_label_events_prompt_id_label_id", table_name="label_events")
    op.drop_table("label_events")
    op.drop_table("prompt_labels")
    op.drop_column("responses", "snippets")
    op.drop_column("workspaces", "protected_labels")
    op.drop_column("prompt_versions", "message")
    op.drop_index("uq_prompts_workspace_id_name", table_name="prompts")
    # SQLite (3.35+) drops a plain column in place, without rebuilding the table, so the
    # triggers on `prompts` stay.
    op.drop_column("prompts", "last_fetched_at")
    op.drop_column("prompts", "name")
