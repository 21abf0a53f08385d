"""Shipping prompts: labels that point at versions, their history, and change requests."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from promptpro.db.base import Base
from promptpro.db.types import String, UTCDateTime, utcnow


class PromptLabel(Base):
    """A label (`production`, `staging`, …) pointing at one version of a prompt.

    `latest` is never stored: it is computed (the newest version). The version is kept by
    number: versions are immutable and never deleted on their own.
    """

    __tablename__ = "prompt_labels"

    prompt_id: Mapped[int] = mapped_column(
        sa.ForeignKey("prompts.id", ondelete="CASCADE"), primary_key=True
    )
    label: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int]
    # Who moved it last (no foreign key: like the audit log's actor, it outlives the account).
    updated_by: Mapped[str | None] = mapped_column(String)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, server_default=sa.func.now()
    )


class LabelEvent(Base):
    """One move of a label: append-only (set, moved, removed)."""

    __tablename__ = "label_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    prompt_id: Mapped[int] = mapped_column(sa.ForeignKey("prompts.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(40))
    from_version: Mapped[int | None]
    to_version: Mapped[int | None]
    actor_id: Mapped[str | None] = mapped_column(String)
    note: Mapped[str | None] = mapped_column(String)
    # The change request it carried out, if any.
    change_request_id: Mapped[int | None]
    occurred_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=sa.func.now()
    )

    __table_args__ = (sa.Index("ix_label_events_prompt_id_label_id", prompt_id, label, id),)


class ChangeRequest(Base):
    """An editor's request to move a protected label, approved or rejected by an admin."""

    __tablename__ = "change_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    prompt_id: Mapped[int] = mapped_column(sa.ForeignKey("prompts.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(40))
    version: Mapped[int]
    # The version the label pointed at when asked (None: it pointed nowhere).
    base_version: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(String)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    requested_by: Mapped[str | None] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=sa.func.now()
    )
    decided_by: Mapped[str | None] = mapped_column(String)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String)

    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
        sa.Index("ix_change_requests_prompt_id_status", prompt_id, status),
    )
