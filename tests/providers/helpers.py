"""Small helpers shared by the provider tests."""

from __future__ import annotations

import socket
from typing import Any, Literal

import pytest

from promptpro.errors import ProviderError
from promptpro.providers.registry import ProviderConfig, ProviderRegistry
from promptpro.providers.types import (
    CompletionRequest,
    RetryPolicy,
    RunParameters,
    TextDelta,
    Timeouts,
    Usage,
)
from promptpro.testing import FakeProviderServer

API_KEY = "sk-test-0123456789abcdef"
PROVIDERS = ["openai", "anthropic", "gemini", "xai"]

# Generous for healthy calls, so a loaded CI machine never trips them (a first call also
# pays for lazy imports inside the SDKs)...
TEST_TIMEOUTS = Timeouts(connect=5.0, first_token=10.0, total=20.0)
# ...and short ones for the tests that wait for a timeout on purpose.
SHORT_TIMEOUTS = Timeouts(connect=1.0, first_token=0.25, total=0.5)
TEST_RETRY = RetryPolicy(max_retries=2, backoff_base=0.001, max_wait=0.5)


Mode = Literal["stream", "complete"]
MODES: list[Mode] = ["stream", "complete"]


def config_for(
    server: FakeProviderServer,
    timeouts: Timeouts = TEST_TIMEOUTS,
    retry: RetryPolicy = TEST_RETRY,
) -> ProviderConfig:
    """A ProviderConfig that sends every provider to the fake server."""
    return ProviderConfig(
        openai_base_url=server.openai_base_url,
        xai_base_url=server.xai_base_url,
        anthropic_base_url=server.anthropic_base_url,
        gemini_base_url=server.gemini_base_url,
        timeouts=timeouts,
        retry=retry,
    )


def request_for(
    provider_id: str, model: str = "model-x", prompt: str = "Say hi", **parameters: Any
) -> CompletionRequest:
    """A request for `provider_id/model` with the given RunParameters."""
    return CompletionRequest(f"{provider_id}/{model}", prompt, RunParameters(**parameters))


async def streamed(
    registry: ProviderRegistry, request: CompletionRequest, api_key: str = API_KEY
) -> tuple[list[str], Usage]:
    """The text deltas of a stream, in order, and its final Usage (its last event: counts
    reported earlier, such as Anthropic's input tokens at the start, may come before)."""
    deltas: list[str] = []
    last: object = None
    async for event in registry.stream(request, api_key=api_key):
        if isinstance(event, TextDelta):
            deltas.append(event.text)
        last = event
    assert isinstance(last, Usage), "the stream did not end with its Usage"
    return deltas, last


async def failure(
    registry: ProviderRegistry, request: CompletionRequest, mode: Mode, api_key: str = API_KEY
) -> tuple[str, ProviderError]:
    """Run the request until it fails: the text that arrived first, and the error."""
    text: list[str] = []
    with pytest.raises(ProviderError) as caught:
        if mode == "complete":
            await registry.complete(request, api_key=api_key)
        else:
            async for event in registry.stream(request, api_key=api_key):
                if isinstance(event, TextDelta):
                    text.append(event.text)
    return "".join(text), caught.value


def unused_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def wire_parameters(provider_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """The run parameters as they appear in one provider's request body, by our names."""
    if provider_id in ("openai", "xai"):
        messages = body["messages"]
        system = [m["content"] for m in messages if m["role"] == "system"]
        return {
            "prompt": messages[-1]["content"],
            "system": system[0] if system else None,
            "temperature": body.get("temperature"),
            "top_p": body.get("top_p"),
            "max_tokens": body.get("max_completion_tokens"),
            "stop": body.get("stop"),
        }
    if provider_id == "anthropic":
        return {
            "prompt": body["messages"][0]["content"],
            "system": body.get("system"),
            "temperature": body.get("temperature"),
            "top_p": body.get("top_p"),
            "max_tokens": body["max_tokens"],
            "stop": body.get("stop_sequences"),
        }
    config = body.get("generationConfig", {})
    instruction = body.get("systemInstruction")
    return {
        "prompt": body["contents"][0]["parts"][0]["text"],
        "system": instruction["parts"][0]["text"] if instruction else None,
        "temperature": config.get("temperature"),
        "top_p": config.get("topP"),
        "max_tokens": config.get("maxOutputTokens"),
        "stop": config.get("stopSequences"),
    }


def sent_key(provider_id: str, headers: dict[str, str]) -> str | None:
    """The API key as the request carried it, in the header that provider's SDK uses."""
    if provider_id == "gemini":
        return headers.get("x-goog-api-key")
    if provider_id == "anthropic" and "x-api-key" in headers:
        return headers["x-api-key"]
    authorization = headers.get("authorization", "")
    return authorization.removeprefix("Bearer ") if authorization.startswith("Bearer ") else None
