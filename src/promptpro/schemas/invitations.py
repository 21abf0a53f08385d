"""Workspace invitations on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from promptpro.schemas.base import ReadSchema, WriteSchema
from promptpro.schemas.workspaces import WorkspaceRole

InvitationStatus = Literal["pending", "used", "revoked", "expired"]


class InvitationCreate(WriteSchema):
    """An invitation link that makes its holder a member with `role` (one use, 7 days)."""

    role: WorkspaceRole


class InvitationRead(ReadSchema):
    """An invitation of a workspace, without its token."""

    id: int
    role: WorkspaceRole
    status: InvitationStatus
    invited_by: str | None = Field(description="The inviter's username (null: account gone).")
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None


class InvitationCreated(ReadSchema):
    """A new invitation: `token` and `url` are shown this once (only a hash is kept)."""

    id: int
    url: str
    token: str
    role: WorkspaceRole
    expires_at: datetime


class InvitationPreview(ReadSchema):
    """What an invitation offers, as its landing page shows it."""

    workspace_id: int
    workspace_name: str
    invited_by: str | None
    role: WorkspaceRole
    expires_at: datetime
