"""The bodies the fake provider server sends: each provider's real JSON and SSE shapes."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Frame = tuple[bytes, bool]  # (bytes to write, whether the frame carries answer text)


@dataclass(frozen=True)
class Extra:
    """The token counts beyond input and output that a script makes the fake report.

    In PromptPro's terms: `cached` and `cache_write` are parts of the input tokens,
    `reasoning` of the output; each provider's body spells them its own way. None: not
    reported at all. `reasoning_apart`: reasoning left out of `completion_tokens` (xAI).
    """

    cached: int | None = None
    cache_write: int | None = None
    reasoning: int | None = None
    reasoning_apart: bool = False


NO_EXTRA = Extra()

ERROR_STATUS = {
    # HTTP status -> (OpenAI type/code, Anthropic type, Gemini status)
    400: ("invalid_request_error", "invalid_request_error", "INVALID_ARGUMENT"),
    401: ("invalid_api_key", "authentication_error", "UNAUTHENTICATED"),
    403: ("permission_denied", "permission_error", "PERMISSION_DENIED"),
    404: ("model_not_found", "not_found_error", "NOT_FOUND"),
    429: ("rate_limit_exceeded", "rate_limit_error", "RESOURCE_EXHAUSTED"),
    500: ("server_error", "api_error", "INTERNAL"),
    503: ("server_error", "overloaded_error", "UNAVAILABLE"),
    529: ("server_error", "overloaded_error", "UNAVAILABLE"),
}


def split_text(text: str, chunks: int) -> list[str]:
    """Cut the answer into `chunks` non-empty pieces of about the same length."""
    count = max(1, min(chunks, len(text)))
    size = len(text)
    return [text[i * size // count : (i + 1) * size // count] for i in range(count)]


def default_error_message(provider: str, status: int, model: str) -> str:
    """What the real provider says for this status, more or less."""
    if status == 401:
        return {
            "anthropic": "invalid x-api-key",
            "gemini": "API key not valid. Please pass a valid API key.",
        }.get(provider, "Incorrect API key provided.")
    if status == 404:
        if provider == "gemini":
            return f"models/{model} is not found for API version v1beta."
        return f"The model `{model}` does not exist or you do not have access to it."
    if status == 429:
        return "Rate limit reached for requests. Please try again later."
    if status >= 500:
        return "The server had an error while processing your request."
    return "The request was rejected."


def error_body(
    provider: str, status: int, message: str, retry_after: float | None
) -> dict[str, Any]:
    """The JSON error document each provider sends with a failed status."""
    openai_code, anthropic_type, gemini_status = ERROR_STATUS.get(
        status, ("server_error", "api_error", "UNKNOWN")
    )
    if provider == "anthropic":
        return {"type": "error", "error": {"type": anthropic_type, "message": message}}
    if provider == "gemini":
        details: list[dict[str, Any]] = []
        if "API key not valid" in message:
            details.append(
                {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}
            )
        if retry_after is not None:
            details.append(
                {
                    "@type": "type.googleapis.com/google.rpc.RetryInfo",
                    "retryDelay": f"{retry_after}s",
                }
            )
        error = {"code": status, "message": message, "status": gemini_status, "details": details}
        return {"error": error}
    kind = "invalid_request_error" if status < 500 else "server_error"
    if status == 429:
        kind = "requests"
    return {"error": {"message": message, "type": kind, "param": None, "code": openai_code}}


def _sse(data: dict[str, Any], event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def _openai_chunk(model: str, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_fake",
        "choices": [choice],
    }


# A tool call the fake answers with: {"id": ..., "name": ..., "arguments": {...}}.
Call = dict[str, Any]


def _call_id(call: Call, index: int, prefix: str) -> str:
    return str(call.get("id") or f"{prefix}_fake_{index}")


def openai_usage(input_tokens: int, output_tokens: int, extra: Extra = NO_EXTRA) -> dict[str, Any]:
    """A chat completion's `usage`, with the details objects when a count is reported."""
    completion = output_tokens
    if extra.reasoning_apart and extra.reasoning:
        completion -= extra.reasoning  # xAI: total = prompt + completion + reasoning
    usage: dict[str, Any] = {
        "prompt_tokens": input_tokens,
        "completion_tokens": completion,
        "total_tokens": input_tokens + output_tokens,
    }
    if extra.cached is not None:
        usage["prompt_tokens_details"] = {"cached_tokens": extra.cached, "audio_tokens": 0}
    if extra.reasoning is not None:
        usage["completion_tokens_details"] = {"reasoning_tokens": extra.reasoning}
    return usage


def openai_complete(
    model: str,
    text: str,
    input_tokens: int,
    output_tokens: int,
    extra: Extra = NO_EXTRA,
    calls: Sequence[Call] = (),
) -> dict[str, Any]:
    """A chat.completion document (with tool calls, when there are any)."""
    message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None}
    finish = "stop"
    if calls:
        finish = "tool_calls"
        message["content"] = text or None
        message["tool_calls"] = [
            {
                "id": _call_id(call, index, "call"),
                "type": "function",
                "function": {"name": call["name"], "arguments": json.dumps(call["arguments"])},
            }
            for index, call in enumerate(calls)
        ]
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_fake",
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": openai_usage(input_tokens, output_tokens, extra),
    }


def openai_stream(
    model: str,
    pieces: list[str],
    input_tokens: int,
    output_tokens: int,
    include_usage: bool,
    extra: Extra = NO_EXTRA,
    calls: Sequence[Call] = (),
) -> Iterator[Frame]:
    """chat.completion.chunk events (tool calls in pieces after the text), the usage chunk
    when asked for, then [DONE]."""
    yield _sse(_openai_chunk(model, {"role": "assistant", "content": ""}, None)), False
    for piece in pieces:
        yield _sse(_openai_chunk(model, {"content": piece}, None)), True
    for index, call in enumerate(calls):
        head = {
            "index": index,
            "id": _call_id(call, index, "call"),
            "type": "function",
            "function": {"name": call["name"], "arguments": ""},
        }
        yield _sse(_openai_chunk(model, {"tool_calls": [head]}, None)), True
        for part in split_text(json.dumps(call["arguments"]), 2):
            more = {"index": index, "function": {"arguments": part}}
            yield _sse(_openai_chunk(model, {"tool_calls": [more]}, None)), False
    yield _sse(_openai_chunk(model, {}, "tool_calls" if calls else "stop")), False
    if include_usage:
        usage = openai_usage(input_tokens, output_tokens, extra)
        final = _openai_chunk(model, {}, None) | {"choices": [], "usage": usage}
        yield _sse(final), False
    yield b"data: [DONE]\n\n", False


def anthropic_usage(
    input_tokens: int, output_tokens: int, extra: Extra = NO_EXTRA
) -> dict[str, Any]:
    """A message's `usage`: Anthropic's `input_tokens` leave out cache reads and writes."""
    usage: dict[str, Any] = {
        "input_tokens": input_tokens - (extra.cached or 0) - (extra.cache_write or 0),
        "output_tokens": output_tokens,
    }
    if extra.cached is not None:
        usage["cache_read_input_tokens"] = extra.cached
    if extra.cache_write is not None:
        usage["cache_creation_input_tokens"] = extra.cache_write
    if extra.reasoning is not None:
        usage["output_tokens_details"] = {"thinking_tokens": extra.reasoning}
    return usage


def _tool_use(call: Call, index: int) -> dict[str, Any]:
    return {
        "type": "tool_use",
        "id": _call_id(call, index, "toolu"),
        "name": call["name"],
        "input": call["arguments"],
    }


def anthropic_complete(
    model: str,
    text: str,
    input_tokens: int,
    output_tokens: int,
    extra: Extra = NO_EXTRA,
    calls: Sequence[Call] = (),
) -> dict[str, Any]:
    """A Messages API message (tool_use blocks after the text, when there are calls)."""
    content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text or not calls else []
    content += [_tool_use(call, index) for index, call in enumerate(calls)]
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": "tool_use" if calls else "end_turn",
        "stop_sequence": None,
        "usage": anthropic_usage(input_tokens, output_tokens, extra),
    }


def anthropic_stream(
    model: str,
    pieces: list[str],
    input_tokens: int,
    output_tokens: int,
    extra: Extra = NO_EXTRA,
    calls: Sequence[Call] = (),
) -> Iterator[Frame]:
    """message_start, one text block of deltas, a tool_use block per call (its input in
    input_json_delta pieces), message_delta with usage, message_stop."""
    start_extra = Extra(extra.cached, extra.cache_write)  # thinking is known at the end
    start = anthropic_complete(model, "", input_tokens, 1, start_extra) | {
        "content": [],
        "stop_reason": None,
    }
    yield _sse({"type": "message_start", "message": start}, "message_start"), False
    block = {
        "type": "content_block_start",
        "index": 0,
        "content_block": {"type": "text", "text": ""},
    }
    yield _sse(block, "content_block_start"), False
    yield _sse({"type": "ping"}, "ping"), False
    for piece in pieces:
        delta = {"type": "content_block_delta", "index": 0}
        delta["delta"] = {"type": "text_delta", "text": piece}
        yield _sse(delta, "content_block_delta"), True
    yield _sse({"type": "content_block_stop", "index": 0}, "content_block_stop"), False
    for number, call in enumerate(calls):
        index = number + 1
        start_block = {"type": "content_block_start", "index": index}
        start_block["content_block"] = _tool_use(call, number) | {"input": {}}
        yield _sse(start_block, "content_block_start"), True
        for part in split_text(json.dumps(call["arguments"]), 2):
            delta = {"type": "content_block_delta", "index": index}
            delta["delta"] = {"type": "input_json_delta", "partial_json": part}
            yield _sse(delta, "content_block_delta"), False
        yield _sse({"type": "content_block_stop", "index": index}, "content_block_stop"), False
    delta_usage: dict[str, Any] = {"output_tokens": output_tokens}
    if extra.reasoning is not None:
        delta_usage["output_tokens_details"] = {"thinking_tokens": extra.reasoning}
    message_delta = {
        "type": "message_delta",
        "delta": {"stop_reason": "tool_use" if calls else "end_turn", "stop_sequence": None},
        "usage": delta_usage,
    }
    yield _sse(message_delta, "message_delta"), False
    yield _sse({"type": "message_stop"}, "message_stop"), False


def gemini_usage(input_tokens: int, output_tokens: int, extra: Extra = NO_EXTRA) -> dict[str, Any]:
    """`usageMetadata`: cached tokens inside the prompt's, thoughts apart from the candidates'."""
    thoughts = extra.reasoning or 0
    usage: dict[str, Any] = {
        "promptTokenCount": input_tokens,
        "candidatesTokenCount": max(0, output_tokens - thoughts),
        "totalTokenCount": input_tokens + output_tokens,
    }
    if extra.cached is not None:
        usage["cachedContentTokenCount"] = extra.cached
    if extra.reasoning is not None:
        usage["thoughtsTokenCount"] = extra.reasoning
    return usage


def _gemini_chunk(
    model: str,
    text: str,
    finish: bool,
    input_tokens: int,
    output_tokens: int,
    extra: Extra = NO_EXTRA,
    calls: Sequence[Call] = (),
) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [{"text": text}] if text or not calls else []
    for call in calls:
        # Gemini often sends no id: the fake sends one only when the test gave it.
        function_call = {"name": call["name"], "args": call["arguments"]}
        if call.get("id"):
            function_call["id"] = call["id"]
        parts.append({"functionCall": function_call})
    candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
    if finish:
        candidate["finishReason"] = "STOP"
    return {
        "candidates": [candidate],
        "usageMetadata": gemini_usage(input_tokens, output_tokens, extra),
        "modelVersion": model,
        "responseId": "fake-response",
    }


def gemini_complete(
    model: str,
    text: str,
    input_tokens: int,
    output_tokens: int,
    extra: Extra = NO_EXTRA,
    calls: Sequence[Call] = (),
) -> dict[str, Any]:
    """A GenerateContentResponse (function calls after the text)."""
    return _gemini_chunk(model, text, True, input_tokens, output_tokens, extra, calls)


def gemini_stream(
    model: str,
    pieces: list[str],
    input_tokens: int,
    output_tokens: int,
    extra: Extra = NO_EXTRA,
    calls: Sequence[Call] = (),
) -> Iterator[Frame]:
    """streamGenerateContent?alt=sse: one response per piece, the last with finishReason
    (and the function calls)."""
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        # Gemini reports the running count of output tokens in every chunk.
        so_far = output_tokens if last else output_tokens * (index + 1) // len(pieces)
        chunk_extra = extra if last else Extra(extra.cached)
        chunk_calls = calls if last else ()
        chunk = _gemini_chunk(model, piece, last, input_tokens, so_far, chunk_extra, chunk_calls)
        yield _sse(chunk), True


def request_key(headers: Mapping[str, str], query: Mapping[str, str]) -> tuple[str, str | None]:
    """Which provider's way a request carries its key, and the key (None: no key at all)."""
    if "x-goog-api-key" in headers or "key" in query:
        return "gemini", headers.get("x-goog-api-key") or query.get("key")
    if "x-api-key" in headers:
        return "anthropic", headers["x-api-key"]
    authorization = headers.get("authorization", "")
    return "openai", authorization.removeprefix("Bearer ").strip() or None


def models_document(provider: str, names: list[str]) -> dict[str, Any]:
    """The provider's answer to listing its models."""
    if provider == "gemini":
        return {"models": [{"name": f"models/{name}", "displayName": name} for name in names]}
    if provider == "anthropic":
        return {
            "data": [{"type": "model", "id": name, "display_name": name} for name in names],
            "has_more": False,
        }
    return {"object": "list", "data": [{"id": name, "object": "model"} for name in names]}
