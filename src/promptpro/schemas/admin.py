"""The instance admin's API and the audit log on the wire."""

from __future__ import annotations

import enum
from datetime import datetime

from pydantic import Field, StrictBool

from promptpro.schemas.base import PatchSchema, ReadSchema, WriteSchema
from promptpro.schemas.users import AdminUserRead


class RegistrationPolicy(enum.StrEnum):
    """Who may create an account: anyone, people with an invitation, nobody."""

    OPEN = "open"
    INVITE = "invite"
    CLOSED = "closed"


class AdminUserUpdate(PatchSchema):
    """Disable or enable a user, promote or demote them; only the fields sent change."""

    not_null = ("disabled", "is_admin")

    # Strict: "yes", 1 or "false" are not booleans (pydantic would read them as ones).
    disabled: StrictBool | None = None
    is_admin: StrictBool | None = None


class AdminUserPage(ReadSchema):
    """A page of users and the cursor of the next one."""

    items: list[AdminUserRead]
    next_cursor: str | None


class InstanceSettingsRead(ReadSchema):
    """The instance-wide settings the admin controls."""

    registration: RegistrationPolicy = Field(
        description="open: anyone may register; invite: only with an invitation; closed: nobody"
    )


class InstanceSettingsUpdate(WriteSchema):
    """A change to the instance-wide settings."""

    registration: RegistrationPolicy


class AuditEventRead(ReadSchema):
    """One recorded event."""

    id: int
    occurred_at: datetime
    actor_id: str | None
    address: str | None
    workspace_id: int | None
    action: str
    object_type: str | None
    object_id: str | None
    summary: str


class AuditEventPage(ReadSchema):
    """A page of events, newest first, and the cursor of the next one."""

    items: list[AuditEventRead]
    next_cursor: str | None
