"""Workspaces: who owns categories and prompts, and who may do what in them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from promptpro.db.base import Base, Timestamps
from promptpro.db.types import JSON, String, UTCDateTime, utcnow


class Workspace(Timestamps, Base):
    """A library shared by its members: a user's personal one, or a team's."""

    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String)
    # Set on a personal workspace: the user it belongs to (one each; it goes with them).
    personal_user_id: Mapped[str | None] = mapped_column(
        String, sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    # What runs of the workspace's prompts may cost in a calendar month (UTC), set by its
    # admins; None: no budget.
    monthly_budget_usd: Mapped[float | None]
    # Labels only admins may move (editors open change requests). None: ["production"].
    protected_labels: Mapped[list[str] | None] = mapped_column(JSON)


class WorkspaceMember(Base):
    """A user's membership of a workspace, with their role in it."""

    __tablename__ = "workspace_members"

    workspace_id: Mapped[int] = mapped_column(
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        String, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=sa.func.now()
    )

    __table_args__ = (
        sa.CheckConstraint("role IN ('owner', 'admin', 'editor', 'viewer')", name="role"),
    )


class WorkspaceInvitation(Base):
    """A link that makes its holder a member with `role`: one use, until `expires_at`.

    Only the SHA-256 of its token is kept (the token is shown once, to the inviter). A used
    or revoked invitation stays, marked, so the list can say what became of it.
    """

    __tablename__ = "workspace_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    inviter_id: Mapped[str | None] = mapped_column(
        String, sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_id: Mapped[str | None] = mapped_column(
        String, sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint("role IN ('owner', 'admin', 'editor', 'viewer')", name="role"),
    )
