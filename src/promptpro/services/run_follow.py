"""Following a run that started elsewhere: a page opened (or reloaded) while it runs.

Three cases, by where the run is: in this process, its channel has every event from the
start; in another worker process, its stored row is read every `poll` seconds and the text
added since is sent on; already ended, its stored record is replayed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from promptpro.db.models import ResponseStatus
from promptpro.db.session import SessionFactory, unit_of_work
from promptpro.errors import NotFound
from promptpro.schemas.responses import ResponseRead
from promptpro.services.responses import NO_SUCH_RESPONSE
from promptpro.services.run_registry import ActiveRun, RunRegistry
from promptpro.storage import Storage

# With nothing new to send for this long, a keep-alive goes out (idle proxies close quiet
# connections).
KEEPALIVE_S = 15.0


@dataclass(frozen=True, slots=True)
class FollowEvent:
    """One event for the follower: `start`, `delta`, `done`, `error`, or `keepalive`."""

    event: str
    data: dict[str, Any]


def _tag(response: ResponseRead) -> dict[str, Any]:
    return {"responseId": response.id, "model": response.model}


def ending(response: ResponseRead) -> FollowEvent:
    """The last event of a stored run: `done`, or `error` with its problem when it failed."""
    data = {**_tag(response), "response": response.model_dump(mode="json", by_alias=True)}
    if response.status == ResponseStatus.FAILED:
        data["problem"] = response.error or {"title": "The run failed", "detail": ""}
        return FollowEvent("error", data)
    return FollowEvent("done", data)


class RunFollower:
    """Finds a run of the acting user's and follows it to its end."""

    def __init__(
        self, registry: RunRegistry, factory: SessionFactory, owner_id: str, *, poll: float
    ) -> None:
        self.registry = registry
        self.factory = factory
        self.owner_id = owner_id
        self.poll = poll

    def live(self, response_id: int) -> ActiveRun | None:
        """The run, when this process runs it (its channel replays everything)."""
        return self.registry.find(response_id)

    async def read(self, response_id: int) -> ResponseRead | None:
        """The stored response, read in a short unit of work of its own."""
        async with unit_of_work(self.factory) as session:
            row = await Storage(session).get_response(self.owner_id, response_id)
            return ResponseRead.model_validate(row) if row else None

    async def stored(self, response: ResponseRead) -> AsyncIterator[FollowEvent]:
        """A run not in this process: its stored text so far, then what it adds, then its end."""
        yield FollowEvent("start", _tag(response))
        sent = 0
        quiet = 0.0
        while True:
            if len(response.content) > sent:
                yield FollowEvent("delta", {**_tag(response), "text": response.content[sent:]})
                sent = len(response.content)
                quiet = 0.0
            if response.status != ResponseStatus.RUNNING:
                yield ending(response)
                return
            await asyncio.sleep(self.poll)
            quiet += self.poll
            if quiet >= KEEPALIVE_S:
                quiet = 0.0
                yield FollowEvent("keepalive", {})
            again = await self.read(response.id)
            if again is None:  # deleted meanwhile (with its prompt, or by the user)
                problem = {"title": "Not found", "detail": NotFound(NO_SUCH_RESPONSE).detail}
                yield FollowEvent("error", {**_tag(response), "response": None, "problem": problem})
                return
            response = again
