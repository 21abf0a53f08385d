"""A compare run opened again: its stored columns side by side, and "mark winner"."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from promptpro.deps import StorageDep
from promptpro.errors import Invalid
from promptpro.services.compare_groups import CompareGroupService
from promptpro.services.prompts import PromptService
from promptpro.web.forms import read_form, text
from promptpro.web.pages.common import PageAuth, page, see_other

router = APIRouter()


@router.get("/compare-groups/{group_id:int}")
async def compare_group_page(
    request: Request, group_id: int, storage: StorageDep, auth: PageAuth
) -> Response:
    """The stored answers of one compare run, each with its time, tokens and cost."""
    group = await CompareGroupService(storage, auth.user.id).get_group(group_id)
    prompt = await PromptService(storage, auth.user.id).get_prompt(group.prompt_id)
    return page(request, "compare/group.html", auth, group=group, prompt=prompt)


@router.post("/compare-groups/{group_id:int}/winner")
async def mark_winner(
    request: Request, group_id: int, storage: StorageDep, auth: PageAuth
) -> Response:
    """Mark one answer of the group as the winner, then show the group again."""
    form = await read_form(request)
    raw = text(form, "response_id")
    service = CompareGroupService(storage, auth.user.id)
    if not raw.isdigit() or len(raw) > 10:
        raise Invalid("Choose one of the answers.", field="responseId")
    await service.set_winner(group_id, int(raw))
    return see_other(f"/compare-groups/{group_id}")
