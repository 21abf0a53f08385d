"""Responses: the history of what models answered to the user's prompts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from promptpro.api.problems import problem_responses
from promptpro.deps import CurrentUser, StorageDep
from promptpro.schemas.pages import ResponsePage
from promptpro.schemas.responses import ResponseRead
from promptpro.services.prompts import DEFAULT_PAGE_SIZE, MAX_CURSOR_LENGTH, MAX_PAGE_SIZE
from promptpro.services.responses import ResponseService

router = APIRouter(tags=["responses"])


def response_service(storage: StorageDep, user: CurrentUser) -> ResponseService:
    """The response service acting for the signed-in user."""
    return ResponseService(storage, user.id)


Responses = Annotated[ResponseService, Depends(response_service)]

PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="How many responses per page.")]
Cursor = Annotated[
    str | None,
    Query(max_length=MAX_CURSOR_LENGTH, description="The `nextCursor` of the previous page."),
]

RatingFilter = Annotated[
    int | None,
    Query(description="Only the responses rated so: 1 (thumbs up) or -1 (thumbs down)."),
]


@router.get(
    "/prompts/{prompt_id}/responses",
    summary="List a prompt's responses, newest first",
    response_model=ResponsePage,
    responses=problem_responses(401, 404, 422),
)
async def list_responses(
    prompt_id: int,
    responses: Responses,
    limit: PageSize = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
    rating: RatingFilter = None,
) -> ResponsePage:
    """A page of the responses to one of your prompts; follow `nextCursor` for the next one."""
    return await responses.list_responses(prompt_id, limit=limit, cursor=cursor, rating=rating)


@router.get(
    "/responses",
    summary="List the responses you ran, newest first",
    response_model=ResponsePage,
    responses=problem_responses(401, 422),
)
async def list_own_runs(
    responses: Responses,
    limit: PageSize = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
    workspace_id: Annotated[
        int | None,
        Query(
            alias="workspaceId",
            description="Only this workspace's (default: every one).",
        ),
    ] = None,
) -> ResponsePage:
    """A page of your runs across the workspaces you are in; follow `nextCursor` for the next."""
    return await responses.list_own_runs(limit=limit, cursor=cursor, workspace_id=workspace_id)


@router.get(
    "/responses/{response_id}",
    summary="Read a response",
    response_model=ResponseRead,
    responses=problem_responses(401, 404, 422),
)
async def get_response(response_id: int, responses: Responses) -> ResponseRead:
    """One response to one of your prompts, with the record of its run."""
    return await responses.get_response(response_id)


@router.delete(
    "/responses/{response_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a response",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_response(response_id: int, responses: Responses) -> None:
    """Delete one response to one of your prompts."""
    await responses.delete_response(response_id)
