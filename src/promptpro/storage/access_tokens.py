"""Personal access tokens, scoped to their owner; found by the hash of their secret."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from promptpro.db.models import AccessToken, User
from promptpro.db.notify import TOKEN_CHANNEL
from promptpro.storage.base import StorageBase, is_row_id

_USER_COLUMNS = tuple(sa.inspect(User).column_attrs)


def detached_user(user: User) -> User:
    """A copy of the user's columns that belongs to no session.

    What outlives a unit of work (a cache entry) must not be a session's object: that
    session could change or expire it, and another request's session could not use it.
    """
    return User(**{attr.key: getattr(user, attr.key) for attr in _USER_COLUMNS})


@dataclass(slots=True)
class TokenUser:
    """A token found by its hash: what authenticating needs, and its user (detached).

    Not frozen: a cache holding it notes `last_used_at` as it records uses.
    """

    token_id: int
    expires_at: datetime | None
    last_used_at: datetime | None
    user: User
    workspace_id: int | None = None  # the one workspace the token sees (None: all)
    read_only: bool = False


class AccessTokenStorage(StorageBase):
    """Create, list, find (with the user), mark used and revoke personal access tokens."""

    async def create_access_token(
        self,
        owner_id: str,
        *,
        name: str,
        token_hash: str,
        expires_at: datetime | None,
        workspace_id: int | None = None,
        read_only: bool = False,
    ) -> AccessToken:
        """A new token for the owner (only the hash of its secret is kept)."""
        token = AccessToken(
            user_id=owner_id,
            name=name,
            token_hash=token_hash,
            expires_at=expires_at,
            workspace_id=workspace_id,
            read_only=read_only,
        )
        self.session.add(token)
        await self._flush()
        return token

    async def list_access_tokens(self, owner_id: str) -> list[AccessToken]:
        """The owner's tokens, newest first."""
        query = (
            sa.select(AccessToken)
            .where(AccessToken.user_id == owner_id)
            .order_by(AccessToken.created_at.desc(), AccessToken.id.desc())
        )
        return list(await self.session.scalars(query))

    async def find_token_user(self, token_hash: str) -> TokenUser | None:
        """The token whose secret has this hash, with its user, in one round trip."""
        query = (
            sa.select(
                AccessToken.id,
                AccessToken.expires_at,
                AccessToken.last_used_at,
                User,
                AccessToken.workspace_id,
                AccessToken.read_only,
            )
            .join(User, User.id == AccessToken.user_id)
            .where(AccessToken.token_hash == token_hash)
        )
        row = (await self._execute(query)).first()
        if row is None:
            return None
        token_id, expires_at, last_used_at, user, workspace_id, read_only = row
        return TokenUser(
            token_id, expires_at, last_used_at, detached_user(user), workspace_id, bool(read_only)
        )

    async def touch_access_token(self, token_id: int, *, at: datetime) -> None:
        """Record when the token was last used (by id: no need to have loaded it)."""
        await self._execute(
            sa.update(AccessToken).where(AccessToken.id == token_id).values(last_used_at=at)
        )

    async def delete_access_token(self, owner_id: str, token_id: int) -> bool:
        """Revoke the owner's token with this id."""
        if not is_row_id(token_id):
            return False
        result = await self.session.execute(
            sa.delete(AccessToken).where(
                AccessToken.id == token_id, AccessToken.user_id == owner_id
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def delete_user_access_tokens(self, owner_id: str, *, keep_id: int | None = None) -> int:
        """Revoke every token of the owner but `keep_id`; how many were revoked."""
        query = sa.delete(AccessToken).where(AccessToken.user_id == owner_id)
        if keep_id is not None:
            query = query.where(AccessToken.id != keep_id)
        result = await self._execute(query)
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def announce_token_change(self, owner_id: str) -> None:
        """Tell every worker process, once this transaction commits, that the owner's tokens
        or account changed (PostgreSQL NOTIFY; SQLite has a single process, nothing to tell)."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        await self._execute(sa.select(sa.func.pg_notify(TOKEN_CHANNEL, owner_id)))
