"""Own OpenAI-compatible endpoints (add, discover models, test, delete): yours, under
Settings (`/settings/endpoints`, your personal workspace's), and a team workspace's, under its
settings (`/workspaces/{id}/settings/endpoints`), where every member sees them and admins and
owners manage them. Each handler serves both paths: the workspace is the path's, if any."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from promptpro.deps import ProvidersDep, StorageDep, VaultDep
from promptpro.errors import Conflict, Invalid, ProviderError
from promptpro.schemas.endpoints import EndpointCreate, EndpointRead, KeyCheck
from promptpro.services import permissions
from promptpro.services.endpoints import EndpointService
from promptpro.services.workspaces import WorkspaceService
from promptpro.web.errors import RolledBack
from promptpro.web.forms import (
    FieldErrors,
    FormInvalid,
    domain_errors,
    optional,
    read_form,
    text,
    validate,
)
from promptpro.web.pages.common import PageAuth, PageUser, page, see_other

router = APIRouter()
PATH = "/settings/endpoints"
TEAM_PATH = "/workspaces/{workspace_id:int}/settings/endpoints"


def _workspace_id(request: Request) -> int | None:
    """The team workspace whose endpoints the page shows (None: your personal ones)."""
    workspace_id = request.path_params.get("workspace_id")
    return int(workspace_id) if workspace_id is not None else None


def _base(workspace_id: int | None) -> str:
    return PATH if workspace_id is None else f"/workspaces/{workspace_id}/settings/endpoints"


async def _page(
    request: Request,
    storage: StorageDep,
    auth: PageUser,
    endpoints: list[EndpointRead],
    *,
    status_code: int = 200,
    values: dict[str, str] | None = None,
    errors: FieldErrors | None = None,
    checked: tuple[int, KeyCheck] | None = None,
    failed: tuple[int, str] | None = None,
) -> Response:
    workspace_id = _workspace_id(request)
    workspace = None
    may_manage = True  # your personal endpoints are yours to manage
    if workspace_id is not None:
        workspace = await WorkspaceService(storage, auth.user).get_workspace(workspace_id)
        may_manage = permissions.role_allows(workspace.role, "endpoints.manage")
    return page(
        request,
        "settings/endpoints.html",
        auth,
        status_code=status_code,
        workspace=workspace,
        base=_base(workspace_id),
        may_manage=may_manage,
        endpoints=endpoints,
        values=values or {},
        errors=errors or {},
        checked=checked,
        failed=failed,
    )


def _service(
    storage: StorageDep, vault: VaultDep, providers: ProvidersDep, auth: PageUser
) -> EndpointService:
    return EndpointService(storage, vault, providers, auth.user)


@router.get(PATH)
@router.get(TEAM_PATH)
async def endpoints_page(
    request: Request, storage: StorageDep, vault: VaultDep, providers: ProvidersDep, auth: PageAuth
) -> Response:
    """The endpoints, with a form to add one."""
    service = _service(storage, vault, providers, auth)
    listed = await service.list_endpoints(_workspace_id(request))
    return await _page(request, storage, auth, listed)


@router.post(PATH)
@router.post(TEAM_PATH)
async def add_endpoint(
    request: Request, storage: StorageDep, vault: VaultDep, providers: ProvidersDep, auth: PageAuth
) -> Response:
    """Add an endpoint; models are typed one per line or comma-separated (or discovered)."""
    form = await read_form(request)
    service = _service(storage, vault, providers, auth)
    workspace_id = _workspace_id(request)
    listed = await service.list_endpoints(workspace_id)  # read before the write: RolledBack
    values = {name: text(form, name) for name in ("name", "baseUrl", "models")}
    names = [n.strip() for n in values["models"].replace(",", "\n").splitlines() if n.strip()]
    try:
        data = validate(
            EndpointCreate,
            {
                "name": values["name"].strip(),
                "baseUrl": values["baseUrl"],
                "key": optional(text(form, "key")),
                "models": [{"name": name} for name in names],
            },
        )
        await service.create_endpoint(data, workspace_id)
    except (FormInvalid, Invalid, Conflict) as exc:
        errors = exc.errors if isinstance(exc, FormInvalid) else domain_errors(exc)
        response = await _page(
            request, storage, auth, listed, status_code=422, values=values, errors=errors
        )
        raise RolledBack(response) from None
    return see_other(f"{_base(workspace_id)}?done=endpoint-added")


@router.post(PATH + "/{endpoint_id}/discover")
@router.post(TEAM_PATH + "/{endpoint_id}/discover")
async def discover(
    request: Request,
    endpoint_id: int,
    storage: StorageDep,
    vault: VaultDep,
    providers: ProvidersDep,
    auth: PageAuth,
) -> Response:
    """List the endpoint's models from its /models."""
    service = _service(storage, vault, providers, auth)
    try:
        await service.discover(endpoint_id)
    except (ProviderError, Invalid) as exc:
        listed = await service.list_endpoints(_workspace_id(request))
        failed = (endpoint_id, exc.detail)
        return await _page(request, storage, auth, listed, status_code=422, failed=failed)
    return see_other(f"{_base(_workspace_id(request))}?done=endpoint-discovered")


@router.post(PATH + "/{endpoint_id}/verify")
@router.post(TEAM_PATH + "/{endpoint_id}/verify")
async def verify(
    request: Request,
    endpoint_id: int,
    storage: StorageDep,
    vault: VaultDep,
    providers: ProvidersDep,
    auth: PageAuth,
) -> Response:
    """Test the endpoint and its key; the answer is shown beside it."""
    service = _service(storage, vault, providers, auth)
    checked = await service.verify(endpoint_id)
    listed = await service.list_endpoints(_workspace_id(request))
    return await _page(request, storage, auth, listed, checked=(endpoint_id, checked))


@router.post(PATH + "/{endpoint_id}/delete")
@router.post(TEAM_PATH + "/{endpoint_id}/delete")
async def delete(
    request: Request,
    endpoint_id: int,
    storage: StorageDep,
    vault: VaultDep,
    providers: ProvidersDep,
    auth: PageAuth,
) -> Response:
    """Forget the endpoint and its key."""
    await _service(storage, vault, providers, auth).delete_endpoint(endpoint_id)
    return see_other(f"{_base(_workspace_id(request))}?done=endpoint-deleted")
