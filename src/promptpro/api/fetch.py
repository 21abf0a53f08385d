"""Fetch a prompt by name, as an application does at run time: cached, with a strong ETag.

Registered before every other router: a name may be anything a path can hold
(`/prompts/by-name/run` must not reach the run route).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Header, Path, Query, Request, Response

from promptpro.api.problems import problem_responses
from promptpro.deps import CurrentUser, StorageDep
from promptpro.schemas.labels import FetchedPrompt
from promptpro.services.prompt_fetch import (
    FetchCache,
    Fetched,
    fetch_prompt,
    record_fetch,
)

router = APIRouter(prefix="/prompts", tags=["prompts"])

# Clients may keep the answer but must ask again (with If-None-Match) before using it.
CACHE_CONTROL = "private, no-cache"


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether If-None-Match names this ETag (weak comparison, as RFC 9110 says for it)."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


@router.get(
    "/by-name/{name:path}",
    summary="Fetch a prompt by name, for an application",
    response_model=FetchedPrompt,
    responses={
        304: {"description": "Not modified: the If-None-Match ETag is current."},
        **problem_responses(401, 404, 422),
    },
)
async def fetch_by_name(
    request: Request,
    background: BackgroundTasks,
    user: CurrentUser,
    storage: StorageDep,
    name: Annotated[str, Path(max_length=1000, description="e.g. support/triage-email")],
    label: Annotated[str | None, Query(max_length=1000, description="Default: production.")] = None,
    version: Annotated[
        int | None, Query(description="A version number, instead of a label.")
    ] = None,
    workspace_id: Annotated[
        int | None, Query(alias="workspaceId", description="Default: your personal workspace.")
    ] = None,
    if_none_match: Annotated[str | None, Header(max_length=2000)] = None,
) -> Response:
    """The version a label (or number) names, with snippets resolved and `{{variables}}`
    left to fill in. Send the ETag back in `If-None-Match` to get a 304 when unchanged."""
    cache: FetchCache = request.app.state.fetch_cache
    fetched = await fetch_prompt(
        storage,
        cache,
        user.id,
        name,
        label=label,
        version=version,
        workspace_id=workspace_id,
    )
    if cache.should_record(fetched.prompt_id):
        background.add_task(record_fetch, request.app.state.session_factory, fetched.prompt_id)
    return fetched_response(fetched, if_none_match)


def fetched_response(fetched: Fetched, if_none_match: str | None) -> Response:
    """The answer to a fetch: 304 when If-None-Match names its ETag, else 200 with the body.

    The fast path (`api/fetch_fast.py`) answers with this same function.
    """
    headers = {"ETag": fetched.etag, "Cache-Control": CACHE_CONTROL}
    if etag_matches(if_none_match, fetched.etag):
        return Response(status_code=304, headers=headers)
    return Response(fetched.body, media_type="application/json", headers=headers)
