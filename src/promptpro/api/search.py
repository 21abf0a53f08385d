"""Search: ranked full-text matches over your prompts and responses."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from promptpro.api.problems import problem_responses
from promptpro.deps import CurrentUser, StorageDep
from promptpro.schemas.search import SearchPage
from promptpro.services.search import (
    DEFAULT_SEARCH_PAGE,
    MAX_SEARCH_LENGTH,
    MAX_SEARCH_PAGE,
    SearchService,
)

router = APIRouter(tags=["search"])


def search_service(storage: StorageDep, user: CurrentUser) -> SearchService:
    """The search service acting for the signed-in user."""
    return SearchService(storage, user.id)


@router.get(
    "/search",
    summary="Search your prompts and responses",
    response_model=SearchPage,
    responses=problem_responses(401, 422),
)
async def search(
    service: Annotated[SearchService, Depends(search_service)],
    q: Annotated[
        str,
        Query(
            max_length=MAX_SEARCH_LENGTH,
            description="Words to find; every word must match (in any case).",
        ),
    ],
    kind: Annotated[
        Literal["prompt", "response"] | None, Query(description="Only prompts, or responses.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_SEARCH_PAGE)] = DEFAULT_SEARCH_PAGE,
    cursor: Annotated[
        str | None, Query(max_length=200, description="The `nextCursor` of the previous page.")
    ] = None,
    workspace_id: Annotated[
        int | None,
        Query(
            alias="workspaceId",
            description="Only this workspace's (default: every workspace you are in).",
        ),
    ] = None,
) -> SearchPage:
    """Matches best first, each with a snippet whose matches are marked; page with `cursor`."""
    return await service.search(q, kind=kind, limit=limit, cursor=cursor, workspace_id=workspace_id)
