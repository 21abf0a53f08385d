"""PostgreSQL LISTEN/NOTIFY: a channel every worker process listens on.

A NOTIFY sent inside a transaction is delivered when (and only if) it commits, to every
connection listening on the channel, this process's included. The listener holds one
asyncpg connection of its own (not a pooled one: LISTEN belongs to its connection) and
reconnects when it is lost; while it is not listening it says so (`on_listening(False)`),
since notifications sent meanwhile are lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

# Notified with a user id when that user's access tokens or account changed.
TOKEN_CHANNEL = "promptpro_tokens"  # noqa: S105  (a channel name)
# Notified with a workspace id when a prompt of it changed (text, name, labels, deletion).
PROMPT_CHANNEL = "promptpro_prompts"
RECONNECT_DELAYS_S = (0.1, 0.5, 1.0, 2.0, 5.0)


def asyncpg_dsn(url: str) -> str:
    """The plain postgresql:// DSN asyncpg takes, from a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    """Listens on one channel, calling `on_message(payload)` for each notification."""

    def __init__(
        self,
        url: str,
        channel: str,
        on_message: Callable[[str], None],
        on_listening: Callable[[bool], None],
    ) -> None:
        self.dsn = asyncpg_dsn(url)
        self.channel = channel
        self.on_message = on_message
        self.on_listening = on_listening
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        """Start listening in a task; wait (briefly) for the first LISTEN to be in place."""
        self._task = asyncio.create_task(self._run(), name=f"listen {self.channel}")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await self._ready.wait()

    async def stop(self) -> None:
        """Stop listening and close the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self.on_message(payload)

    async def _run(self) -> None:
        attempt = 0
        while True:
            try:
                conn = await asyncpg.connect(self.dsn)
            except (OSError, asyncpg.PostgresError) as exc:
                delay = RECONNECT_DELAYS_S[min(attempt, len(RECONNECT_DELAYS_S) - 1)]
                log.warning("cannot LISTEN on %s (%s); retrying", self.channel, type(exc).__name__)
                attempt += 1
                await asyncio.sleep(delay)
                continue
            lost = asyncio.Event()
            try:
                conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
                await conn.add_listener(self.channel, self._notified)
                attempt = 0
                self.on_listening(True)
                self._ready.set()
                await lost.wait()
                log.warning("the LISTEN connection for %s was lost; reconnecting", self.channel)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("LISTEN on %s failed (%s); retrying", self.channel, type(exc).__name__)
            finally:
                self.on_listening(False)
                with contextlib.suppress(Exception):
                    await conn.close(timeout=2)
            await asyncio.sleep(RECONNECT_DELAYS_S[0])  # a restarting server needs a moment
