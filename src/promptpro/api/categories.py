"""Categories: the user's folders for prompts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from promptpro.api.problems import problem_responses
from promptpro.deps import CurrentUser, StorageDep
from promptpro.schemas.library import CategoryCreate, CategoryRead, CategoryUpdate
from promptpro.services.categories import CategoryService

router = APIRouter(prefix="/categories", tags=["categories"])


def category_service(storage: StorageDep, user: CurrentUser) -> CategoryService:
    """The category service acting for the signed-in user."""
    return CategoryService(storage, user.id)


Categories = Annotated[CategoryService, Depends(category_service)]


@router.get(
    "",
    summary="List your categories",
    response_model=list[CategoryRead],
    responses=problem_responses(401, 422),
)
async def list_categories(
    categories: Categories,
    workspace_id: Annotated[
        int | None,
        Query(
            alias="workspaceId",
            description="The workspace whose categories to list (default: your personal one).",
        ),
    ] = None,
) -> list[CategoryRead]:
    """A workspace's categories, by name (case-insensitively)."""
    return await categories.list_categories(workspace_id)


@router.post(
    "",
    status_code=201,
    summary="Create a category",
    response_model=CategoryRead,
    responses=problem_responses(400, 401, 403, 409, 413, 422),
)
async def create_category(
    data: CategoryCreate, categories: Categories, request: Request, response: Response
) -> CategoryRead:
    """A new category; its name must differ, regardless of case, from your others."""
    category = await categories.create_category(data)
    response.headers["Location"] = request.app.url_path_for("get_category", category_id=category.id)
    return category


@router.get(
    "/{category_id}",
    summary="Read a category",
    response_model=CategoryRead,
    responses=problem_responses(401, 404, 422),
)
async def get_category(category_id: int, categories: Categories) -> CategoryRead:
    """One of your categories."""
    return await categories.get_category(category_id)


@router.patch(
    "/{category_id}",
    summary="Rename or redescribe a category",
    response_model=CategoryRead,
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def update_category(
    category_id: int, changes: CategoryUpdate, categories: Categories
) -> CategoryRead:
    """Change the fields sent; the others are kept."""
    return await categories.update_category(category_id, changes)


@router.delete(
    "/{category_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a category",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_category(category_id: int, categories: Categories) -> None:
    """Delete one of your categories; its prompts stay, uncategorised."""
    await categories.delete_category(category_id)
