"""A bounded cache of SDK clients, one per (provider, API key, base URL).

Building an SDK client costs tens of milliseconds (CA bundle, connection pool) and throws
away its warm connections, so adapters never build one per request. Clients are leased
rather than handed out: a client evicted while a run still streams through it is closed
only when that run lets go of it.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import ssl
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import httpx2

log = logging.getLogger(__name__)

ClientT = TypeVar("ClientT")
CacheKey = tuple[str, str, str]  # (provider id, sha256 of the key, base URL)


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """One TLS context for every SDK client, made as the SDKs make theirs.

    Loading the trust store is most of what building an SDK client costs (~50 ms, and
    ~250 ms for google-genai, which builds three); shared, a new client costs under 2 ms.
    """
    return httpx2.create_ssl_context()


def key_digest(api_key: str) -> str:
    """What stands for a key in the cache: a hash, so no plaintext key sits in a dict key."""
    return hashlib.sha256(api_key.encode()).hexdigest()


@dataclass(eq=False)
class _Entry:
    client: Any
    close: Callable[[Any], Awaitable[None]]
    loop: asyncio.AbstractEventLoop
    users: int = 0
    retired: bool = field(default=False)


class ClientCache:
    """LRU of SDK clients with explicit eviction (on key change) and shutdown."""

    def __init__(self, max_size: int = 256) -> None:
        self.max_size = max_size
        self._entries: OrderedDict[CacheKey, _Entry] = OrderedDict()
        self._closing: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._entries)

    @asynccontextmanager
    async def lease(
        self,
        provider: str,
        api_key: str,
        base_url: str,
        create: Callable[[], ClientT],
        close: Callable[[ClientT], Awaitable[None]],
    ) -> AsyncIterator[ClientT]:
        """Lend the cached client for this key and URL, creating it on first use."""
        entry = self._get(
            (provider, key_digest(api_key), base_url),
            create,
            cast("Callable[[Any], Awaitable[None]]", close),
        )
        entry.users += 1
        try:
            yield cast("ClientT", entry.client)
        finally:
            entry.users -= 1
            if entry.retired and entry.users == 0:
                await self._close(entry)

    def _get(
        self,
        key: CacheKey,
        create: Callable[[], Any],
        close: Callable[[Any], Awaitable[None]],
    ) -> _Entry:
        loop = asyncio.get_running_loop()
        entry = self._entries.get(key)
        if entry is not None and entry.loop is loop:
            self._entries.move_to_end(key)
            return entry
        if entry is not None:
            # Made on another event loop (asyncio.run called again): its connections are
            # bound to that loop, which may be gone, so start afresh.
            self._retire(self._entries.pop(key))
        entry = _Entry(client=create(), close=close, loop=loop)
        self._entries[key] = entry
        while len(self._entries) > self.max_size:
            _, oldest = self._entries.popitem(last=False)
            self._retire(oldest)
        return entry

    def evict(self, provider: str, api_key: str) -> int:
        """Forget the clients of this key (it changed or was deleted); returns how many."""
        digest = key_digest(api_key)
        keys = [key for key in self._entries if key[0] == provider and key[1] == digest]
        for key in keys:
            self._retire(self._entries.pop(key))
        return len(keys)

    def clear(self) -> None:
        """Forget every client (each is closed once no run uses it)."""
        while self._entries:
            _, entry = self._entries.popitem(last=False)
            self._retire(entry)

    async def aclose(self) -> None:
        """Close every client now and wait for it (application shutdown)."""
        self.clear()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)

    def _retire(self, entry: _Entry) -> None:
        entry.retired = True
        if entry.users:
            return  # the last lease closes it
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is None or entry.loop is not running or entry.loop.is_closed():
            return  # its loop is not ours to run on; the garbage collector has it
        task = running.create_task(self._close(entry))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _close(self, entry: _Entry) -> None:
        try:
            await entry.close(entry.client)
        except Exception:  # closing is best effort: the client is already out of use
            log.debug("closing an SDK client failed", exc_info=True)
