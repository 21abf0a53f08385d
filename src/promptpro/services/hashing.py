"""Password hashing off the event loop, a bounded number at a time.

argon2id costs about 64 MiB and tens of milliseconds of CPU per hash, by design. In a
worker thread it doesn't stall the event loop, but a flood of sign-ins or registrations
would still take every core (and the memory) from everyone else; the semaphore
(`password_hash_concurrency`) makes the excess wait its turn instead.
"""

from __future__ import annotations

import asyncio
import weakref

from promptpro.config import Settings
from promptpro.security import passwords

# One semaphore per event loop (a semaphore belongs to the loop it first waited on) and
# limit; a process normally has one loop, tests have one each.
_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)


def hashing_gate(limit: int) -> asyncio.Semaphore:
    """The semaphore bounding this event loop's concurrent password hashing to `limit`."""
    per_limit = _gates.setdefault(asyncio.get_running_loop(), {})
    gate = per_limit.get(limit)
    if gate is None:
        gate = per_limit[limit] = asyncio.Semaphore(limit)
    return gate


async def hash_password(settings: Settings, password: str) -> str:
    """The argon2id hash of `password`, computed in a worker thread when a slot is free."""
    async with hashing_gate(settings.password_hash_concurrency):
        return await asyncio.to_thread(passwords.hash_password, password)


async def verify_password(settings: Settings, password_hash: str | None, password: str) -> bool:
    """Whether `password` matches the hash (see passwords.verify_password), likewise bounded."""
    async with hashing_gate(settings.password_hash_concurrency):
        return await asyncio.to_thread(passwords.verify_password, password_hash, password)
