"""Re-running a response exactly, and following a run from a page opened while it runs."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, status
from fastapi.responses import JSONResponse, Response
from fastapi.sse import KEEPALIVE_COMMENT, EventSourceResponse

from promptpro.api.problems import problem_responses
from promptpro.api.runs import (
    STREAM_DOC,
    Accept,
    _end_transaction,
    _events,
    _failed,
    _sse,
    wants_stream,
)
from promptpro.deps import CurrentUser, RunServiceDep, SessionDep, StorageDep
from promptpro.schemas.chat import ContinueRequest
from promptpro.schemas.responses import ResponseRead
from promptpro.services.continuations import continuation_of
from promptpro.services.reruns import rerun_of
from promptpro.services.responses import ResponseService
from promptpro.services.run_follow import RunFollower
from promptpro.services.runs import StartedRun

router = APIRouter(tags=["runs"])

ResponseId = Annotated[int, Path(description="The response's id.")]
EVENTS_DOC = {
    "description": "The run's events as `/prompts/{id}/run` sends them: `start`, the text so "
    "far and then as it comes (`delta`), then `done` or `error`.",
    "content": {"text/event-stream": {}},
}


@router.post(
    "/responses/{response_id}/rerun",
    status_code=status.HTTP_201_CREATED,
    summary="Run a response again, exactly",
    response_model=ResponseRead,
    responses={**problem_responses(401, 402, 404, 409, 422, 429, 502, 504), 200: STREAM_DOC},
)
async def rerun_response(
    response_id: ResponseId,
    runs: RunServiceDep,
    session: SessionDep,
    accept: Accept = None,
) -> Response:
    """Run the same version of the prompt on the same model with the same parameters and
    variables; a new response is kept (with `Accept: text/event-stream`, the run's events)."""
    started = time.perf_counter()
    streamed = wants_stream(accept)
    rerun = await rerun_of(runs.storage, runs.owner_id, response_id)
    await _end_transaction(session)
    runs_started = await runs.start(
        rerun.prompt_id,
        models=[rerun.model],
        parameters=None,
        variables=rerun.variables,
        streamed=streamed,
        started=started,
        version=rerun.version,
        continuation=rerun.continuation,
    )
    await _end_transaction(session)  # the uploads an image run read
    if streamed:
        return EventSourceResponse(_events(runs_started))
    outcome = await runs.executor.outcome(runs_started[0].run)
    if outcome.error is not None or outcome.response is None:
        return _failed(outcome)
    return JSONResponse(outcome.response.model_dump(mode="json", by_alias=True), status_code=201)


@router.post(
    "/responses/{response_id}/continue",
    status_code=status.HTTP_201_CREATED,
    summary="Give a response's tool calls their results and continue the conversation",
    response_model=ResponseRead,
    responses={**problem_responses(401, 404, 409, 422, 429, 502, 504), 200: STREAM_DOC},
)
async def continue_response(
    response_id: ResponseId,
    body: ContinueRequest,
    runs: RunServiceDep,
    session: SessionDep,
    accept: Accept = None,
) -> Response:
    """Send one result per tool call back to the model, with the conversation so far; the
    answer is a new response linked to this one (`previousResponseId`)."""
    started = time.perf_counter()
    streamed = wants_stream(accept)
    rerun, continuation = await continuation_of(
        runs.storage, runs.owner_id, response_id, body.tool_results
    )
    await _end_transaction(session)
    runs_started = await runs.start(
        rerun.prompt_id,
        models=[rerun.model],
        parameters=None,
        variables=rerun.variables,
        streamed=streamed,
        started=started,
        version=rerun.version,
        continuation=continuation,
    )
    await _end_transaction(session)  # the uploads an image run read
    if streamed:
        return EventSourceResponse(_events(runs_started))
    outcome = await runs.executor.outcome(runs_started[0].run)
    if outcome.error is not None or outcome.response is None:
        return _failed(outcome)
    return JSONResponse(outcome.response.model_dump(mode="json", by_alias=True), status_code=201)


async def run_follower(request: Request, user: CurrentUser) -> RunFollower:
    """Follows the signed-in user's runs, wherever they run."""
    state = request.app.state
    return RunFollower(
        state.runs.registry,
        state.session_factory,
        user.id,
        poll=state.settings.follow_poll_seconds,
    )


@router.get(
    "/responses/{response_id}/events",
    summary="Follow a run: what it produced so far, then live",
    responses={**problem_responses(401, 404, 422), 200: EVENTS_DOC},
)
async def response_events(
    response_id: ResponseId,
    storage: StorageDep,
    user: CurrentUser,
    session: SessionDep,
    follower: Annotated[RunFollower, Depends(run_follower)],
) -> Response:
    """The run's events from its start: a finished run is replayed, a running one followed."""
    response = await ResponseService(storage, user.id).get_response(response_id)
    await _end_transaction(session)
    live = follower.live(response_id)
    if live is not None:
        return EventSourceResponse(_events([StartedRun(response.model, live)]))

    async def stored() -> AsyncIterator[bytes]:
        async for item in follower.stored(response):
            yield KEEPALIVE_COMMENT if item.event == "keepalive" else _sse(item.event, item.data)

    return EventSourceResponse(stored())
