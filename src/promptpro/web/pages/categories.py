"""Categories: create, rename (or redescribe), delete (their prompts become uncategorised)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from promptpro.deps import StorageDep
from promptpro.errors import Conflict, Invalid
from promptpro.schemas.library import CategoryCreate, CategoryRead, CategoryUpdate
from promptpro.services.categories import CategoryService
from promptpro.web.errors import RolledBack
from promptpro.web.forms import (
    FieldErrors,
    FormInvalid,
    domain_errors,
    optional,
    read_form,
    text,
    validate,
    values,
)
from promptpro.web.guards import FORM_TOKEN_FIELD, new_form_token
from promptpro.web.pages.common import (
    FormOnceDep,
    PageAuth,
    form_workspace,
    page,
    see_other,
    workspace_errors,
)

router = APIRouter()

FIELDS = ("name", "description")


def _categories_page(
    request: Request,
    auth: PageAuth,
    categories: list[CategoryRead],
    counts: dict[int | None, int],
    *,
    new_values: dict[str, str] | None = None,
    new_errors: FieldErrors | None = None,
    editing: int | None = None,
    edit_values: dict[str, str] | None = None,
    edit_errors: FieldErrors | None = None,
    form_token: str = "",
    status_code: int = 200,
) -> Response:
    return page(
        request,
        "categories/list.html",
        auth,
        status_code=status_code,
        categories=categories,
        counts=counts,
        new_values=new_values or {},
        new_errors=new_errors or {},
        editing=editing,
        edit_values=edit_values or {},
        edit_errors=edit_errors or {},
        form_token=form_token or new_form_token(),
    )


def _data(kept: dict[str, str]) -> dict[str, str | None]:
    return {"name": kept["name"], "description": optional(kept["description"])}


@router.get("/categories")
async def categories(request: Request, storage: StorageDep, auth: PageAuth) -> Response:
    """The user's categories, with forms to add, rename and delete them."""
    service = CategoryService(storage, auth.user.id)
    listed = await service.list_categories(auth.workspace.id)
    counts = await service.prompt_counts(auth.workspace.id)
    return _categories_page(request, auth, listed, counts)


@router.post("/categories")
async def create_category(
    request: Request, storage: StorageDep, auth: PageAuth, once: FormOnceDep
) -> Response:
    """Add a category (once, however often the form is sent)."""
    form = await read_form(request)
    kept = values(form, *FIELDS)
    token = text(form, FORM_TOKEN_FIELD)
    service = CategoryService(storage, auth.user.id)
    listed = await service.list_categories(auth.workspace.id)  # before the write: RolledBack
    counts = await service.prompt_counts(auth.workspace.id)
    async with once.claim(auth.user.id, token) as claim:
        if claim.done_url:
            return see_other(claim.done_url)
        try:
            data = validate(
                CategoryCreate, {**_data(kept), "workspaceId": form_workspace(form, auth)}
            )
            await service.create_category(data)
        except (FormInvalid, Invalid, Conflict) as exc:
            errors = exc.errors if isinstance(exc, FormInvalid) else domain_errors(exc)
            response = _categories_page(
                request,
                auth,
                listed,
                counts,
                new_values=kept,
                new_errors=workspace_errors(errors),
                form_token=token,
                status_code=409 if isinstance(exc, Conflict) else 422,
            )
            raise RolledBack(response) from None
        claim.done_url = "/categories?done=category-created"
    return see_other(claim.done_url)


@router.post("/categories/{category_id:int}/rename")
async def rename_category(
    request: Request, category_id: int, storage: StorageDep, auth: PageAuth
) -> Response:
    """Rename or redescribe a category."""
    service = CategoryService(storage, auth.user.id)
    await service.get_category(category_id)
    listed = await service.list_categories(auth.workspace.id)  # before the write: RolledBack
    counts = await service.prompt_counts(auth.workspace.id)
    form = await read_form(request)
    kept = values(form, *FIELDS)
    try:
        data = validate(CategoryUpdate, _data(kept))
        await service.update_category(category_id, data)
    except (FormInvalid, Invalid, Conflict) as exc:
        errors = exc.errors if isinstance(exc, FormInvalid) else domain_errors(exc)
        response = _categories_page(
            request,
            auth,
            listed,
            counts,
            editing=category_id,
            edit_values=kept,
            edit_errors=errors,
            status_code=409 if isinstance(exc, Conflict) else 422,
        )
        raise RolledBack(response) from None
    return see_other("/categories?done=category-renamed")


@router.post("/categories/{category_id:int}/delete")
async def delete_category(category_id: int, storage: StorageDep, auth: PageAuth) -> Response:
    """Delete a category; its prompts stay, uncategorised (another user's, or none: 404)."""
    await CategoryService(storage, auth.user.id).delete_category(category_id)
    return see_other("/categories?done=category-deleted")
