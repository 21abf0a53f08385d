"""A workspace's Members tab (add by username, change roles, remove, leave) and its Audit tab.

Everyone in the workspace sees the members; only admins and owners get the forms to change
them (the services refuse anyone else with a 403, and a non-member with a 404). The last
owner can't be demoted, removed or leave: the service's 409 is shown next to the form.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from promptpro.deps import StorageDep
from promptpro.errors import Conflict, Invalid
from promptpro.schemas.workspaces import MemberCreate, MemberRead, MemberUpdate, WorkspaceRead
from promptpro.services import audit
from promptpro.services.workspaces import WorkspaceService
from promptpro.web.errors import RolledBack
from promptpro.web.forms import (
    FieldErrors,
    FormInvalid,
    domain_errors,
    read_form,
    text,
    validate,
)
from promptpro.web.pages.common import PageAuth, PageUser, page, see_other
from promptpro.web.pages.workspaces import ROLE_LABELS, settings_url

router = APIRouter()

ROLE_CHOICES = list(ROLE_LABELS.items())
MAX_USER_ID = 200
PAGE_SIZE = 25


def next_page(path: str, cursor: str | None, action: str) -> str | None:
    """The link to the next (older) page of events, keeping the filter."""
    if cursor is None:
        return None
    return f"{path}?{urlencode({**({'action': action} if action else {}), 'cursor': cursor})}"


@dataclass(frozen=True)
class MembersTab:
    """What the Members tab shows, read before any write (see RolledBack)."""

    workspace: WorkspaceRead
    members: list[MemberRead]


async def _read(service: WorkspaceService, workspace_id: int) -> MembersTab:
    workspace = await service.get_workspace(workspace_id)
    return MembersTab(workspace, await service.list_members(workspace_id))


def _members_page(
    request: Request,
    auth: PageUser,
    tab: MembersTab,
    *,
    errors: FieldErrors | None = None,
    error_for: str = "",
    kept: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    workspace_id = tab.workspace.id
    may_owners = auth.may("members.manage.owners", workspace_id)
    return page(
        request,
        "workspaces/members.html",
        auth,
        status_code=status_code,
        workspace=tab.workspace,
        members=tab.members,
        role_labels=ROLE_LABELS,
        # Only an owner may make, demote or remove an owner: nobody else is offered it.
        role_choices=[c for c in ROLE_CHOICES if may_owners or c[0] != "owner"],
        may_manage=auth.may("members.manage", workspace_id) and not tab.workspace.personal,
        may_owners=may_owners,
        errors=errors or {},
        error_for=error_for,
        values=kept or {"username": "", "role": "editor"},
    )


@router.get("/workspaces/{workspace_id:int}/settings/members")
async def members_page(
    request: Request, workspace_id: int, storage: StorageDep, auth: PageAuth
) -> Response:
    """The members and their roles; forms to change them for admins and owners."""
    tab = await _read(WorkspaceService(storage, auth.user), workspace_id)
    return _members_page(request, auth, tab)


async def _act(
    request: Request,
    auth: PageUser,
    tab: MembersTab,
    action: Awaitable[object],
    *,
    error_for: str,
    kept: dict[str, str] | None = None,
) -> None:
    """Do a member change; refused, show the tab again with the reason by its form."""
    try:
        await action
    except (FormInvalid, Invalid, Conflict) as exc:
        errors = exc.errors if isinstance(exc, FormInvalid) else domain_errors(exc)
        status = 409 if isinstance(exc, Conflict) else 422
        response = _members_page(
            request, auth, tab, errors=errors, error_for=error_for, kept=kept, status_code=status
        )
        raise RolledBack(response) from None


def _member_id(raw: str) -> str:
    return raw[:MAX_USER_ID]


@router.post("/workspaces/{workspace_id:int}/settings/members")
async def add_member(
    request: Request, workspace_id: int, storage: StorageDep, auth: PageAuth
) -> Response:
    """Add an existing user by username with a role (admins; an owner only by an owner)."""
    service = WorkspaceService(storage, auth.user)
    tab = await _read(service, workspace_id)
    form = await read_form(request)
    kept = {"username": text(form, "username").strip(), "role": text(form, "role")}

    async def add() -> None:
        await service.add_member(workspace_id, validate(MemberCreate, kept))

    await _act(request, auth, tab, add(), error_for="add", kept=kept)
    return see_other(settings_url(workspace_id, "members") + "?done=member-added")


@router.post("/workspaces/{workspace_id:int}/settings/members/{user_id}/role")
async def change_role(
    request: Request, workspace_id: int, user_id: str, storage: StorageDep, auth: PageAuth
) -> Response:
    """Give a member another role (the last owner can't be demoted)."""
    service = WorkspaceService(storage, auth.user)
    tab = await _read(service, workspace_id)
    form = await read_form(request)
    member = _member_id(user_id)

    async def change() -> None:
        data = validate(MemberUpdate, {"role": text(form, "role")})
        await service.change_role(workspace_id, member, data)

    await _act(request, auth, tab, change(), error_for=member)
    return see_other(settings_url(workspace_id, "members") + "?done=member-changed")


@router.post("/workspaces/{workspace_id:int}/settings/members/{user_id}/remove")
async def remove_member(
    request: Request, workspace_id: int, user_id: str, storage: StorageDep, auth: PageAuth
) -> Response:
    """Remove a member, or leave when it is the user's own id."""
    service = WorkspaceService(storage, auth.user)
    tab = await _read(service, workspace_id)
    member = _member_id(user_id)
    await _act(request, auth, tab, service.remove_member(workspace_id, member), error_for=member)
    if member == auth.user.id:
        return see_other("/workspaces?done=workspace-left")
    return see_other(settings_url(workspace_id, "members") + "?done=member-removed")


@router.get("/workspaces/{workspace_id:int}/settings/audit")
async def audit_page(
    request: Request, workspace_id: int, storage: StorageDep, auth: PageAuth
) -> Response:
    """The workspace's audit events, newest first, filtered by action (admins and owners)."""
    service = WorkspaceService(storage, auth.user)
    workspace = await service.get_workspace(workspace_id)
    action = request.query_params.get("action", "")
    cursor = request.query_params.get("cursor", "")
    events = await service.list_events(
        workspace_id,
        action=audit.parse_action(action),
        cursor=cursor or None,
        limit=PAGE_SIZE,
    )
    following = events.next_cursor.encode() if events.next_cursor else None
    path = settings_url(workspace_id, "audit")
    return page(
        request,
        "workspaces/audit.html",
        auth,
        workspace=workspace,
        events=events.items,
        who=await audit.actor_names(storage, events.items),
        action=action,
        actions=[("", "All actions")] + [(a.value, a.value) for a in audit.Action],
        more=next_page(path, following, action=action),
    )
