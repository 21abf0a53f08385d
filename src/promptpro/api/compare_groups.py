"""Compare groups: open a compare run again and mark its winner."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from promptpro.api.problems import problem_responses
from promptpro.deps import CurrentUser, StorageDep
from promptpro.schemas.responses import CompareGroupRead, WinnerUpdate
from promptpro.services.compare_groups import CompareGroupService

router = APIRouter(prefix="/compare-groups", tags=["compare"])


def compare_group_service(storage: StorageDep, user: CurrentUser) -> CompareGroupService:
    """The compare group service acting for the signed-in user."""
    return CompareGroupService(storage, user.id)


Groups = Annotated[CompareGroupService, Depends(compare_group_service)]


@router.get(
    "/{group_id}",
    summary="Read a compare run",
    response_model=CompareGroupRead,
    responses=problem_responses(401, 404, 422),
)
async def get_compare_group(group_id: int, groups: Groups) -> CompareGroupRead:
    """The compare run with its responses, in the order they were started."""
    return await groups.get_group(group_id)


@router.put(
    "/{group_id}/winner",
    summary="Mark the winner of a compare run",
    response_model=CompareGroupRead,
    responses=problem_responses(400, 401, 403, 404, 422),
)
async def set_compare_winner(group_id: int, body: WinnerUpdate, groups: Groups) -> CompareGroupRead:
    """Mark one of the group's responses as the winner (any other response is a 422)."""
    return await groups.set_winner(group_id, body.response_id)
