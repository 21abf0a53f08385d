"""Anthropic's Messages API through the `anthropic` SDK."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any

import anthropic
from anthropic.types import (
    MessageDeltaUsage,
    RawContentBlockDeltaEvent,
    RawContentBlockStartEvent,
    RawContentBlockStopEvent,
    RawMessageDeltaEvent,
    RawMessageStartEvent,
    RawMessageStopEvent,
)
from anthropic.types import TextDelta as AnthropicTextDelta
from anthropic.types import Usage as AnthropicUsage

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
    SCHEMA_TOOL,
    anthropic_messages,
    anthropic_tools,
    call_arguments,
    system_text,
)

# The Messages API requires max_tokens; every current model can produce at least this many.
DEFAULT_MAX_TOKENS = 4096


class AnthropicProvider(SdkProvider[anthropic.AsyncAnthropic]):
    """Claude models; `max_tokens` defaults to `default_max_tokens` when the prompt sets none."""

    default_id = "anthropic"
    default_display_name = "Anthropic"
    default_base_url = "https://api.anthropic.com"
    default_max_tokens = DEFAULT_MAX_TOKENS

    def _create_client(self, api_key: str) -> anthropic.AsyncAnthropic:
        timeouts = self.timeouts
        return anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=self.base_url,
            max_retries=0,  # our RetryPolicy decides, knowing whether text has arrived
            timeout=anthropic.Timeout(timeouts.total, connect=timeouts.connect),
            http_client=anthropic.DefaultAioHttpClient(verify=shared_ssl_context()),
        )

    async def _close_client(self, client: anthropic.AsyncAnthropic) -> None:
        await client.close()

    def _arguments(self, model: str, request: CompletionRequest) -> dict[str, Any]:
        parameters = request.parameters
        conversation = request.conversation()
        arguments: dict[str, Any] = {
            "model": model,
            "messages": anthropic_messages(conversation),
            "max_tokens": parameters.max_tokens or self.default_max_tokens,
        }
        if system := system_text(conversation):
            arguments["system"] = system
        if request.tools or request.schema is not None:
            tools, choice = anthropic_tools(request.tools, request.schema)
            arguments["tools"] = tools
            if choice is not None:
                arguments["tool_choice"] = choice
        if parameters.stop:
            arguments["stop_sequences"] = list(parameters.stop)
        # The SDK no longer lists the sampling parameters (the newest models ignore or refuse
        # them) but the API still takes them: sent as they are, the provider says if it minds.
        sampling: dict[str, float] = {}
        if parameters.temperature is not None:
            sampling["temperature"] = parameters.temperature
        if parameters.top_p is not None:
            sampling["top_p"] = parameters.top_p
        if sampling:
            arguments["extra_body"] = sampling
        return arguments

    async def _events(
        self, client: anthropic.AsyncAnthropic, model: str, request: CompletionRequest
    ) -> AsyncGenerator[StreamEvent, None]:
        stream = await client.messages.create(**self._arguments(model, request), stream=True)
        usage = Usage()
        finished = False
        # Tool use blocks by index: id, name, and the input's JSON as it arrives in pieces.
        uses: dict[int, list[str]] = {}
        async with stream:
            async for event in stream:
                if isinstance(event, RawContentBlockDeltaEvent):
                    if isinstance(event.delta, AnthropicTextDelta) and event.delta.text:
                        yield TextDelta(event.delta.text)
                    elif event.delta.type == "input_json_delta" and event.index in uses:
                        uses[event.index].append(event.delta.partial_json)
                elif isinstance(event, RawContentBlockStartEvent):
                    block = event.content_block
                    if block.type == "tool_use":
                        uses[event.index] = [block.id, block.name]
                elif isinstance(event, RawContentBlockStopEvent) and event.index in uses:
                    use_id, name, *pieces = uses.pop(event.index)
                    for item in _tool_output(use_id, name, call_arguments("".join(pieces))):
                        yield item
                elif isinstance(event, RawMessageStartEvent):
                    usage = _usage(event.message.usage)
                    yield usage  # the input tokens, already charged if the run is stopped
                elif isinstance(event, RawMessageDeltaEvent):
                    # message_delta carries the final, cumulative counts; the input ones
                    # only in newer API versions (else message_start's stand).
                    usage = _merged(usage, _usage(event.usage))
                elif isinstance(event, RawMessageStopEvent):
                    finished = True
        if not finished:
            raise StreamCut()
        yield usage

    async def _complete_once(
        self, client: anthropic.AsyncAnthropic, model: str, request: CompletionRequest
    ) -> Completion:
        message = await client.messages.create(**self._arguments(model, request), stream=False)
        parts: list[str] = []
        calls: list[ToolCall] = []
        for block in message.content:
            if block.type == "text":
                parts.append(block.text)
            elif block.type == "tool_use":
                for item in _tool_output(block.id, block.name, call_arguments(block.input)):
                    if isinstance(item, TextDelta):
                        parts.append(item.text)
                    elif isinstance(item, ToolCall):
                        calls.append(item)
        usage = _usage(message.usage)
        return Completion("".join(parts), usage, tuple(calls))

    async def _count_once(
        self, client: anthropic.AsyncAnthropic, model: str, request: CompletionRequest
    ) -> int | None:
        arguments = self._arguments(model, request)
        counted = await client.messages.count_tokens(
            model=model,
            messages=arguments["messages"],
            **({"system": arguments["system"]} if "system" in arguments else {}),
        )
        return counted.input_tokens

    def _sdk_failure(self, exc: Exception, model: str) -> Failure | None:
        name = self.display_name
        if isinstance(exc, anthropic.APIStatusError) and exc.status_code < 400:
            # An `error` event inside a stream that had started well (HTTP 200).
            return Failure(
                ProviderErrorKind.UPSTREAM,
                f"{name} failed mid-answer: {exc.api_message or exc.message}",
                retryable=exc.type in ("overloaded_error", "api_error"),
            )
        if isinstance(exc, anthropic.APIStatusError):
            return status_failure(
                name,
                exc.status_code,
                exc.api_message or exc.message,
                model=model,
                retry_after=parse_retry_after(exc.response.headers),
            )
        if isinstance(exc, anthropic.APITimeoutError):
            return transport_failure(name, exc) or Failure(
                ProviderErrorKind.TIMEOUT, f"{name} did not answer in time"
            )
        if isinstance(exc, anthropic.APIConnectionError):
            return transport_failure(name, exc) or Failure(
                ProviderErrorKind.UPSTREAM, f"The connection to {name} failed", retryable=True
            )
        if isinstance(exc, anthropic.APIError):
            return Failure(ProviderErrorKind.UPSTREAM, f"{name} failed mid-answer: {exc.message}")
        return None


def _tool_output(use_id: str, name: str, arguments: dict[str, Any]) -> list[StreamEvent]:
    """A tool use block as what it means: the answer itself when it is the schema's tool
    (its input, as JSON text), a tool call otherwise."""
    if name == SCHEMA_TOOL:
        return [TextDelta(json.dumps(arguments, ensure_ascii=False, indent=2))]
    return [ToolCall(use_id, name, arguments)]


def _usage(usage: AnthropicUsage | MessageDeltaUsage) -> Usage:
    """Anthropic's counts as ours: its `input_tokens` leave out cache reads and writes, which
    it reports apart, so the prompt's tokens are the three added up. Thinking is counted
    in `output_tokens`, and on its own in `output_tokens_details.thinking_tokens`."""
    details = usage.output_tokens_details
    read = usage.cache_read_input_tokens
    written = usage.cache_creation_input_tokens
    input_tokens = None
    if usage.input_tokens is not None:
        input_tokens = usage.input_tokens + (read or 0) + (written or 0)
    return Usage(
        input_tokens,
        usage.output_tokens,
        cached_input_tokens=read,
        cache_write_tokens=written,
        reasoning_tokens=details.thinking_tokens if details is not None else None,
    )


def _merged(start: Usage, delta: Usage) -> Usage:
    """message_start's counts, updated by what message_delta reports."""
    return Usage(
        delta.input_tokens or start.input_tokens,
        delta.output_tokens if delta.output_tokens is not None else start.output_tokens,
        cached_input_tokens=(
            delta.cached_input_tokens
            if delta.cached_input_tokens is not None
            else start.cached_input_tokens
        ),
        cache_write_tokens=(
            delta.cache_write_tokens
            if delta.cache_write_tokens is not None
            else start.cache_write_tokens
        ),
        reasoning_tokens=(
            delta.reasoning_tokens if delta.reasoning_tokens is not None else start.reasoning_tokens
        ),
    )
