"""The instance admin's API: users, instance settings, the whole audit log; and the user's own
audit log under /me."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from promptpro.api.problems import problem_responses
from promptpro.deps import CurrentUser, SettingsDep, StorageDep, TokenCacheDep
from promptpro.schemas.admin import (
    AdminUserPage,
    AdminUserUpdate,
    AuditEventPage,
    AuditEventRead,
    InstanceSettingsRead,
    InstanceSettingsUpdate,
)
from promptpro.schemas.users import AdminUserRead
from promptpro.services import admin, audit, permissions

router = APIRouter(prefix="/api/v1", tags=["admin"])

ADMIN_ONLY = "Only the instance admin may call this (403 `/problems/admin-required` otherwise)."
Limit = Annotated[int, Query(description="Items per page (1-100).")]
Cursor = Annotated[
    str | None, Query(max_length=200, description="`nextCursor` of the page before.")
]
ActionFilter = Annotated[str | None, Query(max_length=100, description="Only this action.")]
Before = Annotated[datetime | None, Query(description="Only events before this time (ISO 8601).")]


async def _events(
    storage: StorageDep,
    user: CurrentUser,
    *,
    everyone: bool,
    workspace_id: int | None = None,
    action: str | None,
    before: datetime | None,
    cursor: str | None,
    limit: int,
) -> AuditEventPage:
    page = await audit.list_events(
        storage,
        user,
        everyone=everyone,
        workspace_id=workspace_id,
        action=audit.parse_action(action),
        before=before,
        cursor=cursor,
        limit=limit,
    )
    return AuditEventPage(
        items=[AuditEventRead.model_validate(event) for event in page.items],
        next_cursor=page.next_cursor.encode() if page.next_cursor else None,
    )


@router.get(
    "/me/audit",
    response_model=AuditEventPage,
    summary="Your account's events: what you did, and what was done to your account",
    responses=problem_responses(401, 422),
)
async def my_audit(
    storage: StorageDep,
    user: CurrentUser,
    action: ActionFilter = None,
    before: Before = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> AuditEventPage:
    """Newest first, paged with `nextCursor`."""
    return await _events(
        storage, user, everyone=False, action=action, before=before, cursor=cursor, limit=limit
    )


@router.get(
    "/admin/audit",
    response_model=AuditEventPage,
    summary="Every event on the instance",
    description=ADMIN_ONLY,
    responses=problem_responses(401, 403, 422),
)
async def instance_audit(
    storage: StorageDep,
    user: CurrentUser,
    action: ActionFilter = None,
    before: Before = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> AuditEventPage:
    """Newest first, paged with `nextCursor`."""
    return await _events(
        storage, user, everyone=True, action=action, before=before, cursor=cursor, limit=limit
    )


@router.get(
    "/admin/users",
    response_model=AdminUserPage,
    summary="Users, by username; `q` searches usernames and emails",
    description=ADMIN_ONLY,
    responses=problem_responses(401, 403, 422),
)
async def list_users(
    storage: StorageDep,
    user: CurrentUser,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> AdminUserPage:
    """A page of users with whether each is an admin and whether disabled."""
    page = await admin.list_users(storage, user, q=q, cursor=cursor, limit=limit)
    return AdminUserPage(
        items=[AdminUserRead.model_validate(row) for row in page.items],
        next_cursor=page.next_cursor,
    )


@router.patch(
    "/admin/users/{user_id}",
    response_model=AdminUserRead,
    summary="Disable or enable a user; promote or demote them",
    description=ADMIN_ONLY + " A disabled user's sessions and tokens stop working at once; "
    "their data stays. A change leaving no active admin is a 409.",
    responses=problem_responses(401, 403, 404, 409, 413, 422),
)
async def change_user(
    user_id: str,
    body: AdminUserUpdate,
    storage: StorageDep,
    user: CurrentUser,
    cache: TokenCacheDep,
) -> AdminUserRead:
    """Apply the fields sent."""
    changed = await admin.change_user(
        storage, user, user_id, cache=cache, disabled=body.disabled, is_admin=body.is_admin
    )
    return AdminUserRead.model_validate(changed)


@router.get(
    "/admin/settings",
    response_model=InstanceSettingsRead,
    summary="Instance settings (the registration policy)",
    description=ADMIN_ONLY,
    responses=problem_responses(401, 403),
)
async def get_settings(
    storage: StorageDep, settings: SettingsDep, user: CurrentUser
) -> InstanceSettingsRead:
    """The registration policy in force."""
    permissions.require(user, "admin.settings.write")
    return InstanceSettingsRead(registration=await admin.get_registration(storage, settings))


@router.patch(
    "/admin/settings",
    response_model=InstanceSettingsRead,
    summary="Set the registration policy: open, invite or closed",
    description=ADMIN_ONLY + " Overrides `PROMPTPRO_REGISTRATION_ENABLED`.",
    responses=problem_responses(401, 403, 413, 422),
)
async def update_settings(
    body: InstanceSettingsUpdate, storage: StorageDep, settings: SettingsDep, user: CurrentUser
) -> InstanceSettingsRead:
    """Change the registration policy."""
    policy = await admin.set_registration(storage, settings, user, body.registration)
    return InstanceSettingsRead(registration=policy)
