"""A team workspace's provider keys: list (hints only), set and remove, by its admins and owners.

Editors and viewers get 403 (`/problems/role-required`): members' runs use the keys, but
nobody else sees even a hint. A non-member gets 404, as for anything not theirs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from promptpro.api.problems import problem_responses
from promptpro.deps import CurrentUser, StorageDep, VaultDep
from promptpro.schemas.keys import KeyProvider, KeyRead, KeyUpdate
from promptpro.services.workspace_keys import WorkspaceKeyService

router = APIRouter(prefix="/api/v1/workspaces", tags=["workspaces"])


def workspace_key_service(
    storage: StorageDep, vault: VaultDep, user: CurrentUser
) -> WorkspaceKeyService:
    """The workspace key service acting for the signed-in user."""
    return WorkspaceKeyService(storage, vault, user.id)


WorkspaceKeys = Annotated[WorkspaceKeyService, Depends(workspace_key_service)]


@router.get(
    "/{workspace_id}/keys",
    response_model=list[KeyRead],
    summary="A workspace's provider keys: whether each is set and a hint, never the key",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_workspace_keys(workspace_id: int, keys: WorkspaceKeys) -> list[KeyRead]:
    """One entry per provider (openai, anthropic, gemini, xai); admins and owners only."""
    return await keys.list_keys(workspace_id)


@router.put(
    "/{workspace_id}/keys/{provider}",
    response_model=KeyRead,
    summary="Set (or replace) a workspace's key for one provider",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def set_workspace_key(
    workspace_id: int, provider: KeyProvider, body: KeyUpdate, keys: WorkspaceKeys
) -> KeyRead:
    """Store the key encrypted for the workspace (admins and owners); the answer shows only
    its hint. Runs of the workspace's prompts use it instead of the runner's own key."""
    return await keys.set_key(workspace_id, provider, body.key.get_secret_value())


@router.delete(
    "/{workspace_id}/keys/{provider}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Remove a workspace's key for one provider",
    responses=problem_responses(401, 403, 404, 422),
)
async def remove_workspace_key(
    workspace_id: int, provider: KeyProvider, keys: WorkspaceKeys
) -> None:
    """Forget the key (admins and owners); runs then use each runner's own key. Removing
    one that isn't set also answers 204."""
    await keys.remove_key(workspace_id, provider)
