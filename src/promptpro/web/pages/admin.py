"""The instance admin's pages (users, registration, the audit log) and the user's Activity."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from promptpro.deps import SettingsDep, StorageDep, TokenCacheDep
from promptpro.errors import Conflict, Invalid
from promptpro.schemas.admin import RegistrationPolicy
from promptpro.services import admin, audit, permissions
from promptpro.web.errors import RolledBack
from promptpro.web.forms import FORM, read_form, text
from promptpro.web.pages.common import PageAuth, PageUser, page, see_other

router = APIRouter()

CHANGES = {
    "disable": {"disabled": True},
    "enable": {"disabled": False},
    "promote": {"is_admin": True},
    "demote": {"is_admin": False},
}
POLICY_CHOICES = [
    ("open", "Open: anyone may create an account"),
    ("invite", "Invite only: an invitation is needed"),
    ("closed", "Closed: nobody may create an account"),
]
PAGE_SIZE = 25


def _more(path: str, cursor: str | None, **params: str | None) -> str | None:
    """The link to the next page, keeping the filters."""
    if cursor is None:
        return None
    kept = {k: v for k, v in params.items() if v}
    return f"{path}?{urlencode({**kept, 'cursor': cursor})}"


async def _users_page(
    request: Request,
    storage: StorageDep,
    settings: SettingsDep,
    auth: PageUser,
    *,
    status_code: int = 200,
    error: str | None = None,
) -> Response:
    q = request.query_params.get("q", "")
    users = await admin.list_users(
        storage, auth.user, q=q, cursor=request.query_params.get("cursor"), limit=PAGE_SIZE
    )
    policy = await admin.get_registration(storage, settings)
    return page(
        request,
        "admin/users.html",
        auth,
        status_code=status_code,
        q=q,
        users=users.items,
        more=_more("/admin", users.next_cursor, q=q),
        policy=str(policy),
        policy_choices=POLICY_CHOICES,
        errors={FORM: error} if error else {},
    )


@router.get("/admin")
async def users_page(
    request: Request, storage: StorageDep, settings: SettingsDep, auth: PageAuth
) -> Response:
    """The users (searchable, paged) with their switches, and the registration policy."""
    return await _users_page(request, storage, settings, auth)


@router.post("/admin/users/{user_id}")
async def change_user(
    request: Request,
    user_id: str,
    storage: StorageDep,
    settings: SettingsDep,
    cache: TokenCacheDep,
    auth: PageAuth,
) -> Response:
    """Disable, enable, promote or demote one user."""
    permissions.require(auth.user, "admin.users.write")
    form = await read_form(request)
    change = CHANGES.get(text(form, "change"))
    if change is None:
        raise Invalid("Choose disable, enable, promote or demote.", field="change")
    # Rendered before the write (see RolledBack): shown if the change would leave no admin.
    refused = await _users_page(
        request, storage, settings, auth, status_code=409, error=admin.LAST_ADMIN
    )
    try:
        await admin.change_user(storage, auth.user, user_id, cache=cache, **change)
    except Conflict:
        raise RolledBack(refused) from None
    return see_other("/admin?done=user-changed")


@router.post("/admin/settings")
async def change_settings(
    request: Request, storage: StorageDep, settings: SettingsDep, auth: PageAuth
) -> Response:
    """Set the registration policy."""
    form = await read_form(request)
    try:
        policy = RegistrationPolicy(text(form, "registration"))
    except ValueError:
        raise Invalid("Choose open, invite or closed.", field="registration") from None
    await admin.set_registration(storage, settings, auth.user, policy)
    return see_other("/admin?done=registration")


def _audit_context(request: Request) -> dict[str, str]:
    return {
        "action": request.query_params.get("action", ""),
        "cursor": request.query_params.get("cursor", ""),
    }


async def _events_page(
    request: Request, storage: StorageDep, auth: PageUser, *, everyone: bool
) -> Response:
    params = _audit_context(request)
    events = await audit.list_events(
        storage,
        auth.user,
        everyone=everyone,
        action=audit.parse_action(params["action"]),
        cursor=params["cursor"] or None,
        limit=PAGE_SIZE,
    )
    path = "/admin/audit" if everyone else "/settings/activity"
    cursor = events.next_cursor.encode() if events.next_cursor else None
    return page(
        request,
        "admin/audit.html" if everyone else "settings/activity.html",
        auth,
        events=events.items,
        who=await audit.actor_names(storage, events.items),
        action=params["action"],
        actions=[("", "All actions")] + [(a.value, a.value) for a in audit.Action],
        more=_more(path, cursor, action=params["action"]),
    )


@router.get("/admin/audit")
async def audit_page(request: Request, storage: StorageDep, auth: PageAuth) -> Response:
    """Every event on the instance, newest first."""
    return await _events_page(request, storage, auth, everyone=True)


@router.get("/settings/activity")
async def activity_page(request: Request, storage: StorageDep, auth: PageAuth) -> Response:
    """The user's own account's events, newest first."""
    return await _events_page(request, storage, auth, everyone=False)
