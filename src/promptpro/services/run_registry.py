"""The runs this process is executing, and the events each one publishes to its followers.

A run belongs to the server, not to the request that started it: the task lives here, and
a request only follows its events. A follower that leaves (a closed tab) stops following;
the run goes on to the end and is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass, field
from typing import Any, Literal

from promptpro.errors import TooManyRuns

log = logging.getLogger(__name__)

EventName = Literal["start", "delta", "done", "error"]


@dataclass(frozen=True, slots=True)
class RunEvent:
    """One event of a run, as sent over SSE: its name and its JSON data."""

    event: EventName
    data: dict[str, Any]


class RunChannel:
    """A run's events, kept from the start so that a late follower misses nothing.

    Followers wait on plain futures, woken all at once by a publish: an asyncio.Condition
    (a lock taken and released per event, per follower) cost more than the rest of a
    delta's trip to the client.
    """

    def __init__(self) -> None:
        self._events: list[RunEvent] = []
        self._closed = False
        self._waiters: list[asyncio.Future[None]] = []

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def publish(self, event: RunEvent) -> None:
        """Add an event and wake the followers."""
        self._events.append(event)
        self._wake()

    async def close(self) -> None:
        """No more events will come."""
        self._closed = True
        self._wake()

    async def follow(self) -> AsyncIterator[RunEvent]:
        """Every event, past and future, until the run ends."""
        seen = 0
        events = self._events
        while True:
            while seen < len(events):
                yield events[seen]
                seen += 1
            if self._closed:
                return
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if not waiter.done():  # the follower left: don't keep its future
                    waiter.cancel()
                    with contextlib.suppress(ValueError):
                        self._waiters.remove(waiter)


@dataclass(eq=False)  # identity: runs are kept in a set
class ActiveRun:
    """A run in progress in this process."""

    # The stored response's id once the run has a row; None if it could not be stored.
    response_id_ready: asyncio.Future[int | None]
    owner_id: str = ""
    channel: RunChannel = field(default_factory=RunChannel)
    task: asyncio.Task[None] | None = None
    stop_reason: str | None = None
    # Set once the run is storing its end: from then on nothing may interrupt it.
    finishing: bool = False
    # The budgets its estimate is held against while it runs (services/budgets.py).
    holds: tuple[tuple[str, str], ...] = ()
    held_usd: float = 0.0


class RunRegistry:
    """Owns the tasks of the runs in progress, so no request's end can stop them."""

    def __init__(self, *, per_user: int = 20, per_process: int = 400) -> None:
        self._runs: set[ActiveRun] = set()
        self._by_response: dict[int, ActiveRun] = {}
        self._by_owner: dict[str, int] = {}
        self._in_flight_usd: dict[tuple[str, str], float] = {}
        self.per_user = per_user
        self.per_process = per_process

    def running(self, owner_id: str) -> int:
        """How many of the owner's runs this process is executing."""
        return self._by_owner.get(owner_id, 0)

    def in_flight_usd(self, scope: str, scope_id: str) -> float:
        """The estimates of this process's runs in progress that count against a budget."""
        return self._in_flight_usd.get((scope, scope_id), 0.0)

    def admit(self, owner_id: str, count: int) -> None:
        """Refuse `count` more runs for the owner if a limit would be passed (TooManyRuns).

        Each run holds a task and a provider connection (a file descriptor) for as long as
        the model takes: without a limit, a burst of runs on a hanging model would exhaust
        the process's open files and stop it accepting connections.
        """
        mine = self.running(owner_id)
        if mine + count > self.per_user:
            raise TooManyRuns(
                f"You have {mine} runs in progress (at most {self.per_user} at once): "
                "wait for one to end, or cancel one.",
                running=mine,
                limit=self.per_user,
                scope="user",
            )
        total = len(self._runs)
        if total + count > self.per_process:
            raise TooManyRuns(
                f"The server has {total} runs in progress (at most {self.per_process} at "
                "once): try again shortly.",
                running=total,
                limit=self.per_process,
                scope="server",
            )

    def start(self, run: ActiveRun, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` as a task held here until it ends."""
        run.task = asyncio.create_task(work)
        self._runs.add(run)
        self._by_owner[run.owner_id] = self._by_owner.get(run.owner_id, 0) + 1
        for hold in run.holds:
            self._in_flight_usd[hold] = self._in_flight_usd.get(hold, 0.0) + run.held_usd
        run.task.add_done_callback(lambda _: self._forget(run))

    def register_response(self, run: ActiveRun, response_id: int) -> None:
        """Index the run by its stored response, for cancelling."""
        self._by_response[response_id] = run

    def find(self, response_id: int) -> ActiveRun | None:
        """The run storing `response_id`, if this process runs it (for a late follower)."""
        return self._by_response.get(response_id)

    def _forget(self, run: ActiveRun) -> None:
        self._runs.discard(run)
        left = self._by_owner.get(run.owner_id, 1) - 1
        if left > 0:
            self._by_owner[run.owner_id] = left
        else:
            self._by_owner.pop(run.owner_id, None)
        for hold in run.holds:
            held = self._in_flight_usd.get(hold, 0.0) - run.held_usd
            if held > 1e-12:
                self._in_flight_usd[hold] = held
            else:
                self._in_flight_usd.pop(hold, None)
        ready = run.response_id_ready
        response_id = ready.result() if ready.done() and not ready.cancelled() else None
        if response_id is not None:
            self._by_response.pop(response_id, None)

    def stop(self, response_id: int, reason: str) -> bool:
        """Stop the run storing `response_id`, if this process runs it."""
        run = self._by_response.get(response_id)
        if run is None or run.task is None or run.task.done() or run.finishing:
            return False
        run.stop_reason = reason
        run.task.cancel()
        return True

    def __len__(self) -> int:
        return len(self._runs)

    async def shutdown(self, grace: float = 5.0) -> None:
        """Let runs finish for up to `grace` seconds, then stop and store the rest."""
        tasks = [run.task for run in self._runs if run.task is not None]
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=grace)
        for run in list(self._runs):
            if run.task in pending and not run.finishing:
                run.stop_reason = "shutdown"
                run.task.cancel()
        if pending:
            log.warning("stopping %d run(s) still in progress at shutdown", len(pending))
            await asyncio.wait(pending, timeout=grace)
