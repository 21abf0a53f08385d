"""Test a stored provider key: the provider's cheapest authenticated call (list models)."""

from __future__ import annotations

from promptpro.providers.registry import ProviderRegistry
from promptpro.providers.verify import builtin_client, builtin_listing, check
from promptpro.schemas.endpoints import KeyCheck
from promptpro.services.keys import KeyService


async def verify_key(keys: KeyService, providers: ProviderRegistry, provider: str) -> KeyCheck:
    """`valid`, `refused` or `unreachable` for the user's key (NeedsKey if none is stored)."""
    key = await keys.decrypted_key(provider)
    name = providers.get(provider).display_name
    async with builtin_client(providers.config) as client:
        verdict = await check(client, builtin_listing(provider, providers.config, key), name, key)
    return KeyCheck(status=verdict.status, detail=verdict.detail)
