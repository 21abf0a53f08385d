"""Workspace settings, Keys: a team workspace's provider keys, for its admins and owners.

Hints only, as on the user's own keys page; editors and viewers get the 403 page (their
runs use the keys, they never see them), a non-member the 404 page.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from promptpro.deps import StorageDep, VaultDep
from promptpro.errors import Invalid, NotFound
from promptpro.schemas.keys import KeyProvider, KeyRead, KeyUpdate
from promptpro.schemas.workspaces import WorkspaceRead
from promptpro.services.workspace_keys import WorkspaceKeyService
from promptpro.services.workspaces import WorkspaceService
from promptpro.web.errors import RolledBack
from promptpro.web.forms import FieldErrors, FormInvalid, domain_errors, read_form, text, validate
from promptpro.web.pages.common import PageAuth, PageUser, page, see_other

router = APIRouter()


def _provider(raw: str) -> KeyProvider:
    try:
        return KeyProvider(raw)
    except ValueError:
        raise NotFound("No such provider.") from None


def _url(workspace_id: int) -> str:
    return f"/workspaces/{workspace_id}/settings/keys"


def _keys_page(
    request: Request,
    auth: PageUser,
    workspace: WorkspaceRead,
    keys: list[KeyRead],
    *,
    status_code: int = 200,
    editing: str | None = None,
    errors: FieldErrors | None = None,
) -> Response:
    return page(
        request,
        "workspaces/settings_keys.html",
        auth,
        status_code=status_code,
        workspace=workspace,
        keys=keys,
        editing=editing,
        errors=errors or {},
    )


async def _read(
    storage: StorageDep, vault: VaultDep, auth: PageUser, workspace_id: int
) -> tuple[WorkspaceRead, list[KeyRead]]:
    """The workspace and its keys, if the user may manage them (404 or 403 page otherwise)."""
    workspace = await WorkspaceService(storage, auth.user).get_workspace(workspace_id)
    if workspace.personal:
        return workspace, []
    keys = await WorkspaceKeyService(storage, vault, auth.user.id).list_keys(workspace_id)
    return workspace, keys


@router.get("/workspaces/{workspace_id:int}/settings/keys")
async def workspace_keys_page(
    request: Request, workspace_id: int, storage: StorageDep, vault: VaultDep, auth: PageAuth
) -> Response:
    """Each provider: whether the workspace has a key, and its hint."""
    workspace, keys = await _read(storage, vault, auth, workspace_id)
    return _keys_page(request, auth, workspace, keys)


@router.post("/workspaces/{workspace_id:int}/settings/keys/{provider}")
async def set_workspace_key(
    request: Request,
    workspace_id: int,
    provider: str,
    storage: StorageDep,
    vault: VaultDep,
    auth: PageAuth,
) -> Response:
    """Store or replace the workspace's key for one provider (never filled in again)."""
    chosen = _provider(provider)
    form = await read_form(request)
    workspace, keys = await _read(storage, vault, auth, workspace_id)  # before the write
    try:
        data = validate(KeyUpdate, {"key": text(form, "key")})
        await WorkspaceKeyService(storage, vault, auth.user.id).set_key(
            workspace_id, chosen, data.key.get_secret_value()
        )
    except (FormInvalid, Invalid) as exc:
        # (A personal workspace's Conflict is the error page: its page offers no form.)
        errors = exc.errors if isinstance(exc, FormInvalid) else domain_errors(exc)
        response = _keys_page(
            request, auth, workspace, keys, status_code=422, editing=chosen, errors=errors
        )
        raise RolledBack(response) from None
    return see_other(f"{_url(workspace_id)}?done=key-saved")


@router.post("/workspaces/{workspace_id:int}/settings/keys/{provider}/delete")
async def remove_workspace_key(
    workspace_id: int, provider: str, storage: StorageDep, vault: VaultDep, auth: PageAuth
) -> Response:
    """Forget the workspace's key for one provider: runs then use each runner's own."""
    await WorkspaceKeyService(storage, vault, auth.user.id).remove_key(
        workspace_id, _provider(provider)
    )
    return see_other(f"{_url(workspace_id)}?done=key-removed")
