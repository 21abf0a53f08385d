"""The compare view: one prompt on 2 to 6 models side by side, streaming."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from promptpro.deps import StorageDep, VaultDep
from promptpro.services.prompts import MAX_PAGE_SIZE, PromptService
from promptpro.services.templates import variables_in
from promptpro.web.pages.common import PageAuth, model_choices, page
from promptpro.web.pages.editor import form_values
from promptpro.web.pages.run_inputs import panel_context

router = APIRouter()

MIN_MODELS, MAX_MODELS = 2, 6


@router.get("/compare")
async def compare_page(
    request: Request, storage: StorageDep, vault: VaultDep, auth: PageAuth
) -> Response:
    """Pick a prompt, then the models to run it on."""
    service = PromptService(storage, auth.user.id)
    raw = request.query_params.get("prompt", "")
    prompt = await service.get_prompt(int(raw)) if raw.isdigit() and len(raw) < 12 else None
    recent = await service.list_prompts(limit=MAX_PAGE_SIZE, workspace_id=auth.workspace.id)
    choices = list(recent.items)
    if prompt is not None and all(item.id != prompt.id for item in choices):
        choices.insert(0, prompt)
    groups = await model_choices(
        storage,
        vault,
        auth,
        include=[prompt.model if prompt else None],
        workspace_id=prompt.workspace_id if prompt else None,
    )
    preselected = [prompt.model] if prompt and prompt.model else []
    panel = (
        await panel_context(storage, auth.user.id, prompt, None)
        if prompt
        else {"values": form_values(None), "kept_variables": {}, "inputs_from": None}
    )
    return page(
        request,
        "compare/page.html",
        auth,
        prompt=prompt,
        prompts=choices,
        model_groups=groups,
        preselected=preselected,
        variables=variables_in(prompt.content) if prompt else [],
        errors={},
        min_models=MIN_MODELS,
        max_models=MAX_MODELS,
        can_run=prompt is None or auth.may("prompt.run", prompt.workspace_id),
        **panel,
    )
