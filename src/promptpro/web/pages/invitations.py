"""Invitation pages: the landing page a link opens, accepting it, and a workspace's
invitations tab (make a link, shown once; revoke one)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import Response

from promptpro.deps import ActiveSessionDep, SettingsDep, StorageDep
from promptpro.errors import Conflict, InvitationUnusable
from promptpro.schemas.invitations import InvitationCreate, InvitationRead
from promptpro.schemas.workspaces import WorkspaceRead
from promptpro.services import invitations, permissions, sessions
from promptpro.services.instance import registration_allowed, registration_policy
from promptpro.services.invitations import InvitationService
from promptpro.services.workspaces import WorkspaceService
from promptpro.storage import Storage
from promptpro.web.errors import RolledBack
from promptpro.web.forms import FieldErrors, FormInvalid, domain_errors, read_form, text, validate
from promptpro.web.guards import FORM_TOKEN_FIELD, new_form_token
from promptpro.web.pages.common import FormOnceDep, PageAuth, PageUser, page, see_other
from promptpro.web.templating import Viewer, render

router = APIRouter()

ROLE_LABELS = {
    "owner": "Owner: everything, and deleting or handing over the workspace",
    "admin": "Admin: also members, invitations and workspace keys",
    "editor": "Editor: write prompts and categories, run prompts",
    "viewer": "Viewer: read prompts, versions and answers",
}
NO_STORE = {"Cache-Control": "no-store"}  # a page holding a token is never kept


def _unusable(request: Request, exc: InvitationUnusable, viewer: Viewer | None) -> Response:
    """The page for a link that can't be used, saying why (and never making a member)."""
    return render(
        request,
        "invitations/unusable.html",
        user=viewer,
        reason=exc.reason,
        message=exc.detail,
        status_code=404 if exc.reason == "invalid" else 410,
        headers=NO_STORE,
    )


@router.get("/invitations/{token}")
async def landing_page(
    request: Request,
    token: str,
    storage: StorageDep,
    settings: SettingsDep,
    active: ActiveSessionDep,
) -> Response:
    """What the invitation offers: the workspace, who invites, the role; how to accept."""
    user = await sessions.session_user(storage, active)
    viewer = Viewer(user.id, user.username, user.is_admin) if user else None
    try:
        found = await invitations.find_usable(storage, token[:200])
    except InvitationUnusable as exc:
        return _unusable(request, exc, viewer)
    member = user is not None and await storage.role_in(user.id, found.workspace.id) is not None
    policy = await registration_policy(storage, settings)
    here = f"/invitations/{quote(token, safe='')}"
    return render(
        request,
        "invitations/landing.html",
        user=viewer,
        csrf_token=active.csrf_token if active and user else "",
        invitation=found.preview,
        token=token,
        member=member,
        can_register=registration_allowed(policy, invited=True),
        login_url=f"/login?next={quote(here, safe='')}",
        register_url=f"/register?invitation={quote(token, safe='')}",
        role_label=ROLE_LABELS[found.invitation.role],
        headers=NO_STORE,
    )


@router.post("/invitations/{token}/accept")
async def accept(request: Request, token: str, storage: StorageDep, auth: PageAuth) -> Response:
    """Join the workspace with the invitation's role (the form carries the CSRF token)."""
    try:
        joined = await invitations.accept(storage, auth.user, token[:200])
    except InvitationUnusable as exc:
        raise RolledBack(_unusable(request, exc, auth.viewer)) from None
    except Conflict:
        return see_other("/prompts?done=invitation-member")
    return see_other(f"/prompts?done=invitation-accepted&workspace={joined.workspace_id}")


# --- the workspace's invitations tab ----------------------------------------------------


def _role_choices(role: str) -> list[tuple[str, str]]:
    """The roles this member may invite as (an owner only by an owner)."""
    owners = permissions.role_allows(role, "members.manage.owners")
    return [(r, label) for r, label in ROLE_LABELS.items() if r != "owner" or owners]


async def _tab(
    request: Request,
    storage: Storage,
    auth: PageUser,
    workspace: WorkspaceRead,
    service: InvitationService,
    *,
    status_code: int = 200,
    created: dict[str, str] | None = None,
    errors: FieldErrors | None = None,
    listed: list[InvitationRead] | None = None,
    form_token: str = "",
) -> Response:
    return page(
        request,
        "workspaces/settings_invitations.html",
        auth,
        status_code=status_code,
        workspace=workspace,
        invitations=listed if listed is not None else await service.list_invitations(workspace.id),
        role_choices=_role_choices(workspace.role),
        created=created,
        errors=errors or {},
        form_token=form_token or new_form_token(),
        headers=NO_STORE,
    )


def _services(storage: Storage, auth: PageUser, settings: SettingsDep) -> InvitationService:
    return InvitationService(storage, auth.user, settings.public_url)


@router.get("/workspaces/{workspace_id:int}/settings/invitations")
async def invitations_tab(
    request: Request, workspace_id: int, storage: StorageDep, settings: SettingsDep, auth: PageAuth
) -> Response:
    """The workspace's invitations (admins and owners): pending ones can be revoked."""
    workspace = await WorkspaceService(storage, auth.user).get_workspace(workspace_id)
    return await _tab(request, storage, auth, workspace, _services(storage, auth, settings))


@router.post("/workspaces/{workspace_id:int}/settings/invitations")
async def create_invitation(
    request: Request,
    workspace_id: int,
    storage: StorageDep,
    settings: SettingsDep,
    auth: PageAuth,
    once: FormOnceDep,
) -> Response:
    """Make an invitation link and show it, this once (the page is not stored)."""
    form = await read_form(request)
    workspace = await WorkspaceService(storage, auth.user).get_workspace(workspace_id)
    service = _services(storage, auth, settings)
    listed = await service.list_invitations(workspace_id)  # read before the write
    token = text(form, FORM_TOKEN_FIELD)
    async with once.claim(auth.user.id, token) as claim:
        if claim.done_url:
            return see_other(claim.done_url)
        try:
            data = validate(InvitationCreate, {"role": text(form, "role")})
            made = await service.create(workspace_id, data)
        except (FormInvalid, Conflict) as exc:
            errors = exc.errors if isinstance(exc, FormInvalid) else domain_errors(exc)
            response = await _tab(
                request,
                storage,
                auth,
                workspace,
                service,
                status_code=422 if isinstance(exc, FormInvalid) else 409,
                errors=errors,
                listed=listed,
                form_token=token,
            )
            raise RolledBack(response) from None
        claim.done_url = f"/workspaces/{workspace_id}/settings/invitations?done=invitation-again"
    url = made.url if made.url.startswith("http") else str(request.base_url).rstrip("/") + made.url
    created = {"url": url, "role": made.role}
    return await _tab(request, storage, auth, workspace, service, created=created)


@router.post("/workspaces/{workspace_id:int}/settings/invitations/{invitation_id:int}/revoke")
async def revoke_invitation(
    workspace_id: int,
    invitation_id: int,
    storage: StorageDep,
    settings: SettingsDep,
    auth: PageAuth,
) -> Response:
    """Revoke a pending invitation: its link makes nobody a member from now on."""
    await _services(storage, auth, settings).revoke(workspace_id, invitation_id)
    return see_other(f"/workspaces/{workspace_id}/settings/invitations?done=invitation-revoked")
