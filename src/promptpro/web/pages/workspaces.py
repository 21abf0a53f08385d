"""Workspaces: the list and the create form, the header's switcher, and General settings
(rename, hand over, delete after typing the name). Members and audit: workspace_members.py.

Rights come from the services (`WorkspaceService`): a non-member gets the 404 page, a member
whose role does not allow an action the 403 page naming the role needed. The pages only
leave out the forms a role can't use.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from promptpro.deps import StorageDep
from promptpro.errors import Conflict, Invalid
from promptpro.schemas.workspaces import (
    MemberRead,
    WorkspaceCreate,
    WorkspaceRead,
    WorkspaceUpdate,
)
from promptpro.services.current_workspace import switch_workspace
from promptpro.services.workspaces import WorkspaceService
from promptpro.web.errors import RolledBack
from promptpro.web.forms import (
    FieldErrors,
    FormInvalid,
    domain_errors,
    read_form,
    safe_next,
    text,
    validate,
)
from promptpro.web.guards import FORM_TOKEN_FIELD, new_form_token
from promptpro.web.pages.common import FormOnceDep, PageAuth, PageUser, page, see_other

router = APIRouter()

ROLE_LABELS = {
    "owner": "Owner",
    "admin": "Admin",
    "editor": "Editor",
    "viewer": "Viewer",
}


def settings_url(workspace_id: int, tab: str = "") -> str:
    """A settings tab of a workspace (General when `tab` is empty)."""
    return f"/workspaces/{workspace_id}/settings" + (f"/{tab}" if tab else "")


def workspace_id_field(raw: str) -> int:
    """A posted workspace id (a positive number that fits the column), else Invalid."""
    if not raw.isdigit() or len(raw) > 12 or int(raw) == 0:
        raise Invalid("Choose one of your workspaces.", field="workspaceId")
    return int(raw)


def _list_page(
    request: Request,
    auth: PageUser,
    *,
    kept: dict[str, str] | None = None,
    errors: FieldErrors | None = None,
    form_token: str = "",
    status_code: int = 200,
) -> Response:
    return page(
        request,
        "workspaces/list.html",
        auth,
        status_code=status_code,
        workspaces=auth.choice.workspaces,
        current_id=auth.workspace.id,
        role_labels=ROLE_LABELS,
        values=kept or {},
        errors=errors or {},
        form_token=form_token or new_form_token(),
    )


@router.get("/workspaces")
async def workspaces_page(request: Request, auth: PageAuth) -> Response:
    """The user's workspaces with their role in each, and a form to create one."""
    return _list_page(request, auth)


@router.post("/workspaces")
async def create_workspace(
    request: Request, storage: StorageDep, auth: PageAuth, once: FormOnceDep
) -> Response:
    """Create a team workspace (once, however often the form is sent) and switch to it."""
    form = await read_form(request)
    kept = {"name": text(form, "name")}
    token = text(form, FORM_TOKEN_FIELD)
    async with once.claim(auth.user.id, token) as claim:
        if claim.done_url:
            return see_other(claim.done_url)
        try:
            data = validate(WorkspaceCreate, kept)
            made = await WorkspaceService(storage, auth.user).create_workspace(data)
        except (FormInvalid, Invalid) as exc:
            errors = exc.errors if isinstance(exc, FormInvalid) else domain_errors(exc)
            response = _list_page(
                request, auth, kept=kept, errors=errors, form_token=token, status_code=422
            )
            raise RolledBack(response) from None
        # A new workspace is where the user means to work next.
        await switch_workspace(storage, auth.user, auth.session, made.id)
        claim.done_url = settings_url(made.id, "members") + "?done=workspace-created"
    return see_other(claim.done_url)


@router.post("/workspaces/switch")
async def switch(request: Request, storage: StorageDep, auth: PageAuth) -> Response:
    """Work in another of the user's workspaces (remembered in the session), then go back."""
    form = await read_form(request)
    workspace_id = workspace_id_field(text(form, "workspaceId"))
    await switch_workspace(storage, auth.user, auth.session, workspace_id)
    return see_other(safe_next(text(form, "next")))


async def _general_context(
    service: WorkspaceService, workspace_id: int
) -> tuple[WorkspaceRead, list[MemberRead]]:
    workspace = await service.get_workspace(workspace_id)
    return workspace, await service.list_members(workspace_id)


def _general_page(
    request: Request,
    auth: PageUser,
    workspace: WorkspaceRead,
    members: list[MemberRead],
    *,
    errors: dict[str, FieldErrors] | None = None,
    kept: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    errors = errors or {}
    context: dict[str, Any] = {
        "workspace": workspace,
        "others": [m for m in members if m.user_id != auth.user.id],
        "member_options": [
            (m.user_id, f"{m.username} ({ROLE_LABELS[m.role].lower()})")
            for m in members
            if m.user_id != auth.user.id
        ],
        "role_labels": ROLE_LABELS,
        "may_rename": auth.may("workspace.rename", workspace.id),
        "may_own": auth.may("workspace.delete", workspace.id),
        "rename_errors": errors.get("rename", {}),
        "transfer_errors": errors.get("transfer", {}),
        "delete_errors": errors.get("delete", {}),
        "values": kept or {},
    }
    return page(request, "workspaces/settings.html", auth, status_code=status_code, **context)


@router.get("/workspaces/{workspace_id:int}/settings")
async def general_page(
    request: Request, workspace_id: int, storage: StorageDep, auth: PageAuth
) -> Response:
    """General settings: the name, handing over, deleting (owners and admins act)."""
    workspace, members = await _general_context(WorkspaceService(storage, auth.user), workspace_id)
    return _general_page(request, auth, workspace, members)


async def _general_form(
    request: Request,
    workspace_id: int,
    storage: StorageDep,
    auth: PageUser,
    form_name: str,
) -> tuple[WorkspaceService, dict[str, str], Any]:
    """The service, the posted fields, and a function showing the page again with errors."""
    service = WorkspaceService(storage, auth.user)
    workspace, members = await _general_context(service, workspace_id)  # before the write
    form = await read_form(request)
    kept = {name: text(form, name) for name in ("name", "userId", "confirm")}

    def refused(exc: FormInvalid | Invalid | Conflict) -> RolledBack:
        errors = exc.errors if isinstance(exc, FormInvalid) else domain_errors(exc)
        status = 409 if isinstance(exc, Conflict) else 422
        return RolledBack(
            _general_page(
                request,
                auth,
                workspace,
                members,
                errors={form_name: errors},
                kept=kept,
                status_code=status,
            )
        )

    return service, kept, refused


@router.post("/workspaces/{workspace_id:int}/settings/rename")
async def rename(
    request: Request, workspace_id: int, storage: StorageDep, auth: PageAuth
) -> Response:
    """Give the workspace a new name (admins and owners)."""
    service, kept, refused = await _general_form(request, workspace_id, storage, auth, "rename")
    try:
        data = validate(WorkspaceUpdate, {"name": kept["name"]})
        await service.rename_workspace(workspace_id, data)
    except (FormInvalid, Invalid, Conflict) as exc:
        raise refused(exc) from None
    return see_other(settings_url(workspace_id) + "?done=workspace-renamed")


@router.post("/workspaces/{workspace_id:int}/settings/transfer")
async def transfer(
    request: Request, workspace_id: int, storage: StorageDep, auth: PageAuth
) -> Response:
    """Make another member the owner; the user stays, as an admin (owners)."""
    service, kept, refused = await _general_form(request, workspace_id, storage, auth, "transfer")
    try:
        if not kept["userId"]:
            raise Invalid("Choose the member to hand the workspace to.", field="userId")
        await service.transfer(workspace_id, kept["userId"][:200])
    except (Invalid, Conflict) as exc:
        raise refused(exc) from None
    return see_other(settings_url(workspace_id) + "?done=workspace-transferred")


@router.post("/workspaces/{workspace_id:int}/settings/delete")
async def delete(
    request: Request, workspace_id: int, storage: StorageDep, auth: PageAuth
) -> Response:
    """Delete the workspace with everything in it, once its exact name is typed (owners)."""
    service, kept, refused = await _general_form(request, workspace_id, storage, auth, "delete")
    try:
        await service.delete_workspace(workspace_id, kept["confirm"][:1000])
    except (Invalid, Conflict) as exc:
        raise refused(exc) from None
    return see_other("/workspaces?done=workspace-deleted")
