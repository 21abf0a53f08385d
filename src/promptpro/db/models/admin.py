"""What the instance admin manages: instance-wide settings and the audit log."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from promptpro.db.base import Base
from promptpro.db.types import String, UTCDateTime, utcnow


class InstanceSetting(Base):
    """One instance-wide setting set by the admin (e.g. `registration`), overriding the
    server's configuration."""

    __tablename__ = "instance_settings"

    key: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[str] = mapped_column(String)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AuditEvent(Base):
    """Something done to an account or the instance: append-only, never changed.

    `actor_id` and `workspace_id` carry no foreign key: an event outlives the account that
    made it (its id stays, as a record), and workspaces come later.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[str | None] = mapped_column(String)
    address: Mapped[str | None] = mapped_column(String)
    workspace_id: Mapped[int | None] = mapped_column(sa.Integer)
    action: Mapped[str] = mapped_column(String)
    object_type: Mapped[str | None] = mapped_column(String)
    object_id: Mapped[str | None] = mapped_column(String)
    summary: Mapped[str] = mapped_column(String)

    __table_args__ = (
        sa.Index("ix_audit_events_actor_id_id", actor_id, id),
        sa.Index("ix_audit_events_object_type_object_id_id", object_type, object_id, id),
        sa.Index("ix_audit_events_occurred_at", occurred_at),
        sa.Index("ix_audit_events_workspace_id_id", workspace_id, id),
    )
