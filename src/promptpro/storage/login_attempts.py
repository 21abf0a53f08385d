"""Failed sign-ins, one row each, counted per key ("user:<name>" or "addr:<address>")."""

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

    async def login_failures_since(self, key: str, since: datetime) -> tuple[int, datetime | None]:
        """How many failures the key has had since `since`, and when the oldest of them was."""
        query = sa.select(sa.func.count(), sa.func.min(LoginAttempt.attempted_at)).where(
            LoginAttempt.key == key, LoginAttempt.attempted_at > since
        )
        count, oldest = (await self.session.execute(query)).one()
        return int(count), oldest

    async def clear_login_failures(self, key: str) -> None:
        """Forget the key's failures (after a successful sign-in)."""
        await self.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.key == key))

    async def purge_login_failures(self, *, before: datetime) -> int:
        """Delete failures too old to count; how many were deleted."""
        result = await self.session.execute(
            sa.delete(LoginAttempt).where(LoginAttempt.attempted_at <= before)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
