"""Each provider through its real SDK against the fake server: answers, usage, parameters."""

from __future__ import annotations

import pytest

from promptpro.errors import Invalid
from promptpro.providers.anthropic import DEFAULT_MAX_TOKENS
from promptpro.providers.registry import ProviderRegistry
from promptpro.providers.types import CompletionRequest, TextDelta, Usage
from promptpro.testing import FakeProviderServer
from tests.providers.helpers import (
    API_KEY,
    request_for,
    sent_key,
    streamed,
    wire_parameters,
)

TEXT = "The quick brown fox jumps over the lazy dog."


async def test_plain_call_returns_the_text_and_the_providers_token_counts(
    registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str
) -> None:
    fake.configure(text=TEXT, input_tokens=31, output_tokens=9)

    completion = await registry.complete(request_for(provider_id), api_key=API_KEY)

    assert completion.text == TEXT
    assert completion.usage == Usage(input_tokens=31, output_tokens=9)
    assert fake.last_request.stream is False


async def test_stream_yields_the_deltas_in_order_then_the_final_usage(
    registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str
) -> None:
    fake.configure(text=TEXT, chunks=5, input_tokens=40, output_tokens=11)

    deltas, usage = await streamed(registry, request_for(provider_id))

    assert len(deltas) == 5
    assert "".join(deltas) == TEXT
    assert usage == Usage(input_tokens=40, output_tokens=11)
    assert fake.last_request.stream is True


async def test_the_model_name_reaches_the_wire_without_the_provider_prefix(
    registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str
) -> None:
    await registry.complete(request_for(provider_id, model="some-model-1"), api_key=API_KEY)

    assert fake.last_request.provider == ("openai" if provider_id == "xai" else provider_id)
    assert fake.last_request.model == "some-model-1"


async def test_the_key_is_sent_in_the_providers_header(
    registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str
) -> None:
    await registry.complete(request_for(provider_id), api_key=API_KEY)

    assert sent_key(provider_id, fake.last_request.headers) == API_KEY


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "plain"])
async def test_every_parameter_reaches_the_wire_under_the_providers_name(
    registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str, stream: bool
) -> None:
    request = request_for(
        provider_id,
        prompt="Write a haiku",
        temperature=0.3,
        max_tokens=77,
        top_p=0.9,
        system="You are terse.",
        stop=["END", "STOP"],
    )

    if stream:
        await streamed(registry, request)
    else:
        await registry.complete(request, api_key=API_KEY)

    assert wire_parameters(provider_id, fake.last_request.body) == {
        "prompt": "Write a haiku",
        "system": "You are terse.",
        "temperature": 0.3,
        "top_p": 0.9,
        "max_tokens": 77,
        "stop": ["END", "STOP"],
    }


async def test_unset_parameters_are_left_to_the_provider(
    registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str
) -> None:
    await registry.complete(request_for(provider_id, prompt="Hi"), api_key=API_KEY)

    sent = wire_parameters(provider_id, fake.last_request.body)
    max_tokens = DEFAULT_MAX_TOKENS if provider_id == "anthropic" else None
    assert sent == {
        "prompt": "Hi",
        "system": None,
        "temperature": None,
        "top_p": None,
        "max_tokens": max_tokens,
        "stop": None,
    }


async def test_anthropic_gets_a_default_max_tokens_as_its_api_requires(
    registry: ProviderRegistry, fake: FakeProviderServer
) -> None:
    await streamed(registry, request_for("anthropic"))
    assert fake.last_request.body["max_tokens"] == DEFAULT_MAX_TOKENS

    await streamed(registry, request_for("anthropic", max_tokens=12))
    assert fake.last_request.body["max_tokens"] == 12


@pytest.mark.parametrize("provider", ["openai", "xai"])
async def test_openai_streams_ask_for_the_usage_chunk(
    registry: ProviderRegistry, fake: FakeProviderServer, provider: str
) -> None:
    await streamed(registry, request_for(provider))

    assert fake.last_request.body["stream_options"] == {"include_usage": True}
    assert fake.last_request.path == "/v1/chat/completions"


async def test_gemini_streams_over_sse(
    registry: ProviderRegistry, fake: FakeProviderServer
) -> None:
    await streamed(registry, request_for("gemini", model="gemini-2.5-flash"))

    assert fake.last_request.path.endswith("/models/gemini-2.5-flash:streamGenerateContent")
    assert fake.last_request.query == {"alt": "sse"}


async def test_an_openai_compatible_endpoint_gets_max_tokens_under_its_old_name(
    registry: ProviderRegistry, fake: FakeProviderServer
) -> None:
    registry.add_openai_compatible("ollama", display_name="Ollama", base_url=fake.openai_base_url)

    await registry.complete(request_for("ollama", model="llama3:8b", max_tokens=5), api_key="x")

    assert fake.last_request.body["max_tokens"] == 5
    assert "max_completion_tokens" not in fake.last_request.body
    assert fake.last_request.model == "llama3:8b"


async def test_a_model_name_may_contain_slashes(
    registry: ProviderRegistry, fake: FakeProviderServer
) -> None:
    await registry.complete(request_for("openai", model="meta-llama/Llama-3-8B"), api_key="k")

    assert fake.last_request.model == "meta-llama/Llama-3-8B"


async def test_an_adapter_refuses_another_providers_model(registry: ProviderRegistry) -> None:
    openai = registry.get("openai")

    with pytest.raises(Invalid) as caught:
        await openai.complete(CompletionRequest("anthropic/claude", "Hi"), api_key=API_KEY)
    assert caught.value.field == "model"


async def test_a_stream_closed_early_leaves_the_client_usable(
    registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str
) -> None:
    fake.configure(text=TEXT, chunks=6)
    events = registry.stream(request_for(provider_id), api_key=API_KEY)
    async for event in events:
        if isinstance(event, TextDelta):
            break
    await events.aclose()

    deltas, _ = await streamed(registry, request_for(provider_id))

    assert "".join(deltas) == TEXT
