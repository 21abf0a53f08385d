"""Workspaces and their members."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from promptpro.api.admin import ActionFilter, Before, Cursor, Limit
from promptpro.api.problems import problem_responses
from promptpro.deps import CurrentUser, StorageDep
from promptpro.schemas.admin import AuditEventPage, AuditEventRead
from promptpro.schemas.workspaces import (
    MemberCreate,
    MemberRead,
    MemberUpdate,
    WorkspaceCreate,
    WorkspaceDelete,
    WorkspaceRead,
    WorkspaceTransfer,
    WorkspaceUpdate,
)
from promptpro.services import audit
from promptpro.services.workspaces import WorkspaceService

router = APIRouter(prefix="/workspaces", tags=["workspaces"])


def workspace_service(storage: StorageDep, user: CurrentUser) -> WorkspaceService:
    """The workspace service acting for the signed-in user."""
    return WorkspaceService(storage, user)


Workspaces = Annotated[WorkspaceService, Depends(workspace_service)]
UserId = Annotated[str, Path(min_length=1, max_length=200)]


@router.get(
    "",
    summary="List your workspaces",
    response_model=list[WorkspaceRead],
    responses=problem_responses(401),
)
async def list_workspaces(workspaces: Workspaces) -> list[WorkspaceRead]:
    """The workspaces you belong to, your personal one first, with your role in each."""
    return await workspaces.list_workspaces()


@router.post(
    "",
    status_code=201,
    summary="Create a team workspace",
    response_model=WorkspaceRead,
    responses=problem_responses(400, 401, 403, 413, 422),
)
async def create_workspace(
    data: WorkspaceCreate, workspaces: Workspaces, request: Request, response: Response
) -> WorkspaceRead:
    """A new workspace; you are its owner."""
    workspace = await workspaces.create_workspace(data)
    response.headers["Location"] = request.app.url_path_for(
        "get_workspace", workspace_id=workspace.id
    )
    return workspace


@router.get(
    "/{workspace_id}",
    summary="Read a workspace",
    response_model=WorkspaceRead,
    responses=problem_responses(401, 404, 422),
)
async def get_workspace(workspace_id: int, workspaces: Workspaces) -> WorkspaceRead:
    """One of your workspaces."""
    return await workspaces.get_workspace(workspace_id)


@router.patch(
    "/{workspace_id}",
    summary="Rename a workspace, or choose its protected labels",
    response_model=WorkspaceRead,
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def rename_workspace(
    workspace_id: int, data: WorkspaceUpdate, workspaces: Workspaces
) -> WorkspaceRead:
    """Give the workspace a new name, or set `protectedLabels` (admins and owners)."""
    return await workspaces.rename_workspace(workspace_id, data)


@router.delete(
    "/{workspace_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a workspace with everything in it",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def delete_workspace(
    workspace_id: int, data: WorkspaceDelete, workspaces: Workspaces
) -> None:
    """Delete a team workspace, its categories, prompts and responses (owners); `confirm`
    must be its exact name."""
    await workspaces.delete_workspace(workspace_id, data.confirm)


@router.post(
    "/{workspace_id}/transfer",
    summary="Hand a workspace over to another member",
    response_model=WorkspaceRead,
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def transfer_workspace(
    workspace_id: int, data: WorkspaceTransfer, workspaces: Workspaces
) -> WorkspaceRead:
    """Make the member `userId` an owner; you become an admin (owners)."""
    return await workspaces.transfer(workspace_id, data.user_id)


@router.get(
    "/{workspace_id}/members",
    summary="List a workspace's members",
    response_model=list[MemberRead],
    responses=problem_responses(401, 404, 422),
)
async def list_members(workspace_id: int, workspaces: Workspaces) -> list[MemberRead]:
    """The members and their roles, by username."""
    return await workspaces.list_members(workspace_id)


@router.post(
    "/{workspace_id}/members",
    status_code=201,
    summary="Add a member",
    response_model=MemberRead,
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def add_member(workspace_id: int, data: MemberCreate, workspaces: Workspaces) -> MemberRead:
    """Add an existing user by username with a role (admins; an owner only by an owner)."""
    return await workspaces.add_member(workspace_id, data)


@router.patch(
    "/{workspace_id}/members/{user_id}",
    summary="Change a member's role",
    response_model=MemberRead,
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def change_role(
    workspace_id: int, user_id: UserId, data: MemberUpdate, workspaces: Workspaces
) -> MemberRead:
    """Give the member another role (admins; making or demoting an owner takes an owner).
    The last owner can't be demoted."""
    return await workspaces.change_role(workspace_id, user_id, data)


@router.delete(
    "/{workspace_id}/members/{user_id}",
    status_code=204,
    response_class=Response,
    summary="Remove a member, or leave",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def remove_member(workspace_id: int, user_id: UserId, workspaces: Workspaces) -> None:
    """Remove the member (admins; an owner only by an owner), or leave with your own id.
    The last owner can't leave or be removed."""
    await workspaces.remove_member(workspace_id, user_id)


@router.get(
    "/{workspace_id}/audit",
    summary="A workspace's audit events",
    response_model=AuditEventPage,
    responses=problem_responses(401, 403, 404, 422),
)
async def workspace_audit(
    workspace_id: int,
    workspaces: Workspaces,
    action: ActionFilter = None,
    before: Before = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> AuditEventPage:
    """Newest first, paged with `nextCursor`: members and roles, handing over, deletions in
    the workspace (admins and owners; 403 `/problems/role-required` for other members)."""
    page = await workspaces.list_events(
        workspace_id, action=audit.parse_action(action), before=before, cursor=cursor, limit=limit
    )
    return AuditEventPage(
        items=[AuditEventRead.model_validate(event) for event in page.items],
        next_cursor=page.next_cursor.encode() if page.next_cursor else None,
    )
