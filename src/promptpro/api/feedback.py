"""Ratings and notes on responses, and the inputs a prompt was last run with."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from promptpro.api.problems import problem_responses
from promptpro.deps import CurrentUser, StorageDep
from promptpro.schemas.feedback import RatingUpdate, RunInputsRead
from promptpro.schemas.responses import ResponseRead
from promptpro.services.ratings import RatingService
from promptpro.services.run_inputs import RunInputService

router = APIRouter(tags=["responses"])

ResponseId = Annotated[int, Path(description="The response's id.")]
PromptId = Annotated[int, Path(description="The prompt's id.")]


@router.put(
    "/responses/{response_id}/rating",
    summary="Rate a response",
    response_model=ResponseRead,
    responses=problem_responses(401, 404, 422),
)
async def rate_response(
    response_id: ResponseId, body: RatingUpdate, storage: StorageDep, user: CurrentUser
) -> ResponseRead:
    """Thumbs up (1) or down (-1), with an optional note of up to 1000 characters; 0 clears
    the rating and its note."""
    return await RatingService(storage, user.id).rate(response_id, body)


@router.get(
    "/prompts/{prompt_id}/inputs",
    summary="The inputs a prompt was last run with",
    response_model=RunInputsRead,
    responses=problem_responses(401, 404, 422),
)
async def last_inputs(prompt_id: PromptId, storage: StorageDep, user: CurrentUser) -> RunInputsRead:
    """The variables (and, unless the prompt was saved since, the model and parameters) of
    your last run of this prompt: what the run panel starts from."""
    return await RunInputService(storage, user.id).last_inputs(prompt_id)
