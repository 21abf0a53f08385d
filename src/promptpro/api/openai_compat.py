"""The OpenAI-compatible endpoint: `POST /v1/chat/completions`, `GET /v1/models`.

Any OpenAI client (the official SDKs, LangChain, curl) pointed at `<server>/v1` with a
personal access token as its API key uses PromptPro as its gateway. Calls run through the
run service (services/openai_compat.py); answers and errors are in OpenAI's shapes.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import ValidationError

from promptpro.api.problems import domain_details
from promptpro.deps import SessionDep, SettingsDep, StorageDep, current_auth, get_run_service
from promptpro.errors import Invalid, PromptProError, Unauthenticated
from promptpro.providers.catalogue import get_catalogue
from promptpro.schemas.openai_compat import ChatCompletionRequest
from promptpro.services.openai_compat import GatewayRun, ModelNotFound, OpenAIGateway
from promptpro.services.openai_shapes import ChunkWriter, completion, sse
from promptpro.services.run_execution import RunOutcome
from promptpro.services.run_registry import RunEvent

router = APIRouter(prefix="/v1", tags=["openai-compatible"])

_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "insufficient_quota",
    403: "permission_error",
    404: "invalid_request_error",
    409: "invalid_request_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
}


class OpenAIError(Exception):
    """An error already in OpenAI's shape, raised where a response can't be returned
    (a dependency); the app's handler answers with it."""

    def __init__(self, response: JSONResponse) -> None:
        self.response = response


def error_response(exc: PromptProError, *, response_id: int | None = None) -> JSONResponse:
    """A domain error as OpenAI's `{"error": {message, type, param, code}}`.

    The status is the problem's, except that an invalid request is 400 (OpenAI's; the
    problem's 422) and a model that names nothing is 404 `model_not_found`.
    """
    problem = domain_details(exc)
    status = 400 if problem.status == 422 else problem.status
    code = str(problem.body.get("type", "")).removeprefix("/problems/").replace("-", "_")
    errors = problem.body.get("errors") or []
    param = errors[0].get("field") if errors else None
    if isinstance(exc, ModelNotFound):
        status, code, param = 404, "model_not_found", "model"
    elif code == "unknown_model":
        status, param = 404, "model"
    error: dict[str, Any] = {
        "message": problem.body.get("detail") or problem.body.get("title"),
        "type": _TYPES.get(status, "api_error"),
        "param": param,
        "code": code or None,
    }
    if response_id is not None:
        error["response_id"] = response_id  # the failed run, kept with its partial text
    headers = {
        name: value
        for name, value in (problem.headers or {}).items()
        if name in ("Retry-After", "WWW-Authenticate")
    }
    return JSONResponse({"error": error}, status_code=status, headers=headers or None)


def install_openai_errors(app: FastAPI) -> None:
    """Answer `OpenAIError`s raised by this router's dependencies."""

    async def handle(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, OpenAIError)
        return exc.response

    app.add_exception_handler(OpenAIError, handle)


async def get_gateway(
    request: Request, storage: StorageDep, settings: SettingsDep
) -> OpenAIGateway:
    """The caller's gateway; authenticated by a personal access token only."""
    try:
        if request.headers.get("authorization") is None:
            raise Unauthenticated(
                "Send your personal access token as the API key: Authorization: Bearer pp_…"
            )
        auth = await current_auth(request, storage, settings)
        runs = await get_run_service(request, auth.user, storage)
    except PromptProError as exc:
        raise OpenAIError(error_response(exc)) from None
    state = request.app.state
    return OpenAIGateway(storage, runs, state.session_factory, state.fetch_cache, state.api_log_ids)


GatewayDep = Annotated[OpenAIGateway, Depends(get_gateway)]


async def _read(request: Request) -> ChatCompletionRequest:
    """The request body, or a 400 naming what is wrong with it."""
    try:
        data = json.loads(await request.body())
    except (ValueError, RecursionError):  # RecursionError: nested too deep for Python
        raise Invalid("The body is not valid JSON.") from None
    try:
        return ChatCompletionRequest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise Invalid(f"{where}: {first['msg']}", field=where or None) from None


def _failed(outcome: RunOutcome) -> JSONResponse:
    assert outcome.error is not None
    response_id = outcome.response.id if outcome.response is not None else None
    return error_response(outcome.error, response_id=response_id)


@router.post(
    "/chat/completions",
    summary="Chat completions, OpenAI-compatible (a model or `prompt:<name>[@<label>]`)",
)
async def chat_completions(request: Request, gateway: GatewayDep, session: SessionDep) -> Response:
    """OpenAI's chat completions: streamed (`stream: true`) or not. Every call is kept as
    a response: of the prompt, or of the workspace's API log for a plain model."""
    started = time.perf_counter()

    async def end_transaction() -> None:
        # A run may last minutes: the request's connection goes back to the pool first.
        if session.in_transaction():
            await session.commit()

    try:
        body = await _read(request)
        run = await gateway.start(body, started=started, end_transaction=end_transaction)
        if body.stream:
            include_usage = body.stream_options is not None and body.stream_options.include_usage
            return await _stream(run, include_usage=include_usage)
        outcome = await gateway.runs.executor.outcome(run.started.run)
    except PromptProError as exc:
        return error_response(exc)
    if outcome.error is not None or outcome.response is None:
        return _failed(outcome)
    return JSONResponse(completion(outcome.response, int(time.time())))


async def _stream(run: GatewayRun, *, include_usage: bool) -> Response:
    """The run as OpenAI's chunks. The answer starts with the first event, so a run that
    fails before any text (a bad key, an unknown model) is an error with its status."""
    events = cast("AsyncGenerator[RunEvent, None]", run.started.run.channel.follow())
    first = await anext(events)
    if first.event == "error":
        await events.aclose()
        return _failed(first.data["outcome"])
    response_id = await run.started.run.response_id_ready
    writer = ChunkWriter(response_id, run.started.model, int(time.time()))

    async def chunks() -> AsyncIterator[bytes]:
        try:
            event = first
            yield writer.first()
            while True:
                if event.event == "delta":
                    yield writer.delta(event.data["text"])
                else:
                    outcome: RunOutcome = event.data["outcome"]
                    if outcome.error is not None or outcome.response is None:
                        body = json.loads(bytes(_failed(outcome).body))
                        yield sse(body)
                    else:
                        yield writer.end(outcome.response, include_usage=include_usage)
                    return
                event = await anext(events)
        finally:
            # The client left or the run ended: stop following (the run goes on, is stored).
            await events.aclose()

    return StreamingResponse(
        chunks(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )


@router.get("/models", summary="The models you can call, OpenAI-compatible")
async def list_models(gateway: GatewayDep) -> Response:
    """Catalogue models whose provider has a key, own endpoints' models, and the
    workspace's prompts as `prompt:<name>`, in OpenAI's list shape."""
    try:
        models = await gateway.models(get_catalogue())
    except PromptProError as exc:
        return error_response(exc)
    return JSONResponse({"object": "list", "data": models})
