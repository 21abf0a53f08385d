"""The instance admin (users.is_admin, users.disabled), instance settings, the audit log.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import promptpro.db.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE on both databases (SQLite has ADD and, since 3.35, DROP COLUMN): a
    # batch rebuild of `users` would lose its lower() indexes, which SQLite can't reflect.
    op.add_column(
        "users", sa.Column("is_admin", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column(
        "users", sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    # An instance with accounts already gets its admin: the oldest account.
    users = sa.table(
        "users",
        sa.column("id", sa.String()),
        sa.column("created_at", sa.DateTime()),
        sa.column("is_admin", sa.Boolean()),
    )
    oldest = (
        sa.select(users.c.id).order_by(users.c.created_at, users.c.id).limit(1).scalar_subquery()
    )
    admins = sa.select(sa.func.count()).select_from(users).where(users.c.is_admin)
    op.execute(
        users.update()
        .where(users.c.id == oldest, admins.scalar_subquery() == 0)
        .values(is_admin=True)
    )
    op.create_table(
        "instance_settings",
        sa.Column("key", promptpro.db.types.String(), nullable=False),
        sa.Column("value", promptpro.db.types.String(), nullable=False),
        sa.Column("updated_at", promptpro.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_instance_settings")),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", promptpro.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", promptpro.db.types.String(), nullable=True),
        sa.Column("address", promptpro.db.types.String(), nullable=True),
        sa.Column("workspace_id", sa.Integer(), nullable=True),
        sa.Column("action", promptpro.db.types.String(), nullable=False),
        sa.Column("object_type", promptpro.db.types.String(), nullable=True),
        sa.Column("object_id", promptpro.db.types.String(), nullable=True),
        sa.Column("summary", promptpro.db.types.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index("ix_audit_events_actor_id_id", "audit_events", ["actor_id", "id"])
    op.create_index(
        "ix_audit_events_object_type_object_id_id",
        "audit_events",
        ["object_type", "object_id", "id"],
    )
    op.create_index("ix_audit_events_occurred_at", "audit_events", ["occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_occurred_at", table_name="audit_events")
    op.drop_index("ix_audit_events_object_type_object_id_id", table_name="audit_events")
    op.drop_index("ix_audit_events_actor_id_id", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_table("instance_settings")
    op.drop_column("users", "disabled")
    op.drop_column("users", "is_admin")
