"""The SDK client cache: reuse, bounds, eviction, and closing only what nobody uses."""

from __future__ import annotations

import asyncio

from promptpro.providers.clients import ClientCache, key_digest
from promptpro.providers.registry import ProviderRegistry
from promptpro.testing import FakeProviderServer
from tests.providers.helpers import API_KEY, request_for


class Client:
    """A stand-in SDK client that remembers being closed."""

    def __init__(self) -> None:
        self.closed = False


async def close(client: Client) -> None:
    client.closed = True


async def lease(cache: ClientCache, key: str, url: str = "http://x") -> Client:
    async with cache.lease("p", key, url, Client, close) as client:
        return client


async def test_one_client_per_key_and_base_url() -> None:
    cache = ClientCache()

    first = await lease(cache, "k1")

    assert await lease(cache, "k1") is first
    assert await lease(cache, "k2") is not first
    assert await lease(cache, "k1", "http://elsewhere") is not first
    assert len(cache) == 3


async def test_the_least_recently_used_client_goes_when_full_and_is_closed() -> None:
    cache = ClientCache(max_size=2)
    one = await lease(cache, "k1")
    two = await lease(cache, "k2")
    await lease(cache, "k1")  # k1 is now the most recent

    await lease(cache, "k3")
    await asyncio.sleep(0)  # closing runs as a task

    assert len(cache) == 2
    assert two.closed
    assert not one.closed


async def test_evicting_a_key_closes_its_clients_and_the_next_lease_builds_anew() -> None:
    cache = ClientCache()
    old = await lease(cache, "k1")
    await lease(cache, "k1", "http://elsewhere")
    other = await lease(cache, "k2")

    assert cache.evict("p", "k1") == 2
    await asyncio.sleep(0)

    assert old.closed
    assert not other.closed
    assert await lease(cache, "k1") is not old


async def test_a_client_in_use_is_closed_only_when_its_run_ends() -> None:
    cache = ClientCache()
    async with cache.lease("p", "k", "http://x", Client, close) as client:
        cache.evict("p", "k")
        await asyncio.sleep(0)
        assert not client.closed

    assert client.closed


async def test_aclose_closes_everything() -> None:
    cache = ClientCache()
    clients = [await lease(cache, f"k{i}") for i in range(3)]

    await cache.aclose()

    assert len(cache) == 0
    assert all(client.closed for client in clients)


def test_a_client_made_on_another_event_loop_is_not_reused() -> None:
    cache = ClientCache()
    first = asyncio.run(lease(cache, "k"))

    second = asyncio.run(lease(cache, "k"))

    assert second is not first


def test_the_cache_holds_a_hash_of_the_key_not_the_key() -> None:
    cache = ClientCache()
    asyncio.run(lease(cache, API_KEY))

    assert API_KEY not in repr(cache._entries)
    assert key_digest(API_KEY) in repr(list(cache._entries))


async def test_runs_with_the_same_key_share_one_sdk_client(
    registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str
) -> None:
    await registry.complete(request_for(provider_id), api_key=API_KEY)
    await registry.complete(request_for(provider_id), api_key=API_KEY)
    assert len(registry.clients) == 1

    await registry.complete(request_for(provider_id), api_key="sk-other-key-000000")
    assert len(registry.clients) == 2

    assert registry.evict(provider_id, API_KEY) == 1
    assert len(registry.clients) == 1


async def test_many_concurrent_runs_share_the_client(
    registry: ProviderRegistry, fake: FakeProviderServer
) -> None:
    fake.configure(text="abc", chunks=3, chunk_delay=0.01)

    results = await asyncio.gather(
        *(registry.complete(request_for("openai"), api_key=API_KEY) for _ in range(16))
    )

    assert {result.text for result in results} == {"abc"}
    assert len(registry.clients) == 1
