"""Throttles on signing in and registering, counted in the `login_attempts` table.

The counts live in the database, so every worker process enforces the same limits.

Sign-in failures follow OWASP's authentication guidance: an attacker's failures must slow
the attacker, not lock the owner out. Each failure counts against three keys:

- the (username, address) pair: past `login_failures_per_pair` that pair is refused
  (429) until its failures age out. Whoever keeps guessing from there waits; the owner
  signing in from elsewhere does not;
- the address, whatever the username: past `login_failures_per_address`;
- the username, from anywhere: past `login_failures_per_username` (a high ceiling) the
  account is under attack, and then an address gets one try per window: only pairs with
  no failure yet may try. A correct password from a fresh address still signs in, and a
  thousand addresses get a thousand guesses per window, not five thousand.

A successful sign-in clears its pair's count. The username's count only ages out: the
owner signing in says nothing about whoever else is guessing.

Registrations count per address (`registrations_per_address` per registration window),
each recorded before its password is hashed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from promptpro.config import Settings
from promptpro.db.types import utcnow
from promptpro.errors import RateLimited
from promptpro.storage import Storage

TOO_MANY_SIGN_INS = "Too many failed sign-in attempts; try again later."
TOO_MANY_REGISTRATIONS = "Too many accounts were created from your address; try again later."


def username_key(username: str) -> str:
    """The limiter key of a username (case-insensitive, as usernames are)."""
    return f"user:{username.lower()}"


def address_key(address: str) -> str:
    """The limiter key of a client address."""
    return f"addr:{address}"


def pair_key(username: str, address: str | None) -> str:
    """The limiter key of a username tried from an address (addresses have no spaces)."""
    return f"pair:{address or '-'} {username.lower()}"


def registration_key(address: str | None) -> str:
    """The key registrations from an address count against."""
    return f"register:{address or '-'}"


def _retry_after(oldest: datetime | None, window: timedelta, now: datetime) -> int:
    """Seconds until the oldest counted attempt leaves the window (at least 1)."""
    wait = (oldest + window - now).total_seconds() if oldest is not None else 1
    return max(1, math.ceil(wait))


@dataclass(frozen=True)
class AttemptKeys:
    """What one sign-in attempt counts against."""

    user: str
    pair: str
    address: str | None

    @property
    def all(self) -> list[str]:
        """Every key, for recording a failure."""
        return [self.pair, self.user] + ([self.address] if self.address else [])


@dataclass(frozen=True)
class AdmittedAttempt:
    """A sign-in attempt let through and already counted as a failure (`ids`: its rows)."""

    keys: AttemptKeys
    ids: list[int]


@dataclass(frozen=True)
class LoginLimiter:
    """Failed sign-ins allowed within a sliding window (see the module's docstring)."""

    per_pair: int
    per_address: int
    per_username: int
    window: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginLimiter:
        """The limits the settings describe."""
        return cls(
            per_pair=settings.login_failures_per_pair,
            per_address=settings.login_failures_per_address,
            per_username=settings.login_failures_per_username,
            window=timedelta(minutes=settings.login_failure_window_minutes),
        )

    def keys(self, username: str, address: str | None) -> AttemptKeys:
        """The keys a sign-in attempt counts against."""
        return AttemptKeys(
            user=username_key(username),
            pair=pair_key(username, address),
            address=address_key(address) if address else None,
        )

    async def check(self, storage: Storage, keys: AttemptKeys, *, counted: int = 0) -> None:
        """Raise RateLimited when this attempt is over a limit (one read for all keys);
        `counted`: how many of each key's rows are this attempt's own."""
        now = utcnow()
        counts = await storage.login_failures_since(keys.all, now - self.window)
        pair_count, pair_oldest = counts.get(keys.pair, (0, None))
        address_count, address_oldest = counts.get(keys.address or "", (0, None))
        user_count, _ = counts.get(keys.user, (0, None))
        pair_count, address_count, user_count = (
            max(0, count - counted) for count in (pair_count, address_count, user_count)
        )
        if pair_count >= self.per_pair or (user_count >= self.per_username and pair_count):
            # Under attack, a pair that failed once waits for that failure to age out.
            raise RateLimited(
                TOO_MANY_SIGN_INS, retry_after=_retry_after(pair_oldest, self.window, now)
            )
        if address_count >= self.per_address:
            raise RateLimited(
                TOO_MANY_SIGN_INS, retry_after=_retry_after(address_oldest, self.window, now)
            )

    async def record_failure(self, storage: Storage, keys: AttemptKeys) -> None:
        """Count one failure against each key."""
        await storage.record_login_failure(keys.all, at=utcnow())

    async def admit(self, storage: Storage, keys: AttemptKeys) -> AdmittedAttempt:
        """Check the limits, then count the attempt as a failure until it succeeds.

        Meant for a unit of work of its own, committed before the password is checked:
        concurrent guesses then see each other, instead of all passing the check before
        any of them is recorded.
        """
        # Recorded first, then checked: with the keys locked (SQLite: by the write itself)
        # two attempts can't both count the rows from before either was recorded.
        await storage.lock_attempt_keys([keys.pair] + ([keys.address] if keys.address else []))
        ids = await storage.record_login_failure(keys.all, at=utcnow())
        await self.check(storage, keys, counted=1)
        return AdmittedAttempt(keys, ids)

    async def clear_pair(self, storage: Storage, keys: AttemptKeys) -> None:
        """Forget the pair's failures after it signed in (the owner's own typos)."""
        await storage.clear_login_failures(keys.pair)


@dataclass(frozen=True)
class RegistrationLimiter:
    """Registrations allowed per client address within a sliding window."""

    per_address: int
    window: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> RegistrationLimiter:
        """The limit the settings describe."""
        return cls(
            per_address=settings.registrations_per_address,
            window=timedelta(minutes=settings.registration_window_minutes),
        )

    async def admit(self, storage: Storage, address: str | None) -> None:
        """Count a registration attempt from `address`, or raise RateLimited past the limit."""
        now = utcnow()
        key = registration_key(address)
        # Recorded first, then counted (see LoginLimiter.admit); refused, it is rolled back.
        await storage.lock_attempt_keys([key])
        await storage.record_login_failure([key], at=now)
        counts = await storage.login_failures_since([key], now - self.window)
        count, oldest = counts.get(key, (0, None))
        if count - 1 >= self.per_address:
            raise RateLimited(
                TOO_MANY_REGISTRATIONS, retry_after=_retry_after(oldest, self.window, now)
            )


async def purge_attempts(storage: Storage, settings: Settings) -> int:
    """Delete attempts too old for any limit to count; how many were deleted."""
    longest = max(
        LoginLimiter.from_settings(settings).window,
        RegistrationLimiter.from_settings(settings).window,
    )
    return await storage.purge_login_failures(before=utcnow() - longest)
