"""The prompt library: search, filter by category, page with "load more"."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from promptpro.deps import StorageDep
from promptpro.errors import Invalid
from promptpro.schemas.pages import PromptPage
from promptpro.services.categories import CategoryService
from promptpro.services.folders import folder_tree
from promptpro.services.keys import KeyService
from promptpro.services.prompts import PromptService
from promptpro.web.pages.common import PageAuth, categories_of, page

router = APIRouter()

PAGE_SIZE = 20


def _category_id(raw: str | None) -> int | None:
    """The category filter: a positive id, or none (anything else filters nothing)."""
    return int(raw) if raw and raw.isdigit() and len(raw) < 12 else None


SORT_LABELS = {
    "updated": "Recently updated",
    "created": "Recently created",
    "title": "Title (A to Z)",
    "runs": "Most run",
}


def listing_query(
    category_id: int | None,
    q: str | None,
    cursor: str | None = None,
    *,
    tags: list[str] | None = None,
    sort: str = "updated",
    favourite: bool = False,
) -> str:
    """The query string of this listing (the filters, the sort and where the page starts)."""
    params: list[tuple[str, Any]] = []
    if cursor is not None:
        params.append(("cursor", cursor))
    if category_id is not None:
        params.append(("category", category_id))
    if q:
        params.append(("q", q))
    params += [("tag", tag) for tag in tags or []]
    if sort != "updated":
        params.append(("sort", sort))
    if favourite:
        params.append(("favourite", "true"))
    return urlencode(params)


def more_query(
    category_id: int | None, q: str | None, cursor: str | None, **filters: Any
) -> str | None:
    """The query of the next page of this listing (None on the last page)."""
    if cursor is None:
        return None
    return listing_query(category_id, q, cursor, **filters)


async def _listing(
    request: Request, storage: StorageDep, auth: PageAuth
) -> tuple[dict[str, Any], dict[str, str]]:
    """One page of the library as the query asks, and the errors in the query."""
    params = request.query_params
    category_id = _category_id(params.get("category"))
    q = params.get("q") or None
    cursor = params.get("cursor") or None
    tags = [tag for tag in params.getlist("tag") if tag.strip()][:10]
    sort = params.get("sort") or "updated"
    sort = sort if sort in SORT_LABELS else "updated"
    favourite = params.get("favourite") == "true"
    errors: dict[str, str] = {}
    service = PromptService(storage, auth.user.id)
    try:
        listing = await service.list_prompts(
            category_id=category_id,
            q=q,
            tags=tags,
            favourite=True if favourite else None,
            sort=sort,
            limit=PAGE_SIZE,
            cursor=cursor,
            workspace_id=auth.workspace.id,
        )
    except Invalid as exc:
        errors[exc.field or ""] = exc.detail
        listing = PromptPage(items=[], next_cursor=None)
    filters = {"tags": tags, "sort": sort, "favourite": favourite}
    categories = await categories_of(storage, auth)
    return {
        "prompts": listing.items,
        "categories": categories,
        "category_names": {category.id: category.name for category in categories},
        "category_id": category_id,
        "q": q or "",
        "more_query": more_query(category_id, q, listing.next_cursor, **filters),
        "tags": tags,
        "sort": sort,
        "sort_labels": SORT_LABELS,
        "favourite_only": favourite,
        # Clicking a tag adds it to the filter; each active tag's chip takes it away again.
        "with_tag": {
            tag: listing_query(category_id, q, tags=[*tags, tag], sort=sort, favourite=favourite)
            for prompt in listing.items
            for tag in prompt.tags
            if tag not in tags
        },
        "without_tag": {
            tag: listing_query(
                category_id, q, tags=[t for t in tags if t != tag], sort=sort, favourite=favourite
            )
            for tag in tags
        },
    }, errors


@router.get("/prompts")
async def library(request: Request, storage: StorageDep, auth: PageAuth) -> Response:
    """The user's prompts, newest-updated first."""
    context, errors = await _listing(request, storage, auth)
    filtered = bool(
        context["q"] or context["category_id"] or context["tags"] or context["favourite_only"]
    )
    has_keys = False
    if not context["prompts"] and not filtered:
        vault = request.app.state.vault
        has_keys = bool(await KeyService(storage, vault, auth.user.id).configured_providers())
    return page(
        request,
        "library/list.html",
        auth,
        status_code=422 if errors else 200,
        errors=errors,
        filtered=filtered,
        has_keys=has_keys,
        counts=await CategoryService(storage, auth.user.id).prompt_counts(auth.workspace.id),
        folders=await folder_tree(storage, auth.user.id, auth.workspace.id),
        **context,
    )


@router.get("/prompts/more")
async def library_more(request: Request, storage: StorageDep, auth: PageAuth) -> Response:
    """The next page of rows, for "load more" (a fragment, not a page)."""
    context, errors = await _listing(request, storage, auth)
    return page(
        request,
        "library/_more.html",
        auth,
        status_code=422 if errors else 200,
        errors=errors,
        **context,
    )
