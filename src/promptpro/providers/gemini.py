"""Google's Gemini API through the `google-genai` SDK."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncGenerator, Iterator
from typing import Any, cast

from google import genai
from google.genai import errors as genai_errors
from google.genai import types as genai_types

from promptpro.errors import ProviderErrorKind
from promptpro.providers.base import SdkProvider
from promptpro.providers.clients import shared_ssl_context
from promptpro.providers.failures import Failure, StreamCut, parse_retry_after, status_failure
from promptpro.providers.types import (
    Completion,
    CompletionRequest,
    StreamEvent,
    TextDelta,
    ToolCall,
    Usage,
)
from promptpro.providers.wire import MADE_UP_ID, gemini_contents, gemini_tools, system_text

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


class GeminiProvider(SdkProvider[genai.Client]):
    """Gemini models via generateContent / streamGenerateContent (?alt=sse).

    google-genai has a single timeout per request, not a separate connect timeout: a host
    that never accepts the connection is caught by our first-token timeout instead.
    """

    default_id = "gemini"
    default_display_name = "Google Gemini"
    default_base_url = "https://generativelanguage.googleapis.com"

    def _create_client(self, api_key: str) -> genai.Client:
        options = genai_types.HttpOptions(
            base_url=self.base_url,
            timeout=int(self.timeouts.total * 1000),  # milliseconds
            # One attempt: without retry options the SDK silently retries connection errors
            # after sleeping 1-10 s; our RetryPolicy decides instead.
            retry_options=genai_types.HttpRetryOptions(attempts=1),
            # "verify" is for its httpx clients, "ssl" for its aiohttp session.
            client_args={"verify": shared_ssl_context()},
            async_client_args={"verify": shared_ssl_context(), "ssl": shared_ssl_context()},
        )
        return genai.Client(api_key=api_key, vertexai=False, http_options=options)

    async def _close_client(self, client: genai.Client) -> None:
        await client.aio.aclose()

    def _config(self, request: CompletionRequest) -> genai_types.GenerateContentConfig:
        parameters = request.parameters
        config = genai_types.GenerateContentConfig(
            system_instruction=system_text(request.conversation()),
            temperature=parameters.temperature,
            top_p=parameters.top_p,
            max_output_tokens=parameters.max_tokens,
            stop_sequences=list(parameters.stop) if parameters.stop else None,
            # Tools are only declared: the calls come back to the user, never run by the SDK.
            automatic_function_calling=genai_types.AutomaticFunctionCallingConfig(disable=True),
        )
        if request.tools:
            config.tools = [
                genai_types.Tool.model_validate(tool) for tool in gemini_tools(request.tools)
            ]
        if request.schema is not None:
            config.response_mime_type = "application/json"
            config.response_schema = dict(request.schema)
        return config

    def _contents(self, request: CompletionRequest) -> Any:
        """A text prompt as it is; a conversation as Gemini's contents (roles user/model)."""
        if not request.messages:
            return request.prompt
        return [genai_types.Content.model_validate(c) for c in gemini_contents(request.messages)]

    async def _events(
        self, client: genai.Client, model: str, request: CompletionRequest
    ) -> AsyncGenerator[StreamEvent, None]:
        chunks = await client.aio.models.generate_content_stream(
            model=model, contents=self._contents(request), config=self._config(request)
        )
        usage = Usage()
        finished = False
        calls: list[ToolCall] = []
        async with contextlib.aclosing(cast("AsyncGenerator[Any, None]", chunks)):
            async for chunk in chunks:
                if chunk.usage_metadata is not None:
                    usage = _usage(chunk.usage_metadata)  # running totals: the last one counts
                for text in _texts(chunk):
                    yield TextDelta(text)
                calls += _calls(chunk, len(calls))
                if any(c.finish_reason is not None for c in chunk.candidates or ()):
                    finished = True
        if not finished:
            raise StreamCut()
        for call in calls:
            yield call
        yield usage

    async def _complete_once(
        self, client: genai.Client, model: str, request: CompletionRequest
    ) -> Completion:
        response = await client.aio.models.generate_content(
            model=model, contents=self._contents(request), config=self._config(request)
        )
        usage = _usage(response.usage_metadata) if response.usage_metadata else Usage()
        return Completion("".join(_texts(response)), usage, tuple(_calls(response, 0)))

    async def _count_once(
        self, client: genai.Client, model: str, request: CompletionRequest
    ) -> int | None:
        # The Gemini API's countTokens takes no system instruction: it is counted as text.
        system = request.parameters.system
        contents: list[str] = [system, request.prompt] if system else [request.prompt]
        counted = await client.aio.models.count_tokens(model=model, contents=contents)
        return counted.total_tokens

    def _sdk_failure(self, exc: Exception, model: str) -> Failure | None:
        if not isinstance(exc, genai_errors.APIError):
            return None
        message = exc.message or exc.status or ""
        status = exc.code
        # Gemini answers a wrong key with 400 INVALID_ARGUMENT, reason API_KEY_INVALID.
        if status == 400 and ("API_KEY_INVALID" in str(exc.details) or "API key" in message):
            return Failure(
                ProviderErrorKind.BAD_KEY,
                f"{self.display_name} refused the API key (HTTP 400): {message}",
            )
        headers = getattr(exc.response, "headers", None)
        retry_after = _retry_delay(exc.details)
        if retry_after is None and headers is not None:
            retry_after = parse_retry_after({k.lower(): v for k, v in headers.items()})
        return status_failure(
            self.display_name, status or 500, message, model=model, retry_after=retry_after
        )


def _texts(response: genai_types.GenerateContentResponse) -> Iterator[str]:
    """The answer's text parts of the first candidate (thought summaries left out)."""
    if not response.candidates:
        return
    content = response.candidates[0].content
    for part in (content.parts if content else None) or ():
        if part.text and not part.thought:
            yield part.text


def _calls(response: genai_types.GenerateContentResponse, start: int) -> list[ToolCall]:
    """The function calls of the first candidate; Gemini may leave out their ids, so those
    get one of ours (`gemini-call-<n>`, counted across the answer from `start`), which is
    never sent back to Gemini (providers/wire.py)."""
    if not response.candidates:
        return []
    content = response.candidates[0].content
    calls: list[ToolCall] = []
    for part in (content.parts if content else None) or ():
        call = part.function_call
        if call is not None:
            number = start + len(calls)
            call_id = call.id or f"{MADE_UP_ID}{number}"
            calls.append(ToolCall(call_id, call.name or "", call.args or {}))
    return calls


def _usage(metadata: genai_types.GenerateContentResponseUsageMetadata) -> Usage:
    """Input and output tokens; thinking tokens are billed as output, so they count as output
    (Gemini leaves them out of `candidatesTokenCount`), and are kept as reasoning tokens too.
    Cached tokens are part of `promptTokenCount`."""
    thoughts = metadata.thoughts_token_count
    output = metadata.candidates_token_count
    if thoughts:
        output = (output or 0) + thoughts
    return Usage(
        metadata.prompt_token_count,
        output,
        cached_input_tokens=metadata.cached_content_token_count,
        reasoning_tokens=thoughts,
    )


def _retry_delay(details: object) -> float | None:
    """RetryInfo.retryDelay ("37s") from a Google error body, in seconds."""
    error = details.get("error", details) if isinstance(details, dict) else None
    entries = error.get("details") if isinstance(error, dict) else None
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, dict) and str(entry.get("@type", "")).endswith("RetryInfo"):
            match = _DURATION.match(str(entry.get("retryDelay", "")))
            if match:
                return float(match.group(1))
    return None
