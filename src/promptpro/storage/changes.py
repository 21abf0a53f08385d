"""Announcing that a workspace's prompts changed, once the change commits.

Caches of fetched prompts (`services/prompt_fetch.py`) must forget a workspace's entries
when a prompt's text, name or labels change. Storage notes the workspace in the session;
when the transaction commits, the app whose engine committed is told at once (in its own
process), and on PostgreSQL every other process hears it through `NOTIFY
promptpro_prompts`, sent inside the transaction, so it is heard only if it commits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

from promptpro.db.notify import PROMPT_CHANNEL
from promptpro.storage.base import StorageBase

_CHANGED = "promptpro_changed_workspaces"
# id(sync engine) -> the callbacks of the apps using it
_subscribers: dict[int, list[Callable[[int], None]]] = {}


def subscribe(engine: AsyncEngine, callback: Callable[[int], None]) -> Callable[[], None]:
    """Call `callback(workspace_id)` after each commit on `engine` that changed a prompt of
    that workspace; returns the function that unsubscribes."""
    key = id(engine.sync_engine)
    _subscribers.setdefault(key, []).append(callback)

    def unsubscribe() -> None:
        callbacks = _subscribers.get(key, [])
        if callback in callbacks:
            callbacks.remove(callback)
        if not callbacks:
            _subscribers.pop(key, None)

    return unsubscribe


@sa.event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    changed: set[int] | None = session.info.pop(_CHANGED, None)
    if not changed:
        return
    bind: Any = session.get_bind()
    for callback in list(_subscribers.get(id(getattr(bind, "engine", bind)), ())):
        for workspace_id in changed:
            callback(workspace_id)


@sa.event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_CHANGED, None)


class ChangeStorage(StorageBase):
    """`prompts_changed`: the one call every write of a prompt's fetched state makes."""

    async def prompts_changed(self, workspace_id: int) -> None:
        """Caches must forget this workspace's prompts once this transaction commits."""
        self.session.info.setdefault(_CHANGED, set()).add(workspace_id)
        if self.session.get_bind().dialect.name == "postgresql":
            await self._execute(sa.select(sa.func.pg_notify(PROMPT_CHANNEL, str(workspace_id))))
