"""Running prompts: once, or on several models side by side, as JSON or as SSE."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, status
from fastapi.responses import JSONResponse, Response
from fastapi.sse import KEEPALIVE_COMMENT, EventSourceResponse, format_sse_event
from sqlalchemy.ext.asyncio import AsyncSession

from promptpro.api.problems import ProblemDetails, domain_details, problem_responses
from promptpro.deps import RunServiceDep, SessionDep
from promptpro.schemas.responses import ResponseRead
from promptpro.schemas.runs import CompareCreate, RunCreate
from promptpro.services.run_execution import RunOutcome
from promptpro.services.runs import StartedRun

router = APIRouter(tags=["runs"])

PromptId = Annotated[int, Path(description="The prompt's id.")]
ResponseId = Annotated[int, Path(description="The response's id.")]
Accept = Annotated[str | None, Header()]
EVENT_STREAM = "text/event-stream"
# Idle proxies close quiet connections; a first token may take up to a minute to come.
KEEPALIVE_S = 15.0
STREAM_DOC = {
    "description": "With `Accept: text/event-stream`: the events `start` (the response id), "
    "`delta` (text), then `done` (the stored response) or `error` (a problem and the stored "
    "response); every event names its `model` and `responseId`.",
    "content": {EVENT_STREAM: {}},
}


def wants_stream(accept: str | None) -> bool:
    """Whether the client asked for server-sent events."""
    return accept is not None and EVENT_STREAM in accept


async def _end_transaction(session: AsyncSession) -> None:
    """Commit what authenticating wrote, and give the request's connection back now.

    A run reads and writes with connections of its own and may last minutes: a request
    holding one while it waits for another would let a burst of runs starve the pool.
    (With a cached bearer token the request has touched no connection: this is free.)
    """
    if session.in_transaction():
        await session.commit()


def _failed(outcome: RunOutcome) -> Response:
    """The run's problem, naming the stored (failed) response with its partial text."""
    assert outcome.error is not None
    problem = domain_details(outcome.error)
    body = dict(problem.body)
    if outcome.response is not None:
        body["responseId"] = outcome.response.id
    return ProblemDetails(problem.status, body, problem.headers).response()


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return format_sse_event(event=event, data_str=json.dumps(data, separators=(",", ":")))


def _delta_encoder(tag: dict[str, Any]) -> Callable[[str], bytes]:
    """Encode a run's `delta` events as `_sse("delta", {**tag, "text": text})` would.

    A stream sends dozens of deltas with the same tag: its JSON is written once, and each
    delta adds only its text. (JSON escapes every line break, so the data is one line.)
    """
    tag_json = json.dumps(tag, separators=(",", ":"))
    head = b"event: delta\ndata: " + tag_json[:-1].encode() + b',"text":'
    return lambda text: head + json.dumps(text).encode() + b"}\n\n"


async def _events(started: list[StartedRun]) -> AsyncIterator[bytes]:
    """The runs' events merged into one stream, with a keep-alive comment when idle."""
    queue: asyncio.Queue[bytes | None] = asyncio.Queue()

    async def forward(item: StartedRun) -> None:
        try:
            response_id = await asyncio.shield(item.run.response_id_ready)
            tag: dict[str, Any] = {"responseId": response_id, "model": item.model}
            if item.compare_group_id is not None:
                tag["compareGroupId"] = item.compare_group_id
            if item.version is not None:
                tag["version"] = item.version
            if response_id is not None:  # None: it could not be stored, `error` says why
                await queue.put(_sse("start", tag))
            delta = _delta_encoder(tag)
            async for event in item.run.channel.follow():
                if event.event == "delta":
                    queue.put_nowait(delta(event.data["text"]))  # the queue is unbounded
                    continue
                outcome: RunOutcome = event.data["outcome"]
                stored = outcome.response
                data = {
                    **tag,
                    "response": stored.model_dump(mode="json", by_alias=True) if stored else None,
                }
                if outcome.error is not None:
                    data["problem"] = domain_details(outcome.error).body
                await queue.put(_sse(event.event, data))
        finally:
            await queue.put(None)

    forwarders = [asyncio.create_task(forward(item)) for item in started]
    try:
        remaining = len(forwarders)
        while remaining:
            try:
                async with asyncio.timeout(KEEPALIVE_S):  # cheaper than wait_for: no new task
                    event = await queue.get()
            except TimeoutError:
                yield KEEPALIVE_COMMENT
                continue
            # Events that queued up while this one waited go out in the same write: one
            # send through the middleware and the socket instead of one per delta.
            batch: list[bytes] = []
            while True:
                if event is None:
                    remaining -= 1
                else:
                    batch.append(event)
                if queue.empty():
                    break
                event = queue.get_nowait()
            if batch:
                yield b"".join(batch)
    finally:
        # The client left or the runs ended: stop following. The runs go on and are stored.
        for task in forwarders:
            task.cancel()


@router.post(
    "/prompts/{prompt_id}/run",
    status_code=status.HTTP_201_CREATED,
    summary="Run a prompt once",
    response_model=ResponseRead,
    responses={**problem_responses(401, 402, 404, 413, 422, 429, 502, 503, 504), 200: STREAM_DOC},
)
async def run_prompt(
    prompt_id: PromptId,
    body: RunCreate,
    runs: RunServiceDep,
    session: SessionDep,
    accept: Accept = None,
) -> Response:
    """Run the prompt (or its saved `version`) on its model (or `model`) with `variables`
    filled in; keep the response."""
    started = time.perf_counter()
    streamed = wants_stream(accept)
    version = None
    if body.version is not None:
        version = await runs.version_to_run(prompt_id, body.version)
    # Image URLs are fetched and stored first, committed with the authentication's writes.
    variables = await runs.store_image_urls(prompt_id, body.variables)
    await _end_transaction(session)
    runs_started = await runs.start(
        prompt_id,
        models=[body.model],
        parameters=body.parameters,
        variables=variables,
        streamed=streamed,
        started=started,
        version=version,
    )
    await _end_transaction(session)  # the uploads an image run read
    if streamed:
        return EventSourceResponse(_events(runs_started))
    outcome = await runs.executor.outcome(runs_started[0].run)
    if outcome.error is not None or outcome.response is None:
        return _failed(outcome)
    return JSONResponse(outcome.response.model_dump(mode="json", by_alias=True), status_code=201)


@router.post(
    "/prompts/{prompt_id}/compare",
    status_code=status.HTTP_201_CREATED,
    summary="Run a prompt on several models, or several of its versions, at once",
    response_model=list[ResponseRead],
    responses={**problem_responses(401, 402, 404, 413, 422, 429, 503), 200: STREAM_DOC},
)
async def compare_prompt(
    prompt_id: PromptId,
    body: CompareCreate,
    runs: RunServiceDep,
    session: SessionDep,
    accept: Accept = None,
) -> Response:
    """Run the prompt on 2-6 models (or 2-6 of its `versions` on one model) concurrently;
    a failed column doesn't stop the others. The run is kept as one compare group."""
    started = time.perf_counter()
    streamed = wants_stream(accept)
    compare = await runs.plan_compare(
        prompt_id,
        models=body.models,
        versions=body.versions,
        model=body.model,
        parameters=body.parameters,
        variables=body.variables,
        started=started,
    )
    # The group must be committed before the runs' records (which point at it) are written.
    await _end_transaction(session)
    runs_started = runs.launch(compare, streamed=streamed)
    if streamed:
        return EventSourceResponse(_events(runs_started))
    outcomes = await asyncio.gather(*(runs.executor.outcome(item.run) for item in runs_started))
    unstored = [outcome for outcome in outcomes if outcome.response is None]
    if unstored:  # the others are stored, and in the prompt's history
        return _failed(unstored[0])
    return JSONResponse(
        [
            outcome.response.model_dump(mode="json", by_alias=True)
            for outcome in outcomes
            if outcome.response
        ],
        status_code=201,
    )


@router.post(
    "/responses/{response_id}/cancel",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Stop a running run",
    response_model=ResponseRead,
    responses=problem_responses(401, 404, 409, 422),
)
async def cancel_response(response_id: ResponseId, runs: RunServiceDep) -> ResponseRead:
    """Stop the run; it is kept as `cancelled` with the text that had arrived."""
    return await runs.cancel(response_id)
