"""Workspace invitations; access tokens limited to a workspace and read-only; the audit
log read by workspace.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

`access_tokens` gets its two columns by ALTER TABLE, and on SQLite its foreign key by a
batch rebuild of that small table (it has no triggers or expression indexes to lose).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import promptpro.db.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKEN_FK = "fk_access_tokens_workspace_id_workspaces"  # noqa: S105  (a name)


def upgrade() -> None:
    op.create_table(
        "workspace_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("inviter_id", promptpro.db.types.String(), nullable=True),
        sa.Column("role", promptpro.db.types.String(length=16), nullable=False),
        sa.Column("token_hash", promptpro.db.types.String(), nullable=False),
        sa.Column("created_at", promptpro.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", promptpro.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", promptpro.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("used_by_id", promptpro.db.types.String(), nullable=True),
        sa.Column("revoked_at", promptpro.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "role IN ('owner', 'admin', 'editor', 'viewer')",
            name=op.f("ck_workspace_invitations_role"),
        ),
        sa.ForeignKeyConstraint(
            ["inviter_id"],
            ["users.id"],
            name=op.f("fk_workspace_invitations_inviter_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["used_by_id"],
            ["users.id"],
            name=op.f("fk_workspace_invitations_used_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_workspace_invitations_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspace_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_workspace_invitations_token_hash")),
    )
    op.create_index(
        op.f("ix_workspace_invitations_workspace_id"),
        "workspace_invitations",
        ["workspace_id"],
    )
    op.add_column("access_tokens", sa.Column("workspace_id", sa.Integer(), nullable=True))
    op.add_column(
        "access_tokens",
        sa.Column("read_only", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    with op.batch_alter_table("access_tokens") as batch:
        batch.create_foreign_key(
            TOKEN_FK, "workspaces", ["workspace_id"], ["id"], ondelete="CASCADE"
        )
    op.create_index("ix_audit_events_workspace_id_id", "audit_events", ["workspace_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_workspace_id_id", table_name="audit_events")
    # A token limited to a workspace would see everything once the limit is gone: revoke it.
    op.execute("DELETE FROM access_tokens WHERE workspace_id IS NOT NULL OR read_only")
    with op.batch_alter_table("access_tokens") as batch:
        batch.drop_constraint(TOKEN_FK, type_="foreignkey")
        batch.drop_column("workspace_id")
        batch.drop_column("read_only")
    op.drop_index(op.f("ix_workspace_invitations_workspace_id"), table_name="workspace_invitations")
    op.drop_table("workspace_invitations")
