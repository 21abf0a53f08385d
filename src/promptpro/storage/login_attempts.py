"""Throttled attempts, one row each, counted per key (see services/rate_limits.py)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from promptpro.db.models import LoginAttempt
from promptpro.storage.base import StorageBase


class LoginAttemptStorage(StorageBase):
    """Record, count, clear and purge failed sign-ins."""

    async def record_login_failure(self, keys: list[str], *, at: datetime) -> list[int]:
        """Count one failure against each key; the ids of the rows that count it."""
        rows = [LoginAttempt(key=key, attempted_at=at) for key in keys]
        self.session.add_all(rows)
        await self._flush()
        return [row.id for row in rows]

    async def lock_attempt_keys(self, keys: list[str]) -> None:
        """Serialise, until this transaction ends, the attempts on these keys (PostgreSQL:
        advisory locks, taken in one order; SQLite serialises writers by itself)."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        for key in sorted(set(keys)):
            lock = sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(key, 0))
            await self._execute(sa.select(lock))

    async def delete_login_attempts(self, ids: list[int]) -> None:
        """Take back the failures counted by these rows (an attempt that succeeded)."""
        await self._execute(sa.delete(LoginAttempt).where(LoginAttempt.id.in_(ids)))

    async def login_failures_since(
        self, keys: list[str], since: datetime
    ) -> dict[str, tuple[int, datetime | None]]:
        """Per key with failures since `since`: how many, and when the oldest was (one query)."""
        query = (
            sa.select(LoginAttempt.key, sa.func.count(), sa.func.min(LoginAttempt.attempted_at))
            .where(LoginAttempt.key.in_(keys), LoginAttempt.attempted_at > since)
            .group_by(LoginAttempt.key)
        )
        rows = (await self.session.execute(query)).all()
        return {key: (int(count), oldest) for key, count, oldest in rows}

    async def clear_login_failures(self, key: str) -> None:
        """Forget the key's failures (after a successful sign-in)."""
        await self.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.key == key))

    async def purge_login_failures(self, *, before: datetime) -> int:
        """Delete failures too old to count; how many were deleted."""
        result = await self.session.execute(
            sa.delete(LoginAttempt).where(LoginAttempt.attempted_at <= before)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
