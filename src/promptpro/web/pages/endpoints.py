"""Settings: your own OpenAI-compatible endpoints (add, discover models, test, delete)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from promptpro.deps import ProvidersDep, StorageDep, VaultDep
from promptpro.errors import Conflict, Invalid, ProviderError
from promptpro.schemas.endpoints import EndpointCreate, EndpointRead, KeyCheck
from promptpro.services.endpoints import EndpointService
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


def _page(
    request: Request,
    auth: PageUser,
    endpoints: list[EndpointRead],
    *,
    status_code: int = 200,
    values: dict[str, str] | None = None,
    errors: FieldErrors | None = None,
    checked: tuple[int, KeyCheck] | None = None,
    failed: tuple[int, str] | None = None,
) -> Response:
    return page(
        request,
        "settings/endpoints.html",
        auth,
        status_code=status_code,
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
async def endpoints_page(
    request: Request, storage: StorageDep, vault: VaultDep, providers: ProvidersDep, auth: PageAuth
) -> Response:
    """Your endpoints, with a form to add one."""
    service = _service(storage, vault, providers, auth)
    return _page(request, auth, await service.list_endpoints())


@router.post(PATH)
async def add_endpoint(
    request: Request, storage: StorageDep, vault: VaultDep, providers: ProvidersDep, auth: PageAuth
) -> Response:
    """Add an endpoint; models are typed one per line or comma-separated (or discovered)."""
    form = await read_form(request)
    service = _service(storage, vault, providers, auth)
    listed = await service.list_endpoints()  # read before the write: see RolledBack
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
        await service.create_endpoint(data)
    except (FormInvalid, Invalid, Conflict) as exc:
        errors = exc.errors if isinstance(exc, FormInvalid) else domain_errors(exc)
        response = _page(request, auth, listed, status_code=422, values=values, errors=errors)
        raise RolledBack(response) from None
    return see_other(f"{PATH}?done=endpoint-added")


@router.post(PATH + "/{endpoint_id}/discover")
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
        listed = await service.list_endpoints()
        return _page(request, auth, listed, status_code=422, failed=(endpoint_id, exc.detail))
    return see_other(f"{PATH}?done=endpoint-discovered")


@router.post(PATH + "/{endpoint_id}/verify")
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
    listed = await service.list_endpoints()
    return _page(request, auth, listed, checked=(endpoint_id, checked))


@router.post(PATH + "/{endpoint_id}/delete")
async def delete(
    endpoint_id: int, storage: StorageDep, vault: VaultDep, providers: ProvidersDep, auth: PageAuth
) -> Response:
    """Forget the endpoint and its key."""
    await _service(storage, vault, providers, auth).delete_endpoint(endpoint_id)
    return see_other(f"{PATH}?done=endpoint-deleted")
