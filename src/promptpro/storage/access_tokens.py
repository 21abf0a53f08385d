"""Personal access tokens, scoped to their owner; found by the hash of their secret."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from promptpro.db.models import AccessToken
from promptpro.storage.base import StorageBase, is_row_id


class AccessTokenStorage(StorageBase):
    """Create, list, find, mark used and revoke personal access tokens."""

    async def create_access_token(
        self, owner_id: str, *, name: str, token_hash: str, expires_at: datetime | None
    ) -> AccessToken:
        """A new token for the owner (only the hash of its secret is kept)."""
        token = AccessToken(
            user_id=owner_id, name=name, token_hash=token_hash, expires_at=expires_at
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

    async def find_access_token(self, token_hash: str) -> AccessToken | None:
        """The token whose secret has this hash (to authenticate a request)."""
        query = sa.select(AccessToken).where(AccessToken.token_hash == token_hash)
        return await self.session.scalar(query)

    async def mark_access_token_used(self, token: AccessToken, *, at: datetime) -> None:
        """Record when the token was last used."""
        token.last_used_at = at
        await self._flush()

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
