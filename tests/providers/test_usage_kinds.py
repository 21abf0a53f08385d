"""Cached, cache-write and reasoning tokens, as each provider reports them, streamed and not."""

from __future__ import annotations

import pytest

from promptpro.providers.registry import ProviderRegistry
from promptpro.providers.types import Usage
from promptpro.testing import FakeProviderServer
from tests.providers.helpers import API_KEY, request_for, streamed

# What each provider can report beyond input and output tokens (None: it has no such count).
REPORTED = {
    "openai": Usage(100, 40, cached_input_tokens=60, reasoning_tokens=25),
    "xai": Usage(100, 40, cached_input_tokens=60, reasoning_tokens=25),
    "anthropic": Usage(100, 40, cached_input_tokens=60, cache_write_tokens=30, reasoning_tokens=25),
    "gemini": Usage(100, 40, cached_input_tokens=60, reasoning_tokens=25),
}


async def _usage(registry: ProviderRegistry, provider_id: str, stream: bool) -> Usage:
    request = request_for(provider_id)
    if not stream:
        return (await registry.complete(request, api_key=API_KEY)).usage
    _, usage = await streamed(registry, request)
    return usage


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "plain"])
async def test_each_provider_reports_its_cached_cache_write_and_reasoning_tokens(
    registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str, stream: bool
) -> None:
    fake.configure(
        input_tokens=100,
        output_tokens=40,
        cached_input_tokens=60,
        cache_write_tokens=30,
        reasoning_tokens=25,
    )

    assert await _usage(registry, provider_id, stream) == REPORTED[provider_id]


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "plain"])
async def test_without_those_counts_they_stay_unknown(
    registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str, stream: bool
) -> None:
    fake.configure(input_tokens=10, output_tokens=5)

    assert await _usage(registry, provider_id, stream) == Usage(10, 5)


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "plain"])
async def test_reasoning_left_out_of_completion_tokens_is_added_to_the_output(
    registry: ProviderRegistry, fake: FakeProviderServer, stream: bool
) -> None:
    # xAI's completion_tokens leave reasoning out; its total_tokens adds it on top.
    fake.configure(input_tokens=10, output_tokens=50, reasoning_tokens=45, reasoning_apart=True)

    usage = await _usage(registry, "xai", stream)

    assert usage == Usage(10, 50, reasoning_tokens=45)
    wire = fake.last_request
    assert wire.provider == "openai"


async def test_anthropics_input_tokens_are_the_sum_of_its_three_counts(
    registry: ProviderRegistry, fake: FakeProviderServer
) -> None:
    # The wire says input_tokens=10 beside 60 read from and 30 written to the cache.
    fake.configure(input_tokens=100, output_tokens=4, cached_input_tokens=60, cache_write_tokens=30)

    usage = await _usage(registry, "anthropic", stream=False)

    assert usage.input_tokens == 100
    assert (usage.cached_input_tokens, usage.cache_write_tokens) == (60, 30)
