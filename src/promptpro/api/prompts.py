"""Prompts: the user's library, searched and paged, and each prompt's version history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from promptpro.api.problems import problem_responses
from promptpro.deps import CurrentUser, StorageDep
from promptpro.schemas.library import PromptCreate, PromptRead, PromptUpdate, PromptVersionRead
from promptpro.schemas.pages import PromptPage
from promptpro.services.prompts import (
    DEFAULT_PAGE_SIZE,
    MAX_CURSOR_LENGTH,
    MAX_PAGE_SIZE,
    MAX_QUERY_LENGTH,
    SORTS,
    PromptService,
)

router = APIRouter(prefix="/prompts", tags=["prompts"])


def prompt_service(storage: StorageDep, user: CurrentUser) -> PromptService:
    """The prompt service acting for the signed-in user."""
    return PromptService(storage, user.id)


Prompts = Annotated[PromptService, Depends(prompt_service)]

WorkspaceFilter = Annotated[
    int | None,
    Query(
        alias="workspaceId",
        description="The workspace whose prompts to list (default: your personal one).",
    ),
]
CategoryFilter = Annotated[
    int | None, Query(alias="categoryId", description="Only the prompts in this category.")
]
SearchText = Annotated[
    str | None,
    Query(
        max_length=MAX_QUERY_LENGTH,
        description="Only the prompts whose title or content contains this text, in any case.",
    ),
]
TagFilter = Annotated[
    list[str] | None,
    Query(
        alias="tag",
        max_length=10,
        description="Only the prompts carrying every one of these tags (repeat `tag`).",
    ),
]
Sort = Annotated[
    str,
    Query(
        description="updated (newest first), created (newest first), title (A-Z) or runs "
        "(most run first).",
        json_schema_extra={"enum": list(SORTS)},
    ),
]
FavouriteFilter = Annotated[
    bool | None, Query(description="Only your starred prompts (true) or the others (false).")
]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="How many prompts per page.")]
Cursor = Annotated[
    str | None,
    Query(max_length=MAX_CURSOR_LENGTH, description="The `nextCursor` of the previous page."),
]


@router.get(
    "",
    summary="List your prompts, sorted and filtered",
    response_model=PromptPage,
    responses=problem_responses(401, 422),
)
async def list_prompts(
    prompts: Prompts,
    workspace_id: WorkspaceFilter = None,
    category_id: CategoryFilter = None,
    q: SearchText = None,
    tags: TagFilter = None,
    sort: Sort = "updated",
    favourite: FavouriteFilter = None,
    limit: PageSize = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> PromptPage:
    """A page of your prompts; follow `nextCursor` (made for the same `sort`) for the next."""
    return await prompts.list_prompts(
        workspace_id=workspace_id,
        category_id=category_id,
        q=q,
        tags=tags or (),
        favourite=favourite,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )


@router.post(
    "",
    status_code=201,
    summary="Create a prompt",
    response_model=PromptRead,
    responses=problem_responses(400, 401, 403, 413, 422),
)
async def create_prompt(
    data: PromptCreate, prompts: Prompts, request: Request, response: Response
) -> PromptRead:
    """A new prompt, saved as version 1; `categoryId` must be one of your categories."""
    prompt = await prompts.create_prompt(data)
    response.headers["Location"] = request.app.url_path_for("get_prompt", prompt_id=prompt.id)
    return prompt


@router.get(
    "/{prompt_id}",
    summary="Read a prompt",
    response_model=PromptRead,
    responses=problem_responses(401, 404, 422),
)
async def get_prompt(prompt_id: int, prompts: Prompts) -> PromptRead:
    """One of your prompts as it is now."""
    return await prompts.get_prompt(prompt_id)


@router.patch(
    "/{prompt_id}",
    summary="Change a prompt",
    response_model=PromptRead,
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def update_prompt(prompt_id: int, changes: PromptUpdate, prompts: Prompts) -> PromptRead:
    """Change the fields sent (`parameters` is replaced whole); a changed title, content,
    model or parameters saves a new version."""
    return await prompts.update_prompt(prompt_id, changes)


@router.delete(
    "/{prompt_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a prompt",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_prompt(prompt_id: int, prompts: Prompts) -> None:
    """Delete one of your prompts with its versions and responses."""
    await prompts.delete_prompt(prompt_id)


@router.get(
    "/{prompt_id}/versions",
    summary="List a prompt's versions, newest first",
    response_model=list[PromptVersionRead],
    responses=problem_responses(401, 404, 422),
)
async def list_versions(prompt_id: int, prompts: Prompts) -> list[PromptVersionRead]:
    """Every saved state of one of your prompts; each is immutable."""
    return await prompts.list_versions(prompt_id)


@router.put(
    "/{prompt_id}/favourite",
    summary="Star a prompt",
    response_model=PromptRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def add_favourite(prompt_id: int, prompts: Prompts) -> PromptRead:
    """Mark one of your prompts as a favourite (doing it twice changes nothing)."""
    return await prompts.set_favourite(prompt_id, True)


@router.delete(
    "/{prompt_id}/favourite",
    summary="Unstar a prompt",
    response_model=PromptRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def remove_favourite(prompt_id: int, prompts: Prompts) -> PromptRead:
    """Take one of your prompts off your favourites."""
    return await prompts.set_favourite(prompt_id, False)
