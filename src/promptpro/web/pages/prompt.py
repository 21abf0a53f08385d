"""A prompt's page: the run panel, the history of its responses, its versions and diffs."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from promptpro.deps import StorageDep, VaultDep
from promptpro.errors import Invalid, NotFound
from promptpro.schemas.library import PromptRead
from promptpro.services.categories import CategoryService
from promptpro.services.prompts import PromptService
from promptpro.services.responses import ResponseService
from promptpro.services.templates import variables_in
from promptpro.storage import Storage
from promptpro.web.diff import field_changes, line_diff, version_text
from promptpro.web.pages.common import PageAuth, model_choices, page
from promptpro.web.pages.run_inputs import panel_context, version_numbers

router = APIRouter()

HISTORY_PAGE_SIZE = 10


async def _category_name(storage: Storage, owner_id: str, prompt: PromptRead) -> str | None:
    if prompt.category_id is None:
        return None
    try:
        category = await CategoryService(storage, owner_id).get_category(prompt.category_id)
    except NotFound:
        return None
    return category.name


async def history(
    storage: Storage, owner_id: str, prompt_id: int, cursor: str | None, rating: int | None = None
) -> dict[str, Any]:
    """One page of the prompt's responses, newest first, and where the next page is."""
    listing = await ResponseService(storage, owner_id).list_responses(
        prompt_id, limit=HISTORY_PAGE_SIZE, cursor=cursor, rating=rating
    )
    return {
        "responses": listing.items,
        "history_cursor": listing.next_cursor,
        "version_numbers": await version_numbers(storage, owner_id, prompt_id),
        "rating_filter": rating,
    }


async def _history_or_first(
    storage: Storage, owner_id: str, prompt_id: int, cursor: str | None, rating: str | None = None
) -> dict[str, Any]:
    """The history page a cursor names (the first page for a cursor that isn't ours), with
    only the responses rated `rating` ("1" or "-1") when given."""
    wanted = rating_filter(rating)
    try:
        return await history(storage, owner_id, prompt_id, cursor or None, wanted)
    except Invalid:
        return await history(storage, owner_id, prompt_id, None, wanted)


def _workspace_name(auth: PageAuth, workspace_id: int) -> str:
    return next((w.name for w in auth.choice.workspaces if w.id == workspace_id), "")


@router.get("/prompts/{prompt_id:int}")
async def prompt_page(
    request: Request, prompt_id: int, storage: StorageDep, vault: VaultDep, auth: PageAuth
) -> Response:
    """The prompt, ready to run, with its history and versions."""
    service = PromptService(storage, auth.user.id)
    prompt = await service.get_prompt(prompt_id)
    versions = await service.list_versions(prompt_id)
    return page(
        request,
        "prompts/page.html",
        auth,
        prompt=prompt,
        category_name=await _category_name(storage, auth.user.id, prompt),
        versions=versions,
        variables=variables_in(prompt.content),
        errors={},
        model_groups=await model_choices(
            storage, vault, auth, include=[prompt.model], workspace_id=prompt.workspace_id
        ),
        prompt_id=prompt_id,
        can_run=auth.may("prompt.run", prompt.workspace_id),
        can_write=auth.may("library.write", prompt.workspace_id),
        workspace_name=_workspace_name(auth, prompt.workspace_id),
        **await panel_context(storage, auth.user.id, prompt, request.query_params.get("from")),
        **await _history_or_first(
            storage,
            auth.user.id,
            prompt_id,
            request.query_params.get("history"),
            request.query_params.get("rating"),
        ),
    )


@router.get("/prompts/{prompt_id:int}/history")
async def history_fragment(
    request: Request, prompt_id: int, storage: StorageDep, auth: PageAuth
) -> Response:
    """History items for "load more" and for refreshing after a run (a fragment)."""
    cursor = request.query_params.get("cursor")
    rating = request.query_params.get("rating")
    context = await _history_or_first(storage, auth.user.id, prompt_id, cursor, rating)
    prompt = await PromptService(storage, auth.user.id).get_prompt(prompt_id)
    can_run = auth.may("prompt.run", prompt.workspace_id)
    return page(
        request,
        "prompts/_history_more.html",
        auth,
        prompt_id=prompt_id,
        can_run=can_run,
        **context,
    )


def rating_filter(raw: str | None) -> int | None:
    """The history's rating filter from the address (anything else: no filter)."""
    return {"1": 1, "-1": -1}.get(raw or "")


def _version_number(raw: str | None, default: int) -> int:
    return int(raw) if raw and raw.isdigit() and len(raw) < 10 else default


@router.get("/prompts/{prompt_id:int}/versions")
async def versions_page(
    request: Request, prompt_id: int, storage: StorageDep, auth: PageAuth
) -> Response:
    """Two versions of the prompt side by side: what changed from one to the other."""
    service = PromptService(storage, auth.user.id)
    prompt = await service.get_prompt(prompt_id)
    versions = await service.list_versions(prompt_id)  # newest first
    by_number = {version.version: version for version in versions}
    newest = versions[0].version if versions else 1
    new_number = _version_number(request.query_params.get("to"), newest)
    old_number = _version_number(request.query_params.get("from"), max(new_number - 1, 1))
    old, new = by_number.get(old_number), by_number.get(new_number)
    if old is None or new is None:
        raise NotFound("No such version of this prompt.")
    # Diffing is CPU work (bounded, but up to a fraction of a second): off the event loop.
    max_lines = request.app.state.settings.diff_max_lines
    lines = await asyncio.to_thread(
        line_diff, version_text(old), version_text(new), max_lines=max_lines
    )
    return page(
        request,
        "prompts/versions.html",
        auth,
        prompt=prompt,
        versions=versions,
        old=old,
        new=new,
        changes=field_changes(old, new),
        lines=lines,
    )
