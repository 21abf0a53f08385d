"""The prompt editor's draft, kept on the server per user and prompt until saved."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from promptpro.api.problems import problem_responses
from promptpro.deps import CurrentUser, SettingsDep, StorageDep
from promptpro.errors import NotFound
from promptpro.schemas.drafts import DraftRead, DraftWrite
from promptpro.services.drafts import NO_DRAFT, DraftService

router = APIRouter(tags=["prompts"])

PromptId = Annotated[int, Path(description="The prompt's id.")]


def _service(storage: StorageDep, user: CurrentUser, settings: SettingsDep) -> DraftService:
    return DraftService(storage, user.id, settings.draft_max_bytes)


@router.get(
    "/prompts/{prompt_id}/draft",
    summary="Read your unsaved draft of a prompt",
    response_model=DraftRead,
    responses=problem_responses(401, 404, 422),
)
async def get_draft(
    prompt_id: PromptId, storage: StorageDep, user: CurrentUser, settings: SettingsDep
) -> DraftRead:
    """The editor's fields as you last typed them, if you haven't saved them (404: no draft)."""
    draft = await _service(storage, user, settings).get(prompt_id)
    if draft is None:
        raise NotFound(NO_DRAFT)
    return draft


@router.put(
    "/prompts/{prompt_id}/draft",
    summary="Keep an unsaved draft of a prompt",
    response_model=DraftRead,
    responses=problem_responses(401, 404, 413, 422),
)
async def put_draft(
    prompt_id: PromptId,
    body: DraftWrite,
    storage: StorageDep,
    user: CurrentUser,
    settings: SettingsDep,
) -> DraftRead:
    """Replace your draft of the prompt with the editor's fields as they are now."""
    return await _service(storage, user, settings).put(prompt_id, body)


@router.delete(
    "/prompts/{prompt_id}/draft",
    status_code=204,
    response_class=Response,
    summary="Drop your draft of a prompt",
    responses=problem_responses(401, 404, 422),
)
async def delete_draft(
    prompt_id: PromptId, storage: StorageDep, user: CurrentUser, settings: SettingsDep
) -> None:
    """Forget the draft (having none is fine)."""
    await _service(storage, user, settings).delete(prompt_id)
