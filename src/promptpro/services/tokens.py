"""Personal access tokens: create (the secret is returned once), list, revoke, authenticate."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from promptpro.db.models import AccessToken, User
from promptpro.db.types import utcnow
from promptpro.errors import NotFound, Unauthenticated
from promptpro.schemas.auth import TokenCreate
from promptpro.security.tokens import hash_secret, is_access_token, new_access_token
from promptpro.storage import Storage

log = logging.getLogger(__name__)

# Recording every use would make each API call a write; a minute's precision is enough.
LAST_USED_PRECISION = timedelta(minutes=1)
INVALID_TOKEN = "The access token is unknown, revoked or expired."  # noqa: S105


@dataclass(frozen=True)
class CreatedToken:
    """A new token and its secret (which is not stored anywhere)."""

    token: AccessToken
    secret: str


async def create_token(storage: Storage, user: User, data: TokenCreate) -> CreatedToken:
    """A new token for the user; only the hash of its secret is stored."""
    secret = new_access_token()
    expires_at = utcnow() + timedelta(days=data.expires_in_days) if data.expires_in_days else None
    token = await storage.create_access_token(
        user.id, name=data.name, token_hash=hash_secret(secret), expires_at=expires_at
    )
    log.info("user %s created access token %d", user.id, token.id)
    return CreatedToken(token, secret)


async def list_tokens(storage: Storage, user: User) -> list[AccessToken]:
    """The user's tokens, newest first."""
    return await storage.list_access_tokens(user.id)


async def revoke_token(storage: Storage, user: User, token_id: int) -> None:
    """Delete one of the user's tokens (another user's is NotFound)."""
    if not await storage.delete_access_token(user.id, token_id):
        raise NotFound("No such access token.")


async def authenticate_token(storage: Storage, secret: str) -> User:
    """The user a bearer token belongs to, or Unauthenticated; records when it was used."""
    if not is_access_token(secret):
        raise Unauthenticated(INVALID_TOKEN)
    token = await storage.find_access_token(hash_secret(secret))
    now = utcnow()
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        raise Unauthenticated(INVALID_TOKEN)
    user = await storage.get_user(token.user_id)
    if user is None:
        raise Unauthenticated(INVALID_TOKEN)
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        await storage.mark_access_token_used(token, at=now)
    return user
