"""The search page: ranked matches over the user's prompts and responses."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from promptpro.deps import StorageDep
from promptpro.errors import Invalid
from promptpro.schemas.search import SearchPage
from promptpro.services.search import SearchService
from promptpro.web.pages.common import PageAuth, page

router = APIRouter()

PAGE_SIZE = 20
KIND_LABELS = {"": "Prompts and responses", "prompt": "Prompts", "response": "Responses"}


@router.get("/search")
async def search_page(request: Request, storage: StorageDep, auth: PageAuth) -> Response:
    """Search results, best first; each snippet's matches are marked."""
    params = request.query_params
    q = params.get("q") or ""
    kind = params.get("kind") or ""
    kind = kind if kind in KIND_LABELS else ""
    cursor = params.get("cursor") or None
    errors: dict[str, str] = {}
    results = SearchPage(items=[], next_cursor=None)
    if q.strip():
        try:
            results = await SearchService(storage, auth.user.id).search(
                q, kind=kind or None, limit=PAGE_SIZE, cursor=cursor, workspace_id=auth.workspace.id
            )
        except Invalid as exc:
            errors[exc.field or "q"] = exc.detail
    more = None
    if results.next_cursor:
        query = {"q": q, "cursor": results.next_cursor, **({"kind": kind} if kind else {})}
        more = urlencode(query)
    return page(
        request,
        "search/page.html",
        auth,
        status_code=422 if errors else 200,
        q=q,
        kind=kind,
        kind_labels=KIND_LABELS,
        results=results.items,
        searched=bool(q.strip()) and not errors,
        more_query=more,
        errors=errors,
    )
