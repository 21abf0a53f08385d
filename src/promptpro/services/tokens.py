"""Personal access tokens: create (the secret is returned once), list, revoke, authenticate."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from promptpro.db.models import AccessToken, User
from promptpro.db.notify import TOKEN_CHANNEL, Listener
from promptpro.db.types import utcnow
from promptpro.errors import Invalid, NotFound, Unauthenticated
from promptpro.schemas.auth import TokenCreate
from promptpro.security.tokens import hash_secret, is_access_token, new_access_token
from promptpro.services import audit
from promptpro.services.audit import Action
from promptpro.storage import Storage
from promptpro.storage.access_tokens import TokenUser, detached_user

log = logging.getLogger(__name__)

# Recording every use would make each API call a write; a minute's precision is enough.
LAST_USED_PRECISION = timedelta(minutes=1)
INVALID_TOKEN = "The access token is unknown, revoked or expired."  # noqa: S105
NO_SUCH_WORKSPACE = "No such workspace: limit the token to one you belong to."
ACCOUNT_DISABLED = "This account has been disabled by the instance admin."
# How long this process trusts what it read about a token. Every change to a user's
# tokens or account is announced to every worker process at once (PostgreSQL NOTIFY, see
# `invalidation_listener`); the TTL only bounds what a lost notification could cost.
TOKEN_CACHE_TTL_S = 5.0


@dataclass(frozen=True)
class CreatedToken:
    """A new token and its secret (which is not stored anywhere)."""

    token: AccessToken
    secret: str


class TokenCache:
    """Bearer token (by the hash of its secret) -> its user, trusted for `ttl` seconds.

    `forget_user` drops a user's entries and, for `ttl` seconds, stops caching them at all:
    a request that read the token just before a revocation committed can then not put it
    back, and every request in that window reads the database (which has the final word).
    """

    def __init__(
        self,
        ttl: float = TOKEN_CACHE_TTL_S,
        max_size: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_size = max_size
        self.clock = clock
        self._entries: dict[str, tuple[float, TokenUser]] = {}
        self._uncached_users: dict[str, float] = {}
        # Off while other processes' changes can't be heard (the listener is down).
        self.enabled = True

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, token_hash: str) -> TokenUser | None:
        """The token's entry, unless it is older than `ttl` or its user was forgotten."""
        found = self._entries.get(token_hash) if self.enabled else None
        if found is None:
            return None
        fresh_until, entry = found
        if fresh_until <= self.clock() or self._uncached(entry.user.id):
            del self._entries[token_hash]
            return None
        return entry

    def put(self, token_hash: str, entry: TokenUser) -> None:
        """Remember what was just read about a token (unless its user was just forgotten)."""
        if not self.enabled or self.ttl <= 0 or self._uncached(entry.user.id):
            return
        while len(self._entries) >= self.max_size:
            del self._entries[next(iter(self._entries))]  # the oldest
        self._entries[token_hash] = (self.clock() + self.ttl, entry)

    def forget_user(self, user_id: str) -> None:
        """The user's tokens or account changed: read them from the database from now on."""
        now = self.clock()
        self._uncached_users = {
            user: until for user, until in self._uncached_users.items() if until > now
        }
        self._uncached_users[user_id] = now + self.ttl
        for token_hash, (_, entry) in list(self._entries.items()):
            if entry.user.id == user_id:
                del self._entries[token_hash]

    def listening(self, listening: bool) -> None:
        """Cache only while changes made by other processes are heard of."""
        self.enabled = listening
        self._entries.clear()

    def clear(self) -> None:
        """Forget everything."""
        self._entries.clear()
        self._uncached_users.clear()

    def _uncached(self, user_id: str) -> bool:
        until = self._uncached_users.get(user_id)
        return until is not None and until > self.clock()


async def tokens_changed(storage: Storage, cache: TokenCache, user_id: str) -> None:
    """The user's tokens or account changed: forget them in this process at once, and in
    every other one when the transaction commits (on PostgreSQL; SQLite has one process)."""
    cache.forget_user(user_id)
    await storage.announce_token_change(user_id)


@asynccontextmanager
async def invalidation_listener(database_url: str, cache: TokenCache) -> AsyncIterator[None]:
    """While open, changes announced by any process reach `cache` (PostgreSQL only)."""
    if not database_url.startswith("postgresql"):
        yield
        return
    cache.listening(False)  # until LISTEN is in place, every request reads the database
    listener = Listener(database_url, TOKEN_CHANNEL, cache.forget_user, cache.listening)
    await listener.start()
    try:
        yield
    finally:
        await listener.stop()


async def create_token(storage: Storage, user: User, data: TokenCreate) -> CreatedToken:
    """A new token for the user; only the hash of its secret is stored."""
    workspace_id = data.workspace_id
    if storage.workspace_limit is not None:
        # A limited token makes only tokens as limited: never a way out of its workspace.
        workspace_id = storage.workspace_limit if workspace_id is None else workspace_id
    if workspace_id is not None and await storage.get_membership(user.id, workspace_id) is None:
        raise Invalid(NO_SUCH_WORKSPACE, field="workspaceId")
    secret = new_access_token()
    expires_at = utcnow() + timedelta(days=data.expires_in_days) if data.expires_in_days else None
    token = await storage.create_access_token(
        user.id,
        name=data.name,
        token_hash=hash_secret(secret),
        expires_at=expires_at,
        workspace_id=workspace_id,
        read_only=data.read_only,
    )
    log.info("user %s created access token %d", user.id, token.id)
    await audit.record(
        storage,
        Action.TOKEN_CREATED,
        f"Created access token {token.id} ({data.name})",
        actor_id=user.id,
        object_type="access_token",
        object_id=token.id,
    )
    return CreatedToken(token, secret)


async def list_tokens(storage: Storage, user: User) -> list[AccessToken]:
    """The user's tokens, newest first."""
    return await storage.list_access_tokens(user.id)


async def revoke_token(storage: Storage, cache: TokenCache, user: User, token_id: int) -> None:
    """Delete one of the user's tokens (another user's is NotFound)."""
    if not await storage.delete_access_token(user.id, token_id):
        raise NotFound("No such access token.")
    await tokens_changed(storage, cache, user.id)
    await audit.record(
        storage,
        Action.TOKEN_REVOKED,
        f"Revoked access token {token_id}",
        actor_id=user.id,
        object_type="access_token",
        object_id=token_id,
    )


@dataclass(frozen=True)
class TokenAuth:
    """Who a bearer token authenticated, and which token it was."""

    user: User
    token_id: int
    workspace_id: int | None = None  # the only workspace the token sees (None: all)
    read_only: bool = False


async def authenticate_token(storage: Storage, secret: str, cache: TokenCache) -> TokenAuth:
    """The user a bearer token belongs to, or Unauthenticated; records when it was used.

    `cache` (the app's) saves the database read on most API calls.
    """
    if not is_access_token(secret):
        raise Unauthenticated(INVALID_TOKEN)
    token_hash = hash_secret(secret)
    entry = cache.get(token_hash)
    if entry is None:
        entry = await storage.find_token_user(token_hash)
        if entry is None:
            raise Unauthenticated(INVALID_TOKEN)
        cache.put(token_hash, entry)
    now = utcnow()
    if entry.expires_at is not None and entry.expires_at <= now:
        raise Unauthenticated(INVALID_TOKEN)
    if entry.user.disabled:
        raise Unauthenticated(ACCOUNT_DISABLED)
    last_used = entry.last_used_at
    if last_used is None or now - last_used >= LAST_USED_PRECISION:
        # At most one write a minute per token (noted in the cached entry first, so the
        # concurrent requests don't all write), inside the request's own transaction.
        entry.last_used_at = now
        await storage.touch_access_token(entry.token_id, at=now)
    # A copy: the handler may not change what other requests will be handed.
    return TokenAuth(detached_user(entry.user), entry.token_id, entry.workspace_id, entry.read_only)


def cached_token(secret: str, cache: TokenCache) -> TokenUser | None:
    """The cache's entry for a bearer secret when `authenticate_token` would accept it from
    the cache alone, with nothing to write; None when it would read or write the database,
    or refuse the token (the caller then takes the ordinary path, which does that).

    For the fetch fast path (`api/fetch_fast.py`). The entry is the cache's own: read it,
    never change it.
    """
    if not is_access_token(secret):
        return None
    entry = cache.get(hash_secret(secret))
    if entry is None or entry.user.disabled:
        return None
    now = utcnow()
    if entry.expires_at is not None and entry.expires_at <= now:
        return None
    last_used = entry.last_used_at
    if last_used is None or now - last_used >= LAST_USED_PRECISION:
        return None  # a use to record: the ordinary path writes it
    return entry
