"""Workspace invitations: make (the token is shown once), list, revoke; accept one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from promptpro.api.problems import problem_responses
from promptpro.deps import CurrentUser, SettingsDep, StorageDep
from promptpro.schemas.invitations import (
    InvitationCreate,
    InvitationCreated,
    InvitationPreview,
    InvitationRead,
)
from promptpro.services import invitations
from promptpro.services.invitations import InvitationService

router = APIRouter(prefix="/api/v1", tags=["workspaces"])

# Long enough for any token of ours, short enough that nothing huge is hashed.
Token = Annotated[str, Path(min_length=1, max_length=200)]
UNUSABLE = (
    "An unknown or tampered token is 404 `/problems/invitation-invalid`; an expired, used "
    "or revoked one is 410 `/problems/invitation-expired|used|revoked`."
)


def invitation_service(
    storage: StorageDep, user: CurrentUser, settings: SettingsDep
) -> InvitationService:
    """The invitation service acting for the signed-in user."""
    return InvitationService(storage, user, settings.public_url)


Invitations = Annotated[InvitationService, Depends(invitation_service)]


@router.get(
    "/workspaces/{workspace_id}/invitations",
    summary="List a workspace's invitations (admins and owners)",
    response_model=list[InvitationRead],
    responses=problem_responses(401, 403, 404, 422),
)
async def list_invitations(workspace_id: int, service: Invitations) -> list[InvitationRead]:
    """The newest 100, with what became of each; never their tokens."""
    return await service.list_invitations(workspace_id)


@router.post(
    "/workspaces/{workspace_id}/invitations",
    status_code=status.HTTP_201_CREATED,
    summary="Make an invitation link; its token is in this response and nowhere else",
    response_model=InvitationCreated,
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def create_invitation(
    workspace_id: int, data: InvitationCreate, service: Invitations
) -> InvitationCreated:
    """One use, valid for 7 days; only an owner may invite an owner."""
    return await service.create(workspace_id, data)


@router.delete(
    "/workspaces/{workspace_id}/invitations/{invitation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an invitation",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def revoke_invitation(
    workspace_id: int, invitation_id: int, service: Invitations
) -> Response:
    """Its link makes nobody a member from now on (a used one is 409)."""
    await service.revoke(workspace_id, invitation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/invitations/{token}/accept",
    summary="Accept an invitation: you become a member with its role",
    description=UNUSABLE,
    response_model=InvitationPreview,
    responses=problem_responses(401, 403, 404, 409, 410, 422),
)
async def accept_invitation(
    token: Token, user: CurrentUser, storage: StorageDep
) -> InvitationPreview:
    """The workspace you joined, and your role in it."""
    return await invitations.accept(storage, user, token)
