"""OpenAI chat completions through the `openai` SDK: OpenAI, xAI and OpenAI-compatible servers."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import openai

from promptpro.errors import ProviderErrorKind
from promptpro.providers.base import SdkProvider
from promptpro.providers.clients import shared_ssl_context
from promptpro.providers.failures import (
    Failure,
    StreamCut,
    parse_retry_after,
    status_failure,
    transport_failure,
)
from promptpro.providers.types import (
    Completion,
    CompletionRequest,
    StreamEvent,
    TextDelta,
    ToolCall,
    Usage,
)
from promptpro.providers.wire import (
    call_arguments,
    is_strict_schema,
    openai_messages,
    openai_tools,
)

CHAT_PATH = "/chat/completions"
# The SDK insists on a key; an own endpoint without one is given this, and it is never sent.
NO_KEY = "promptpro-no-key"


class OpenAIProvider(SdkProvider[openai.AsyncOpenAI]):
    """Chat completions on any OpenAI-style endpoint (the base URL ends in /v1).

    OpenAI and xAI take `max_completion_tokens` (OpenAI's reasoning models refuse the older
    `max_tokens`); many OpenAI-compatible servers still only know `max_tokens`, hence
    `max_tokens_field`.
    """

    default_id = "openai"
    default_display_name = "OpenAI"
    default_base_url = "https://api.openai.com/v1"
    max_tokens_field = "max_completion_tokens"

    def _create_client(self, api_key: str) -> openai.AsyncOpenAI:
        timeouts = self.timeouts
        return openai.AsyncOpenAI(
            api_key=api_key,
            base_url=self.base_url,
            max_retries=0,  # our RetryPolicy decides, knowing whether text has arrived
            timeout=openai.Timeout(timeouts.total, connect=timeouts.connect),
            # The aiohttp transport costs less per request than httpx, streaming above all.
            http_client=openai.DefaultAioHttpClient(verify=shared_ssl_context()),
        )

    async def _close_client(self, client: openai.AsyncOpenAI) -> None:
        await client.close()

    def _arguments(self, model: str, request: CompletionRequest) -> dict[str, Any]:
        parameters = request.parameters
        messages = openai_messages(request.conversation())
        arguments: dict[str, Any] = {"model": model, "messages": messages}
        if request.tools:
            arguments["tools"] = openai_tools(request.tools)
        if request.schema is not None:
            arguments["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": "output",
                    "schema": dict(request.schema),
                    # Strict mode refuses a schema that leaves properties optional or open;
                    # such a schema is still asked for, and our own check says if it fit.
                    "strict": is_strict_schema(request.schema),
                },
            }
        if parameters.temperature is not None:
            arguments["temperature"] = parameters.temperature
        if parameters.top_p is not None:
            arguments["top_p"] = parameters.top_p
        if parameters.stop:
            arguments["stop"] = list(parameters.stop)
        if parameters.max_tokens is not None:
            if self.max_tokens_field == "max_completion_tokens":
                arguments["max_completion_tokens"] = parameters.max_tokens
            else:
                # Not a parameter of the SDK's create(): sent as it is in the body.
                arguments["extra_body"] = {self.max_tokens_field: parameters.max_tokens}
        return arguments

    async def _post(
        self, client: openai.AsyncOpenAI, model: str, request: CompletionRequest, stream: bool
    ) -> Any:
        """POST /chat/completions through the SDK, its JSON left as plain dicts.

        `chat.completions.create` type-checks the arguments and builds pydantic models of
        every chunk: under load that was a quarter of the server's CPU for a stream. The
        SDK's own `post` keeps its transport, auth, SSE decoding, error events and
        exceptions, and with `cast_to=object` hands the JSON over as it came.
        """
        body = self._arguments(model, request)
        body.update(body.pop("extra_body", None) or {})
        options: Any = {"security": {"bearer_auth": True}}
        if client.api_key == NO_KEY:
            # An own endpoint without a key (a local Ollama): no Authorization header at all.
            options["headers"] = {"Authorization": openai.Omit()}
        if not stream:
            return await client.post(CHAT_PATH, body=body, cast_to=object, options=options)
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
        return await client.post(
            CHAT_PATH,
            body=body,
            cast_to=object,
            options=options,
            stream=True,
            stream_cls=openai.AsyncStream[object],
        )

    async def _events(
        self, client: openai.AsyncOpenAI, model: str, request: CompletionRequest
    ) -> AsyncGenerator[StreamEvent, None]:
        stream = await self._post(client, model, request, stream=True)
        finished = False
        usage = Usage()
        # Tool calls come in pieces, keyed by index: the id and name first, then the
        # arguments' JSON a few characters at a time.
        calls: dict[int, dict[str, str]] = {}
        async with stream:
            async for chunk in stream:
                if not isinstance(chunk, dict):
                    continue
                if isinstance(counts := chunk.get("usage"), dict):
                    usage = _usage(counts)
                for choice in chunk.get("choices") or ():
                    delta = choice.get("delta")
                    if isinstance(delta, dict):
                        if text := delta.get("content"):
                            yield TextDelta(text)
                        for piece in delta.get("tool_calls") or ():
                            _add_call_piece(calls, piece)
                    if choice.get("finish_reason") is not None:
                        finished = True
        if not finished:
            raise StreamCut()
        for index in sorted(calls):
            call = calls[index]
            yield ToolCall(
                call["id"] or f"call_{index}", call["name"], call_arguments(call["arguments"])
            )
        yield usage

    async def _complete_once(
        self, client: openai.AsyncOpenAI, model: str, request: CompletionRequest
    ) -> Completion:
        response = await self._post(client, model, request, stream=False)
        if not isinstance(response, dict):
            return Completion("", Usage())
        choices = response.get("choices") or ()
        message = choices[0].get("message") if choices else None
        text = (message.get("content") or "") if isinstance(message, dict) else ""
        calls: list[ToolCall] = []
        for index, call in enumerate((message or {}).get("tool_calls") or ()):
            function = call.get("function") or {}
            calls.append(
                ToolCall(
                    str(call.get("id") or f"call_{index}"),
                    str(function.get("name") or ""),
                    call_arguments(function.get("arguments")),
                )
            )
        counts = response.get("usage")
        usage = _usage(counts) if isinstance(counts, dict) else Usage()
        return Completion(text, usage, tuple(calls))

    def _sdk_failure(self, exc: Exception, model: str) -> Failure | None:
        name = self.display_name
        if isinstance(exc, openai.APIStatusError):
            return status_failure(
                name,
                exc.status_code,
                _message(exc),
                model=model,
                retry_after=parse_retry_after(exc.response.headers),
            )
        if isinstance(exc, openai.APITimeoutError):
            return transport_failure(name, exc) or Failure(
                ProviderErrorKind.TIMEOUT, f"{name} did not answer in time"
            )
        if isinstance(exc, openai.APIConnectionError):
            return transport_failure(name, exc) or Failure(
                ProviderErrorKind.UPSTREAM, f"The connection to {name} failed", retryable=True
            )
        if isinstance(exc, openai.APIError):
            # An error event inside an otherwise successful stream.
            return Failure(ProviderErrorKind.UPSTREAM, f"{name} failed mid-answer: {_message(exc)}")
        return None


class XAIProvider(OpenAIProvider):
    """Grok models: xAI serves OpenAI's chat completions API."""

    default_id = "xai"
    default_display_name = "xAI"
    default_base_url = "https://api.x.ai/v1"


class OpenAICompatibleProvider(OpenAIProvider):
    """A server that speaks OpenAI's chat completions (Ollama, vLLM, ...): `max_tokens`."""

    max_tokens_field = "max_tokens"


def _count(value: object) -> int | None:
    """A token count as sent, or None for anything that is not one."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _add_call_piece(calls: dict[int, dict[str, str]], piece: Any) -> None:
    """Add one streamed piece of a tool call to the calls gathered so far."""
    if not isinstance(piece, dict):
        return
    index = piece["index"] if isinstance(piece.get("index"), int) else len(calls)
    call = calls.setdefault(index, {"id": "", "name": "", "arguments": ""})
    if piece.get("id"):
        call["id"] = str(piece["id"])
    function = piece.get("function") or {}
    if function.get("name"):
        call["name"] += str(function["name"])
    if function.get("arguments"):
        call["arguments"] += str(function["arguments"])


def _usage(counts: dict[str, Any]) -> Usage:
    """The token counts of a chat completion's `usage` object, cached and reasoning ones too.

    OpenAI counts cached tokens inside `prompt_tokens` and reasoning tokens inside
    `completion_tokens`. xAI leaves reasoning out of `completion_tokens` (its `total_tokens`
    adds them on top): when the total says so, they are added, so that `output_tokens` is
    always every token billed as output.
    """
    prompt = _count(counts.get("prompt_tokens"))
    completion = _count(counts.get("completion_tokens"))
    prompt_details = counts.get("prompt_tokens_details")
    completion_details = counts.get("completion_tokens_details")
    cached = (
        _count(prompt_details.get("cached_tokens")) if isinstance(prompt_details, dict) else None
    )
    reasoning = (
        _count(completion_details.get("reasoning_tokens"))
        if isinstance(completion_details, dict)
        else None
    )
    total = _count(counts.get("total_tokens"))
    if (
        reasoning
        and prompt is not None
        and completion is not None
        and total == prompt + completion + reasoning
    ):
        completion += reasoning
    return Usage(prompt, completion, cached_input_tokens=cached, reasoning_tokens=reasoning)


def _message(exc: openai.APIError) -> str:
    """The provider's own words from the error body, without the SDK's framing."""
    body = exc.body
    if isinstance(body, dict):
        message = body.get("message")
        if isinstance(message, str) and message:
            return message
    return exc.message
