"""Server-side sessions (the seed's `sessions` table), looked up by the hash of their id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from promptpro.db.models import Session
from promptpro.storage.base import StorageBase


class SessionStorage(StorageBase):
    """Create, read, extend and delete sessions; `sid` is always the SHA-256 of the cookie."""

    async def create_session(
        self, sid_hash: str, data: dict[str, Any], *, expire: datetime, user_id: str | None
    ) -> Session:
        """A new session row."""
        row = Session(sid=sid_hash, sess=data, expire=expire, user_id=user_id)
        self.session.add(row)
        await self._flush()
        return row

    async def get_session(self, sid_hash: str, *, now: datetime) -> Session | None:
        """The session with this hashed id, unless it has expired."""
        query = sa.select(Session).where(Session.sid == sid_hash, Session.expire > now)
        return await self.session.scalar(query)

    async def extend_session(self, row: Session, *, expire: datetime) -> None:
        """Move the session's expiry (the sliding idle deadline)."""
        row.expire = expire
        await self._flush()

    async def update_session_data(self, row: Session, data: dict[str, Any]) -> None:
        """Replace what the session holds (its `sess`)."""
        row.sess = data
        await self._flush()

    async def delete_session(self, sid_hash: str) -> bool:
        """Delete the session with this hashed id."""
        result = await self.session.execute(sa.delete(Session).where(Session.sid == sid_hash))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def delete_user_sessions(self, user_id: str, *, keep_sid_hash: str | None = None) -> int:
        """End every session of the user (but `keep_sid_hash`); how many ended."""
        query = sa.delete(Session).where(Session.user_id == user_id)
        if keep_sid_hash is not None:
            query = query.where(Session.sid != keep_sid_hash)
        result = await self.session.execute(query)
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def count_user_sessions(self, user_id: str) -> int:
        """How many sessions the user has (expired or not)."""
        query = sa.select(sa.func.count()).select_from(Session).where(Session.user_id == user_id)
        return int(await self.session.scalar(query) or 0)

    async def purge_expired_sessions(self, *, now: datetime) -> int:
        """Delete every expired session; how many were deleted."""
        result = await self.session.execute(sa.delete(Session).where(Session.expire <= now))
        return int(result.rowcount)  # type: ignore[attr-defined]
