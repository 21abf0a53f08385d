"""AI providers behind one interface (after simonw/llm): adapters, registry, catalogue.

    registry = ProviderRegistry(ProviderConfig.from_settings(settings))
    request = CompletionRequest("openai/gpt-4o-mini", "Hello", RunParameters(temperature=0.2))
    async for event in registry.stream(request, api_key=key):
        ...  # TextDelta(text) events, then exactly one Usage(input_tokens, output_tokens)

Every failure is a promptpro.errors.ProviderError; nothing here persists anything.

Names are imported on first use: the SDKs take seconds to import, and code that only
needs the plain types (or the CLI) should not pay for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from promptpro.providers.anthropic import AnthropicProvider
    from promptpro.providers.base import Provider, SdkProvider, collect
    from promptpro.providers.catalogue import Catalogue, ModelInfo, get_catalogue
    from promptpro.providers.clients import ClientCache
    from promptpro.providers.gemini import GeminiProvider
    from promptpro.providers.openai import OpenAIProvider
    from promptpro.providers.registry import ProviderConfig, ProviderRegistry
    from promptpro.providers.types import (
        Completion,
        CompletionRequest,
        ModelRef,
        RetryPolicy,
        RunParameters,
        StreamEvent,
        TextDelta,
        Timeouts,
        Usage,
        parse_model_id,
    )

_HOMES = {
    "AnthropicProvider": "anthropic",
    "Provider": "base",
    "SdkProvider": "base",
    "collect": "base",
    "Catalogue": "catalogue",
    "ModelInfo": "catalogue",
    "get_catalogue": "catalogue",
    "ClientCache": "clients",
    "GeminiProvider": "gemini",
    "OpenAIProvider": "openai",
    "ProviderConfig": "registry",
    "ProviderRegistry": "registry",
}


def __getattr__(name: str) -> Any:
    module = _HOMES.get(name, "types" if name in __all__ else None)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


__all__ = [
    "AnthropicProvider",
    "Catalogue",
    "ClientCache",
    "Completion",
    "CompletionRequest",
    "GeminiProvider",
    "ModelInfo",
    "ModelRef",
    "OpenAIProvider",
    "Provider",
    "ProviderConfig",
    "ProviderRegistry",
    "RetryPolicy",
    "RunParameters",
    "SdkProvider",
    "StreamEvent",
    "TextDelta",
    "Timeouts",
    "Usage",
    "collect",
    "get_catalogue",
    "parse_model_id",
]
