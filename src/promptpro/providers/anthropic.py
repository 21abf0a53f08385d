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
        input_tokens: int | None = None
        output_tokens: int | None = None
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
                    input_tokens = _input_tokens(event.message.usage)
                    output_tokens = event.message.usage.output_tokens
                elif isinstance(event, RawMessageDeltaEvent):
                    # message_delta carries the final, cumulative counts.
                    output_tokens = event.usage.output_tokens
                    input_tokens = _input_tokens(event.usage) or input_tokens
                elif isinstance(event, RawMessageStopEvent):
                    finished = True
        if not finished:
            raise StreamCut()
        yield Usage(input_tokens, output_tokens)

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
        usage = Usage(_input_tokens(message.usage), message.usage.output_tokens)
        return Completion("".join(parts), usage, tuple(calls))

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


def _input_tokens(usage: AnthropicUsage | MessageDeltaUsage) -> int | None:
    """All the prompt's tokens: Anthropic counts cache writes and reads apart from the rest."""
    if usage.input_tokens is None:
        return None
    return (
        usage.input_tokens
        + (usage.cache_creation_input_tokens or 0)
        + (usage.cache_read_input_tokens or 0)
    )
