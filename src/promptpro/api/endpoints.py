"""Own OpenAI-compatible endpoints: yours (personal) and your workspaces' (admins manage)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from promptpro.api.problems import problem_responses
from promptpro.deps import CurrentUser, ProvidersDep, StorageDep, VaultDep
from promptpro.schemas.endpoints import EndpointCreate, EndpointRead, EndpointUpdate, KeyCheck
from promptpro.services.endpoints import EndpointService

router = APIRouter(tags=["endpoints"])


def endpoint_service(
    storage: StorageDep, vault: VaultDep, providers: ProvidersDep, user: CurrentUser
) -> EndpointService:
    """The endpoint service acting for the signed-in user."""
    return EndpointService(storage, vault, providers, user)


Endpoints = Annotated[EndpointService, Depends(endpoint_service)]


def _created(request: Request, response: Response, endpoint: EndpointRead) -> EndpointRead:
    response.headers["Location"] = request.app.url_path_for("get_endpoint", endpoint_id=endpoint.id)
    return endpoint


@router.get(
    "/endpoints",
    response_model=list[EndpointRead],
    summary="Your own endpoints (personal)",
    responses=problem_responses(401),
)
async def list_endpoints(endpoints: Endpoints) -> list[EndpointRead]:
    """Your personal endpoints; their models run as `<name>/<model>`."""
    return await endpoints.list_endpoints()


@router.post(
    "/endpoints",
    status_code=201,
    response_model=EndpointRead,
    summary="Add an OpenAI-compatible endpoint of your own",
    responses=problem_responses(400, 401, 403, 409, 413, 422),
)
async def create_endpoint(
    data: EndpointCreate, endpoints: Endpoints, request: Request, response: Response
) -> EndpointRead:
    """The base URL goes through the outgoing guard; the key is stored encrypted."""
    return _created(request, response, await endpoints.create_endpoint(data))


@router.get(
    "/workspaces/{workspace_id}/endpoints",
    response_model=list[EndpointRead],
    summary="A workspace's endpoints",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_workspace_endpoints(workspace_id: int, endpoints: Endpoints) -> list[EndpointRead]:
    """Every member sees them; their models run on the workspace's prompts."""
    return await endpoints.list_endpoints(workspace_id)


@router.post(
    "/workspaces/{workspace_id}/endpoints",
    status_code=201,
    response_model=EndpointRead,
    summary="Add an endpoint to a workspace (its admins)",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def create_workspace_endpoint(
    workspace_id: int,
    data: EndpointCreate,
    endpoints: Endpoints,
    request: Request,
    response: Response,
) -> EndpointRead:
    """Workspace admins and owners only."""
    return _created(request, response, await endpoints.create_endpoint(data, workspace_id))


@router.get(
    "/endpoints/{endpoint_id}",
    response_model=EndpointRead,
    summary="One endpoint",
    responses=problem_responses(401, 404, 422),
)
async def get_endpoint(endpoint_id: int, endpoints: Endpoints) -> EndpointRead:
    """Never its key, at most a hint."""
    return await endpoints.get_endpoint(endpoint_id)


@router.patch(
    "/endpoints/{endpoint_id}",
    response_model=EndpointRead,
    summary="Change an endpoint",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def update_endpoint(
    endpoint_id: int, data: EndpointUpdate, endpoints: Endpoints
) -> EndpointRead:
    """A base URL on another host needs the key again (422 on `key` otherwise)."""
    return await endpoints.update_endpoint(endpoint_id, data)


@router.delete(
    "/endpoints/{endpoint_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an endpoint and its key",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_endpoint(endpoint_id: int, endpoints: Endpoints) -> Response:
    """Runs already stored keep their records."""
    await endpoints.delete_endpoint(endpoint_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/endpoints/{endpoint_id}/discover",
    response_model=EndpointRead,
    summary="Add the models the endpoint lists (GET {baseUrl}/models)",
    responses=problem_responses(401, 403, 404, 422, 502),
)
async def discover_models(endpoint_id: int, endpoints: Endpoints) -> EndpointRead:
    """Models already there keep their prices."""
    return await endpoints.discover(endpoint_id)


@router.post(
    "/endpoints/{endpoint_id}/verify",
    response_model=KeyCheck,
    summary="Check the endpoint and its key (lists its models)",
    responses=problem_responses(401, 403, 404, 422),
)
async def verify_endpoint(endpoint_id: int, endpoints: Endpoints) -> KeyCheck:
    """`valid`, `refused` (with the endpoint's reason) or `unreachable`; never the key."""
    return await endpoints.verify(endpoint_id)
