"""The sign-in rate limiter: failed attempts counted per username and per client address.

The counts live in the `login_attempts` table, so every worker process enforces the same
limit. A username's count is cleared by a successful sign-in; an address's count only
ages out (one address may try many usernames).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from promptpro.config import Settings
from promptpro.db.types import utcnow
from promptpro.errors import RateLimited
from promptpro.storage import Storage


def username_key(username: str) -> str:
    """The limiter key of a username (case-insensitive, as usernames are)."""
    return f"user:{username.lower()}"


def address_key(address: str) -> str:
    """The limiter key of a client address."""
    return f"addr:{address}"


@dataclass(frozen=True)
class LoginLimiter:
    """Failed sign-ins allowed per key within a sliding window."""

    per_username: int
    per_address: int
    window: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginLimiter:
        """The limits the settings describe."""
        return cls(
            per_username=settings.login_failures_per_username,
            per_address=settings.login_failures_per_address,
            window=timedelta(minutes=settings.login_failure_window_minutes),
        )

    def keys(self, username: str, address: str | None) -> list[str]:
        """The keys a sign-in attempt counts against."""
        return [username_key(username)] + ([address_key(address)] if address else [])

    def _limit(self, key: str) -> int:
        return self.per_username if key.startswith("user:") else self.per_address

    async def check(self, storage: Storage, keys: list[str]) -> None:
        """Raise RateLimited when any key has used up its failures."""
        now = utcnow()
        for key in keys:
            count, oldest = await storage.login_failures_since(key, now - self.window)
            if count >= self._limit(key) and oldest is not None:
                wait = (oldest + self.window - now).total_seconds()
                raise RateLimited(
                    "Too many failed sign-in attempts; try again later.",
                    retry_after=max(1, math.ceil(wait)),
                )

    async def record_failure(self, storage: Storage, keys: list[str]) -> None:
        """Count one failure against each key."""
        await storage.record_login_failure(keys, at=utcnow())

    async def clear_username(self, storage: Storage, username: str) -> None:
        """Forget a username's failures after it signed in."""
        await storage.clear_login_failures(username_key(username))

    async def purge(self, storage: Storage) -> int:
        """Delete failures older than the window; how many were deleted."""
        return await storage.purge_login_failures(before=utcnow() - self.window)
