"""The audit log: who did what, when, from where. Append-only: nothing here changes an event.

An event is recorded in the same transaction as its action (it stands or falls with it);
a failed sign-in, whose request records nothing else, in a short unit of work of its own.
Summaries name objects by id or by the user's own label; never a secret, never a prompt's
text. Adding an action is one name in `Action` and one `record(...)` call.
"""

from __future__ import annotations

import enum
from contextvars import ContextVar
from datetime import datetime, timedelta

from promptpro.db.models import AuditEvent, User
from promptpro.db.types import utcnow
from promptpro.errors import Invalid
from promptpro.services import permissions
from promptpro.storage import Keyset, Page, Storage
from promptpro.storage.admin import NewAuditEvent

MAX_PAGE_SIZE = 100
MAX_SUMMARY_LENGTH = 200

# The client address of the request being handled (set by the request's dependencies),
# so the services record it without every call passing it down. None from the shell.
request_address: ContextVar[str | None] = ContextVar("request_address", default=None)


class Action(enum.StrEnum):
    """What an event records."""

    SIGNED_IN = "auth.signed_in"
    SIGN_IN_FAILED = "auth.sign_in_failed"
    SIGNED_OUT = "auth.signed_out"
    PASSWORD_CHANGED = "account.password_changed"  # noqa: S105  (names, not secrets)
    TOKEN_CREATED = "token.created"  # noqa: S105
    TOKEN_REVOKED = "token.revoked"  # noqa: S105
    KEY_SET = "key.set"
    KEY_REMOVED = "key.removed"
    ENDPOINT_CREATED = "endpoint.created"
    ENDPOINT_DELETED = "endpoint.deleted"
    ENDPOINT_KEY_SET = "endpoint.key_set"
    PROMPT_DELETED = "prompt.deleted"
    CATEGORY_DELETED = "category.deleted"
    TEST_SET_DELETED = "test_set.deleted"
    LIBRARY_IMPORTED = "workspace.library_imported"
    USER_DISABLED = "user.disabled"
    USER_ENABLED = "user.enabled"
    USER_PROMOTED = "user.promoted"
    USER_DEMOTED = "user.demoted"
    REGISTRATION_CHANGED = "instance.registration_changed"
    WORKSPACE_CREATED = "workspace.created"
    WORKSPACE_DELETED = "workspace.deleted"
    WORKSPACE_TRANSFERRED = "workspace.transferred"
    MEMBER_ADDED = "workspace.member_added"
    MEMBER_REMOVED = "workspace.member_removed"
    MEMBER_ROLE_CHANGED = "workspace.member_role_changed"
    BUDGET_SET = "budget.set"
    CATALOGUE_UPDATED = "instance.catalogue_updated"
    INVITATION_CREATED = "workspace.invitation_created"
    INVITATION_USED = "workspace.invitation_used"
    INVITATION_REVOKED = "workspace.invitation_revoked"


async def record(
    storage: Storage,
    action: Action,
    summary: str,
    *,
    actor_id: str | None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    workspace_id: int | None = None,
    address: str | None = None,
) -> None:
    """Append one event in the caller's transaction (the address: the request's, if any)."""
    await storage.add_audit_event(
        NewAuditEvent(
            action=str(action),
            summary=summary[:MAX_SUMMARY_LENGTH],
            actor_id=actor_id,
            address=address if address is not None else request_address.get(),
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            workspace_id=workspace_id,
        )
    )


async def record_failed_sign_in(
    storage: Storage, username: str, *, address: str | None, reason: str = ""
) -> None:
    """A refused sign-in, shown to the account's owner when the username is one; what was
    typed is kept only then (a password typed into the username field is not recorded)."""
    user = await storage.get_user_by_username(username) if 0 < len(username) <= 40 else None
    summary = f"Failed sign-in as {user.username}" if user else "Failed sign-in (unknown user)"
    await record(
        storage,
        Action.SIGN_IN_FAILED,
        summary + (f": {reason}" if reason else ""),
        actor_id=None,
        object_type="user" if user else None,
        object_id=user.id if user else None,
        address=address,
    )


def parse_action(raw: str | None) -> Action | None:
    """The `action` filter, refusing a name that is not an action."""
    if raw is None or raw == "":
        return None
    try:
        return Action(raw)
    except ValueError:
        raise Invalid(
            "Unknown action; one of: " + ", ".join(a.value for a in Action), field="action"
        ) from None


async def list_events(
    storage: Storage,
    viewer: User,
    *,
    everyone: bool,
    workspace_id: int | None = None,
    action: Action | None = None,
    before: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[AuditEvent]:
    """A page of events, newest first: the viewer's own account's, or (admin) everyone's."""
    permissions.require(viewer, "admin.audit.read" if everyone else "audit.own.read")
    return await _events(
        storage,
        subject_id=None if everyone else viewer.id,
        action=action,
        before=before,
        cursor=cursor,
        limit=limit,
    )


async def list_workspace_events(
    storage: Storage,
    workspace_id: int,
    *,
    action: Action | None = None,
    before: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[AuditEvent]:
    """A page of one workspace's events, newest first. The caller checks the viewer's role
    (`WorkspaceService.list_events`): this module sits below the workspace rules."""
    return await _events(
        storage, workspace_id=workspace_id, action=action, before=before, cursor=cursor, limit=limit
    )


async def _events(
    storage: Storage,
    *,
    subject_id: str | None = None,
    workspace_id: int | None = None,
    action: Action | None,
    before: datetime | None,
    cursor: str | None,
    limit: int,
) -> Page[AuditEvent]:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise Invalid(f"limit must be between 1 and {MAX_PAGE_SIZE}.", field="limit")
    if before is not None and before.tzinfo is None:
        raise Invalid("before needs a time zone (e.g. 2026-12-01T10:00:00Z).", field="before")
    after = Keyset.decode(cursor) if cursor else None
    rows = await storage.list_audit_events(
        subject_id=subject_id,
        workspace_id=workspace_id,
        action=str(action) if action else None,
        before=before,
        after=after,
        limit=limit,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more else None
    return Page(rows, Keyset(last.occurred_at, last.id) if last else None)


async def actor_names(storage: Storage, events: list[AuditEvent]) -> dict[str, str]:
    """Who did each of these events, by actor id: the pages show a name, not an id. Only
    for events the viewer may already read (the caller listed them through the rules)."""
    return await storage.usernames({e.actor_id for e in events if e.actor_id is not None})


def parse_age(text: str) -> timedelta:
    """`365d`, `12h`, `30m`: an age for `audit prune --older-than`."""
    units = {"d": "days", "h": "hours", "m": "minutes"}
    number, unit = text[:-1], text[-1:]
    if unit not in units or not number.isdigit() or not 1 <= int(number[:7]) <= 999_999:
        raise Invalid("Give an age like 365d, 12h or 30m.", field="older-than")
    return timedelta(**{units[unit]: int(number)})


async def prune(storage: Storage, older_than: timedelta) -> int:
    """Delete events older than `older_than` (retention, from the server's shell only)."""
    return await storage.prune_audit_events(older_than=utcnow() - older_than)
