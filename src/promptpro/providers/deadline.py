"""A deadline for a stream that spans many events but never fires into the caller's code.

`asyncio.timeout` cannot be held across the `yield` of an async generator (it would cancel
the caller between events), so the obvious alternative is one timeout around each event,
which costs a timer per event. A Deadline keeps one timer per phase (first token, whole
run) and cancels the task only while it is waiting for the provider.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TypeVar

T = TypeVar("T")


class DeadlinePassed(Exception):
    """Our own deadline ran out (not a TimeoutError from inside the HTTP stack)."""


class Deadline:
    """One timer guarding `await anext(...)` calls; extending it costs nothing until it fires."""

    def __init__(self, loop: asyncio.AbstractEventLoop, when: float) -> None:
        self._loop = loop
        self._waiting: asyncio.Task[object] | None = None
        self._later: float | None = None
        self.expired = False
        self._handle = loop.call_at(when, self._fire)

    def extend(self, when: float) -> None:
        """Push the deadline back to `when` (cheap: the timer is re-armed only if it fires)."""
        self._later = when

    def cancel(self) -> None:
        """Stop the timer (the stream is over)."""
        self._handle.cancel()

    def _fire(self) -> None:
        if self._later is not None and self._later > self._loop.time():
            self._handle = self._loop.call_at(self._later, self._fire)
            self._later = None
            return
        self.expired = True
        if self._waiting is not None:
            self._waiting.cancel()

    async def next(self, events: AsyncIterator[T]) -> T:
        """The next item, or DeadlinePassed if the deadline comes first."""
        if self.expired:
            raise DeadlinePassed
        task = asyncio.current_task()
        self._waiting = task
        try:
            return await anext(events)
        except asyncio.CancelledError:
            # Ours only if we fired and nobody else cancelled the task too.
            if self.expired and task is not None and task.uncancel() == 0:
                raise DeadlinePassed from None
            raise
        finally:
            self._waiting = None
