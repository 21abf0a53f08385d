"""Which adapter serves which provider id, built from the base URLs and timeouts."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from promptpro.errors import ProviderError, ProviderErrorKind
from promptpro.providers.base import Provider, SdkProvider
from promptpro.providers.clients import ClientCache
from promptpro.providers.types import (
    Completion,
    CompletionRequest,
    ModelRef,
    RetryPolicy,
    StreamEvent,
    Timeouts,
    parse_model_id,
)
from promptpro.security.outgoing import OutgoingGuard

if TYPE_CHECKING:
    from promptpro.config import Settings
    from promptpro.providers.endpoints import EndpointProvider
    from promptpro.providers.openai import OpenAIProvider

# The adapters' modules import their SDKs (about 2 s together, most of it anthropic's and
# openai's types): they are imported when a registry is built, not when this module is, so
# a command that only names the registry (`promptpro keys`, `db`, …) starts at once.


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """What the adapters need from the settings; each base URL exactly as its SDK takes it."""

    openai_base_url: str = "https://api.openai.com/v1"
    xai_base_url: str = "https://api.x.ai/v1"
    anthropic_base_url: str = "https://api.anthropic.com"
    gemini_base_url: str = "https://generativelanguage.googleapis.com"
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    client_cache_size: int = 256
    # Own endpoints: reached only through the outgoing guard (security/outgoing.py).
    allow_private_endpoints: bool = False
    endpoint_max_response_bytes: int = 10 * 1024 * 1024

    @classmethod
    def from_settings(cls, settings: Settings) -> ProviderConfig:
        """The provider part of the application settings."""
        return cls(
            openai_base_url=settings.openai_base_url,
            xai_base_url=settings.xai_base_url,
            anthropic_base_url=settings.anthropic_base_url,
            gemini_base_url=settings.gemini_base_url,
            timeouts=Timeouts(
                connect=settings.connect_timeout,
                first_token=settings.first_token_timeout,
                total=settings.run_timeout,
            ),
            allow_private_endpoints=settings.allow_private_endpoints,
            endpoint_max_response_bytes=settings.endpoint_max_response_bytes,
        )


class ProviderRegistry:
    """The providers by id: openai, anthropic, gemini and xai, plus any registered later.

    The built-in adapters share one client cache, so `evict()` after a key changes reaches
    every client made with the old key.
    """

    def __init__(self, config: ProviderConfig | None = None) -> None:
        self.config = config or ProviderConfig()
        self.clients = ClientCache(self.config.client_cache_size)
        self._providers: dict[str, Provider] = {}
        self.guard = OutgoingGuard(
            allow_private=self.config.allow_private_endpoints,
            max_response_bytes=self.config.endpoint_max_response_bytes,
            timeout=self.config.timeouts.connect,
        )
        from promptpro.providers.anthropic import AnthropicProvider
        from promptpro.providers.gemini import GeminiProvider
        from promptpro.providers.openai import OpenAIProvider, XAIProvider

        config, clients = self.config, self.clients
        timeouts, retry = config.timeouts, config.retry
        adapters: list[tuple[type[SdkProvider[Any]], str]] = [
            (OpenAIProvider, config.openai_base_url),
            (AnthropicProvider, config.anthropic_base_url),
            (GeminiProvider, config.gemini_base_url),
            (XAIProvider, config.xai_base_url),
        ]
        for adapter, base_url in adapters:
            self.register(
                adapter(base_url=base_url, timeouts=timeouts, retry=retry, clients=clients)
            )

    def register(self, provider: Provider, *, replace: bool = False) -> None:
        """Add a provider under its id (replace=True to swap out an existing one)."""
        if provider.id in self._providers and not replace:
            raise ValueError(f"a provider with id {provider.id!r} is already registered")
        self._providers[provider.id] = provider

    def add_openai_compatible(
        self,
        provider_id: str,
        *,
        display_name: str,
        base_url: str,
        max_tokens_field: str = "max_tokens",
    ) -> OpenAIProvider:
        """Register an OpenAI-compatible endpoint (Ollama, vLLM, ...) under its own id."""
        from promptpro.providers.openai import OpenAICompatibleProvider

        provider = OpenAICompatibleProvider(
            provider_id=provider_id,
            display_name=display_name,
            base_url=base_url,
            timeouts=self.config.timeouts,
            retry=self.config.retry,
            clients=self.clients,
        )
        provider.max_tokens_field = max_tokens_field
        self.register(provider)
        return provider

    def endpoint(self, name: str, base_url: str) -> EndpointProvider:
        """The adapter for a user's own endpoint: not registered, reached through the guard.

        It shares the client cache (a client per name, key and base URL), so building one
        per run costs nothing once its client exists.
        """
        from promptpro.providers.endpoints import EndpointProvider

        return EndpointProvider(
            provider_id=name,
            display_name=name,
            base_url=base_url,
            timeouts=self.config.timeouts,
            retry=self.config.retry,
            clients=self.clients,
            guard=self.guard,
        )

    def get(self, provider_id: str) -> Provider:
        """The provider with this id, or ProviderError(UNKNOWN_MODEL) naming the known ones."""
        try:
            return self._providers[provider_id]
        except KeyError:
            known = ", ".join(sorted(self._providers))
            raise ProviderError(
                f"There is no provider {provider_id!r} (known: {known})",
                kind=ProviderErrorKind.UNKNOWN_MODEL,
                provider=provider_id,
            ) from None

    def resolve(self, model_id: str) -> tuple[Provider, ModelRef]:
        """The provider of a `provider/model` id, and the parsed id (Invalid if malformed)."""
        ref = parse_model_id(model_id)
        return self.get(ref.provider), ref

    def stream(
        self, request: CompletionRequest, *, api_key: str
    ) -> AsyncGenerator[StreamEvent, None]:
        """Stream the request on its model's provider (see Provider.stream)."""
        provider, _ = self.resolve(request.model)
        return provider.stream(request, api_key=api_key)

    async def complete(self, request: CompletionRequest, *, api_key: str) -> Completion:
        """Run the request on its model's provider without streaming (see Provider.complete)."""
        provider, _ = self.resolve(request.model)
        return await provider.complete(request, api_key=api_key)

    def evict(self, provider_id: str, api_key: str) -> int:
        """Drop the cached SDK clients of a key that changed or was removed."""
        return self.clients.evict(provider_id, api_key)

    async def aclose(self) -> None:
        """Close every cached SDK client (application shutdown)."""
        await self.clients.aclose()

    def ids(self) -> list[str]:
        """The registered provider ids, in registration order."""
        return list(self._providers)

    def __contains__(self, provider_id: object) -> bool:
        return provider_id in self._providers

    def __iter__(self) -> Iterator[Provider]:
        return iter(list(self._providers.values()))
