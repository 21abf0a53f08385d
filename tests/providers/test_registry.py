"""The registry: ids to adapters, built from the settings."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from pathlib import Path

import pytest

from promptpro.config import Settings
from promptpro.errors import Invalid, ProviderError, ProviderErrorKind
from promptpro.providers.base import Provider, SdkProvider
from promptpro.providers.registry import ProviderConfig, ProviderRegistry
from promptpro.providers.types import (
    Completion,
    CompletionRequest,
    StreamEvent,
    TextDelta,
    Timeouts,
    Usage,
)
from tests.providers.helpers import request_for


class EchoProvider:
    """A provider that needs no network: what another layer's tests might register."""

    id = "echo"
    display_name = "Echo"

    async def stream(
        self, request: CompletionRequest, *, api_key: str
    ) -> AsyncGenerator[StreamEvent, None]:
        yield TextDelta(request.prompt)
        yield Usage(1, 1)

    async def complete(self, request: CompletionRequest, *, api_key: str) -> Completion:
        return Completion(request.prompt, Usage(1, 1))


def test_the_four_providers_are_registered_with_their_base_urls() -> None:
    config = ProviderConfig(
        openai_base_url="http://o/v1",
        xai_base_url="http://x/v1",
        anthropic_base_url="http://a",
        gemini_base_url="http://g",
    )
    registry = ProviderRegistry(config)

    assert registry.ids() == ["openai", "anthropic", "gemini", "xai"]
    urls = {}
    for provider in registry:
        assert isinstance(provider, SdkProvider)
        urls[provider.id] = provider.base_url
    assert urls == {
        "openai": "http://o/v1",
        "anthropic": "http://a",
        "gemini": "http://g",
        "xai": "http://x/v1",
    }
    assert registry.get("xai").display_name == "xAI"


def test_the_config_comes_from_the_settings(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        xai_base_url="http://proxy/xai/v1",
        connect_timeout=3,
        first_token_timeout=4,
        run_timeout=5,
    )

    config = ProviderConfig.from_settings(settings)

    assert config.xai_base_url == "http://proxy/xai/v1"
    assert config.timeouts == Timeouts(connect=3, first_token=4, total=5)


def test_an_unknown_provider_is_an_unknown_model_error_naming_the_known_ones() -> None:
    registry = ProviderRegistry()

    with pytest.raises(ProviderError) as caught:
        registry.resolve("mistral/large")

    assert caught.value.kind is ProviderErrorKind.UNKNOWN_MODEL
    assert caught.value.provider == "mistral"
    assert "openai" in caught.value.detail


def test_a_malformed_model_id_is_invalid() -> None:
    with pytest.raises(Invalid):
        ProviderRegistry().resolve("gpt-4o")


async def test_another_provider_can_be_registered_and_used() -> None:
    registry = ProviderRegistry()
    echo = EchoProvider()
    registry.register(echo)

    completion = await registry.complete(request_for("echo", prompt="ping"), api_key="")
    events = [event async for event in registry.stream(request_for("echo"), api_key="")]

    assert isinstance(echo, Provider)
    assert completion.text == "ping"
    assert events[-1] == Usage(1, 1)
    assert "echo" in registry


def test_an_id_is_not_taken_twice_unless_replaced() -> None:
    registry = ProviderRegistry()

    with pytest.raises(ValueError, match="already registered"):
        registry.register(EchoProvider())
        registry.register(EchoProvider())
    registry.register(EchoProvider(), replace=True)
