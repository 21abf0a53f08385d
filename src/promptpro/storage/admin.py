"""The instance admin's reads and writes: every user, instance settings, the audit log.

These are the only storage methods not scoped to one owner: only the services behind
`permissions.require(..., "admin.*")` (and the server's shell) call them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from promptpro.db.models import AuditEvent, InstanceSetting, User
from promptpro.db.types import String, utcnow
from promptpro.storage.base import StorageBase
from promptpro.storage.pagination import Keyset


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class NewAuditEvent:
    """What the recorder writes (the time and id are the database's)."""

    action: str
    summary: str
    actor_id: str | None = None
    address: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    workspace_id: int | None = None


class AdminStorage(StorageBase):
    """Users across the instance, instance settings, and the append-only audit log."""

    # --- users ---------------------------------------------------------------------------

    async def list_users(self, *, q: str | None, after: str | None, limit: int) -> list[User]:
        """Users by lowercased username, after `after` (a lowercased username), matching `q`
        in their username or email (`%` and `_` literally); one more than `limit` if any."""
        lowered = sa.func.lower(User.username, type_=String)
        query = sa.select(User).order_by(lowered).limit(limit + 1)
        if after is not None:
            query = query.where(lowered > after)
        if q:
            pattern = _like_pattern(q)
            query = query.where(
                sa.or_(
                    User.username.ilike(pattern, escape="\\"),
                    User.email.ilike(pattern, escape="\\"),
                )
            )
        return list(await self._scalars(query))

    async def count_active_admins(self) -> int:
        """How many admins are not disabled."""
        query = sa.select(sa.func.count()).select_from(User)
        query = query.where(User.is_admin.is_(True), User.disabled.is_(False))
        return int(await self._scalar(query) or 0)

    async def any_admin(self) -> bool:
        """Whether the instance has an admin already."""
        query = sa.select(User.id).where(User.is_admin.is_(True)).limit(1)
        return await self._scalar(query) is not None

    async def set_user_flags(
        self, user: User, *, is_admin: bool | None = None, disabled: bool | None = None
    ) -> None:
        """Change a user's admin right or disabled state."""
        if is_admin is not None:
            user.is_admin = is_admin
        if disabled is not None:
            user.disabled = disabled
        await self._flush()

    # --- instance settings ----------------------------------------------------------------

    async def get_instance_setting(self, key: str) -> str | None:
        """An instance setting's value, None when the admin never set it."""
        return await self._scalar(
            sa.select(InstanceSetting.value).where(InstanceSetting.key == key)
        )

    async def set_instance_setting(self, key: str, value: str) -> None:
        """Set an instance setting."""
        row = await self._get(InstanceSetting, key)
        if row is None:
            self.session.add(InstanceSetting(key=key, value=value))
        else:
            row.value = value
            row.updated_at = utcnow()
        await self._flush()

    # --- the audit log --------------------------------------------------------------------

    async def add_audit_event(self, event: NewAuditEvent) -> None:
        """Append an event (in the caller's transaction: it stands or falls with the action)."""
        await self._execute(
            sa.insert(AuditEvent).values(
                occurred_at=utcnow(),
                actor_id=event.actor_id,
                address=event.address,
                workspace_id=event.workspace_id,
                action=event.action,
                object_type=event.object_type,
                object_id=event.object_id,
                summary=event.summary,
            )
        )

    async def list_audit_events(
        self,
        *,
        subject_id: str | None,
        action: str | None,
        workspace_id: int | None = None,
        before: datetime | None,
        after: Keyset | None,
        limit: int,
    ) -> list[AuditEvent]:
        """Events newest first (by id): all, or those by or about `subject_id`, or those of
        `workspace_id`; one more than `limit` if there are more."""
        query = sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit + 1)
        if subject_id is not None:
            query = query.where(
                sa.or_(
                    AuditEvent.actor_id == subject_id,
                    sa.and_(AuditEvent.object_type == "user", AuditEvent.object_id == subject_id),
                )
            )
        if workspace_id is not None:
            query = query.where(AuditEvent.workspace_id == workspace_id)
        if action is not None:
            query = query.where(AuditEvent.action == action)
        if before is not None:
            query = query.where(AuditEvent.occurred_at < before)
        if after is not None:
            query = query.where(AuditEvent.id < after.id)
        return list(await self._scalars(query))

    async def prune_audit_events(self, *, older_than: datetime) -> int:
        """Delete the events from before `older_than` (the retention limit); how many."""
        result = await self._execute(
            sa.delete(AuditEvent).where(AuditEvent.occurred_at < older_than)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
