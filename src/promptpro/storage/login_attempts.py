"""Throttled attempts, one row each, counted per key (see services/rate_limits.py)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from promptpro.db.models import LoginAttempt
from promptpro.storage.base import StorageBase


class LoginAttemptStorage(StorageBase):
    """Record, count, clear and purge failed sign-ins."""

    async def record_login_failure(self, keys: list[str], *, at: datetime) -> None:
        """Count one failure against each key."""
        self.session.add_all(LoginAttempt(key=key, attempted_at=at) for key in keys)
        await self._flush()

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
