"""What every page route uses: the signed-in user, rendering with them, redirects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse

from promptpro.db.models import User
from promptpro.deps import Auth, CurrentAuth, StorageDep
from promptpro.schemas.library import CategoryRead
from promptpro.schemas.workspaces import WorkspaceRead
from promptpro.security.vault import Vault
from promptpro.services import permissions
from promptpro.services.categories import CategoryService
from promptpro.services.current_workspace import WorkspaceChoice, current_workspace
from promptpro.services.endpoints import usable_endpoints
from promptpro.services.keys import KeyService
from promptpro.services.sessions import ActiveSession
from promptpro.services.workspace_keys import WorkspaceKeyService
from promptpro.storage import Storage
from promptpro.web.forms import FORM, FieldErrors
from promptpro.web.guards import FormOnce
from promptpro.web.models import ModelGroup, model_groups
from promptpro.web.templating import Viewer, render

WORKSPACE_FIELD = "workspaceId"


@dataclass(frozen=True)
class PageUser:
    """Who asks for a page: how they signed in, and what pages show of them."""

    auth: Auth
    viewer: Viewer
    choice: WorkspaceChoice

    @property
    def user(self) -> User:
        """The signed-in user (for the services)."""
        return self.auth.user

    @property
    def session(self) -> ActiveSession | None:
        """Their session (None for a bearer token)."""
        return self.auth.session

    @property
    def workspace(self) -> WorkspaceRead:
        """The workspace the pages work in now (the switcher's choice)."""
        return self.choice.current

    def may(self, action: str, workspace_id: int) -> bool:
        """Whether the user's role in a workspace allows `action`: only for what a page
        offers (a viewer sees no Run button); the services check every action anyway."""
        return permissions.role_allows(self.choice.role_in(workspace_id), action)


async def page_user(auth: CurrentAuth, storage: StorageDep) -> PageUser:
    """The signed-in user of a page request.

    Pages authenticate like the API (session cookie; unsafe methods need the CSRF token,
    which forms send in their hidden `csrf_token` field). Not signed in: the page error
    handler sends the browser to sign in and back.
    """
    user = auth.user
    choice = await current_workspace(storage, user, auth.session)
    writes = permissions.role_allows(choice.current.role, "library.write")
    viewer = Viewer(
        user.id, user.username, user.is_admin, choice.workspaces, choice.current, writes
    )
    return PageUser(auth, viewer, choice)


PageAuth = Annotated[PageUser, Depends(page_user)]


def page(
    request: Request, template: str, auth: PageUser, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A page for the signed-in user, with the session's CSRF token for its forms."""
    csrf_token = auth.session.csrf_token if auth.session else ""
    return render(
        request,
        template,
        user=auth.viewer,
        csrf_token=csrf_token,
        status_code=status_code,
        **context,
    )


def form_workspace(form: FormData, auth: PageUser) -> str | int:
    """The workspace a create form was shown for (its hidden `workspaceId`, so a form opened
    before switching in another tab still creates where it said), else the current one."""
    posted = form.get(WORKSPACE_FIELD)
    return posted if isinstance(posted, str) and posted else auth.workspace.id


def workspace_errors(errors: FieldErrors) -> FieldErrors:
    """A refused `workspaceId` (a hidden field) is shown for the form as a whole."""
    if WORKSPACE_FIELD in errors:
        errors = {**errors, FORM: errors[WORKSPACE_FIELD]}
        del errors[WORKSPACE_FIELD]
    return errors


def see_other(url: str) -> RedirectResponse:
    """Redirect after a post (303, so a reload doesn't post again)."""
    return RedirectResponse(url, status_code=303)


def get_form_once(request: Request) -> FormOnce:
    """The process's record of handled create forms."""
    once: FormOnce = request.app.state.form_once
    return once


FormOnceDep = Annotated[FormOnce, Depends(get_form_once)]


async def categories_of(
    storage: Storage, auth: PageUser, workspace_id: int | None = None
) -> list[CategoryRead]:
    """A workspace's categories (by default the current one's), by name."""
    workspace = auth.workspace.id if workspace_id is None else workspace_id
    return await CategoryService(storage, auth.user.id).list_categories(workspace)


async def model_choices(
    storage: Storage,
    vault: Vault,
    auth: PageUser,
    *,
    include: list[str | None],
    workspace_id: int | None = None,
) -> list[ModelGroup]:
    """The model picker's groups, marked by whether a run would have each provider's key:
    the user's own, or (for a prompt of a team workspace) the workspace's; then the own
    endpoints a run there may use."""
    configured = await KeyService(storage, vault, auth.user.id).configured_providers()
    if workspace_id is not None:
        shared = WorkspaceKeyService(storage, vault, auth.user.id)
        configured |= await shared.configured_providers(workspace_id)
    endpoints = await usable_endpoints(storage, auth.user.id, workspace_id)
    return model_groups(
        {str(provider) for provider in configured}, include=include, endpoints=endpoints
    )
