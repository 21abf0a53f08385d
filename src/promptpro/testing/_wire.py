"""The bodies the fake provider server sends: each provider's real JSON and SSE shapes."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from typing import Any

Frame = tuple[bytes, bool]  # (bytes to write, whether the frame carries answer text)

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


def openai_complete(model: str, text: str, input_tokens: int, output_tokens: int) -> dict[str, Any]:
    """A chat.completion document."""
    message = {"role": "assistant", "content": text, "refusal": None}
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_fake",
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": input_tokens,
            "completion_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
        },
    }


def openai_stream(
    model: str, pieces: list[str], input_tokens: int, output_tokens: int, include_usage: bool
) -> Iterator[Frame]:
    """chat.completion.chunk events, the usage chunk when asked for, then [DONE]."""
    yield _sse(_openai_chunk(model, {"role": "assistant", "content": ""}, None)), False
    for piece in pieces:
        yield _sse(_openai_chunk(model, {"content": piece}, None)), True
    yield _sse(_openai_chunk(model, {}, "stop")), False
    if include_usage:
        usage = {
            "prompt_tokens": input_tokens,
            "completion_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
        }
        final = _openai_chunk(model, {}, None) | {"choices": [], "usage": usage}
        yield _sse(final), False
    yield b"data: [DONE]\n\n", False


def anthropic_complete(
    model: str, text: str, input_tokens: int, output_tokens: int
) -> dict[str, Any]:
    """A Messages API message."""
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
    }


def anthropic_stream(
    model: str, pieces: list[str], input_tokens: int, output_tokens: int
) -> Iterator[Frame]:
    """message_start, one text block of deltas, message_delta with usage, message_stop."""
    start = anthropic_complete(model, "", input_tokens, 1) | {"content": [], "stop_reason": None}
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
    message_delta = {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn", "stop_sequence": None},
        "usage": {"output_tokens": output_tokens},
    }
    yield _sse(message_delta, "message_delta"), False
    yield _sse({"type": "message_stop"}, "message_stop"), False


def _gemini_chunk(
    model: str, text: str, finish: bool, input_tokens: int, output_tokens: int
) -> dict[str, Any]:
    candidate: dict[str, Any] = {
        "content": {"parts": [{"text": text}], "role": "model"},
        "index": 0,
    }
    if finish:
        candidate["finishReason"] = "STOP"
    return {
        "candidates": [candidate],
        "usageMetadata": {
            "promptTokenCount": input_tokens,
            "candidatesTokenCount": output_tokens,
            "totalTokenCount": input_tokens + output_tokens,
        },
        "modelVersion": model,
        "responseId": "fake-response",
    }


def gemini_complete(model: str, text: str, input_tokens: int, output_tokens: int) -> dict[str, Any]:
    """A GenerateContentResponse."""
    return _gemini_chunk(model, text, True, input_tokens, output_tokens)


def gemini_stream(
    model: str, pieces: list[str], input_tokens: int, output_tokens: int
) -> Iterator[Frame]:
    """streamGenerateContent?alt=sse: one response per piece, the last with finishReason."""
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        # Gemini reports the running count of output tokens in every chunk.
        so_far = output_tokens if last else output_tokens * (index + 1) // len(pieces)
        yield _sse(_gemini_chunk(model, piece, last, input_tokens, so_far)), True


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
