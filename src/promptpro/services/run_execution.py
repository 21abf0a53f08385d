"""Executing a planned run: a server-owned task that streams, publishes and keeps the record.

The task is an entry point of its own, like a request or a CLI command: it holds no
transaction while the provider streams, and stores the run in short units of work —
its `running` row first, its end last. A cancel recorded in the database (by any worker
process) stops it within `cancel_poll` seconds; one made in this process stops it at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from promptpro import metrics
from promptpro.db.errors import is_database_lost
from promptpro.db.models import ResponseStatus
from promptpro.errors import NotFound, PromptProError, ProviderError, RunNotStored
from promptpro.providers.catalogue import Catalogue, get_catalogue
from promptpro.providers.types import CompletionRequest, TextDelta, ToolCall, Usage
from promptpro.schemas.library import PromptParameters
from promptpro.schemas.responses import ResponseCreate, ResponseRead
from promptpro.services.run_plans import RunPlan
from promptpro.services.run_registry import ActiveRun, RunEvent, RunRegistry
from promptpro.services.run_requests import completion_request
from promptpro.services.structured import check_output
from promptpro.services.text import storable
from promptpro.storage.run_records import RunRecords

log = logging.getLogger(__name__)

# A run that is not streamed to anyone records its `running` row only if it lasts longer
# than this: most runs then cost one write instead of two (SQLite has one writer).
RECORD_AFTER_S = 0.25
# How often a run looks in the database for a cancel made by another worker process.
CANCEL_POLL_S = 1.0
# How often a streaming run writes the text it has so far into its record.
PROGRESS_EVERY_S = 3.0
# How long a run keeps trying to store its answer while the database is lost, and the
# waits between tries (doubling from the first to the longest).
STORE_RETRY_S = 120.0
RETRY_FIRST_WAIT_S = 0.05
RETRY_LONGEST_WAIT_S = 2.0

T = TypeVar("T")


@dataclass(frozen=True)
class RunOutcome:
    """How a run ended: the stored response, and the error when it failed.

    `response` is None only when the run's record could not be stored at all (`error` says
    why): its followers are told, never left waiting.
    """

    response: ResponseRead | None
    error: PromptProError | None = None


def _problem(error: PromptProError) -> dict[str, Any]:
    kind = getattr(error, "kind", None)
    return {
        "type": f"/problems/{kind}" if kind else "/problems/run-failed",
        "title": error.title,
        "detail": error.detail,
    }


class RunExecutor:
    """Starts runs as server-owned tasks and stores each one's record as it goes."""

    def __init__(
        self,
        records: RunRecords,
        catalogue: Catalogue | None = None,
        registry: RunRegistry | None = None,
        *,
        record_after: float = RECORD_AFTER_S,
        cancel_poll: float = CANCEL_POLL_S,
        progress_every: float = PROGRESS_EVERY_S,
        store_retry: float = STORE_RETRY_S,
        worker_id: str | None = None,
    ) -> None:
        self.records = records
        self._catalogue = catalogue  # None: the one in effect (a loaded update included)
        self.registry = registry if registry is not None else RunRegistry()  # empty is falsy
        self.record_after = record_after
        self.cancel_poll = cancel_poll
        self.progress_every = progress_every
        self.store_retry = store_retry
        # The worker process whose heartbeat vouches for this process's runs.
        self.worker_id = worker_id

    @property
    def catalogue(self) -> Catalogue:
        """The catalogue that prices runs: the given one, or the one in effect now."""
        return self._catalogue if self._catalogue is not None else get_catalogue()

    def launch(self, plan: RunPlan, *, streamed: bool) -> ActiveRun:
        """Start the run; a `streamed` one writes its `running` row at once, for its followers.

        A run nobody watches stream calls the provider's non-streamed endpoint: its answer
        comes in one piece (so its time to first token is the time to the whole answer, and
        only the run's total timeout bounds it), which costs the server half as much as
        parsing a stream chunk by chunk.
        """
        loop = asyncio.get_running_loop()
        run = ActiveRun(
            response_id_ready=loop.create_future(),
            owner_id=plan.owner_id,
            holds=plan.budget_scopes() if plan.estimate_usd else (),
            held_usd=plan.estimate_usd,
        )
        metrics.run_started(plan.model)
        self.registry.start(run, _Execution(self, plan, run, streamed).run())
        return run

    async def outcome(self, run: ActiveRun) -> RunOutcome:
        """Wait for the run's end (the run goes on if the waiter is cancelled)."""
        async for event in run.channel.follow():
            if event.event in ("done", "error"):
                return event.data["outcome"]  # type: ignore[no-any-return]
        raise RuntimeError("a run ended without an outcome")  # pragma: no cover


class _Execution:
    """One run's life: stream from the provider, publish events, keep the record."""

    def __init__(
        self, executor: RunExecutor, plan: RunPlan, run: ActiveRun, streamed: bool
    ) -> None:
        self.executor = executor
        self.plan = plan
        self.run_ = run
        self.streamed = streamed
        self.parts: list[str] = []
        self.first_token: float | None = None
        # The provider's token counts as last reported: a stopped run keeps them.
        self.usage: Usage | None = None
        self.response_id: int | None = None
        self.finished = False
        self.lock = asyncio.Lock()
        self.saved_parts = 0  # how many of `parts` the record's content already holds
        self.tool_calls: list[ToolCall] = []

    async def run(self) -> None:
        """Execute the run to its end, whatever happens to whoever started it."""
        plan, run = self.plan, self.run_
        recorder = asyncio.create_task(self._record_running())
        watcher = asyncio.create_task(self._watch_for_cancel(recorder))
        if self.streamed:
            # Let the `running` row's INSERT go out before the SDK spends its CPU on building
            # the request: the database then works while we do, and the `start` event (which
            # waits for the row's id) is ready by the time the first token is.
            await asyncio.sleep(0)
        status, error, usage = ResponseStatus.COMPLETED, None, None
        try:
            request = completion_request(plan)
            usage = await (self._stream(request) if self.streamed else self._complete(request))
        except asyncio.CancelledError:
            reason = run.stop_reason or "shutdown"
            status = ResponseStatus.CANCELLED if reason == "cancelled" else ResponseStatus.FAILED
            if status is ResponseStatus.FAILED:
                error = PromptProError("The server stopped before the run finished.")
            usage = self.usage
        except ProviderError as exc:
            status, error = ResponseStatus.FAILED, exc
        except PromptProError as exc:  # e.g. Invalid parameters for this provider
            status, error = ResponseStatus.FAILED, exc
        finally:
            run.finishing = True
            watcher.cancel()
        metrics.run_ended(plan.model, status, error, plan.started, self.first_token)
        await self._finish(recorder, status, error, usage)
        # The watcher may have been cancelled in the middle of its query: the run ends once
        # it has given its connection back, so that a shutdown's dispose can close it.
        await asyncio.wait([watcher])

    async def _stream(self, request: CompletionRequest) -> Usage | None:
        usage = None
        async for event in self.plan.provider.stream(request, api_key=self.plan.api_key):
            if isinstance(event, TextDelta):
                await self._text(event.text)
                # Let the followers send it before the next chunk is parsed: chunks often
                # arrive together, and the first token should not wait for the others.
                await asyncio.sleep(0)
            elif isinstance(event, ToolCall):
                self.tool_calls.append(event)
            else:
                usage = self.usage = event
        return usage

    async def _complete(self, request: CompletionRequest) -> Usage:
        completion = await self.plan.provider.complete(request, api_key=self.plan.api_key)
        if completion.text:
            await self._text(completion.text)
        self.tool_calls += completion.tool_calls
        return completion.usage

    async def _text(self, text: str) -> None:
        # No database here can store NUL or a lone surrogate; a model that sends one gets
        # the replacement character, in the stream and in the record alike.
        text = storable(text)
        if self.first_token is None:
            self.first_token = time.perf_counter() - self.plan.started
        self.parts.append(text)
        await self.run_.channel.publish(RunEvent("delta", {"text": text}))

    async def _record_running(self) -> None:
        if not self.streamed:
            await asyncio.sleep(self.executor.record_after)
        async with self.lock:
            if self.finished:
                return
            record = self._record(ResponseStatus.RUNNING, "", None, None)
            try:
                response_id = await self._store(record)
            except Exception as exc:  # the run goes on; its end tries to store it whole
                log.warning("a run on %s could not record its start: %r", self.plan.model, exc)
                return
            self.response_id = response_id
            self.executor.registry.register_response(self.run_, response_id)
            self.run_.response_id_ready.set_result(response_id)

    async def _watch_for_cancel(self, recorder: asyncio.Task[None]) -> None:
        """Stop the run when another process marks it cancelled in the database."""
        try:
            # shield: cancelling the watcher must not cancel the recording of the run.
            await asyncio.shield(recorder)
        except asyncio.CancelledError:
            return  # the run ended before it was recorded: nothing to watch
        if self.response_id is None:
            return  # its start could not be recorded: no row to be cancelled in
        executor = self.executor
        saved_at = time.monotonic()
        while True:
            await asyncio.sleep(executor.cancel_poll)
            try:
                status = await executor.records.status(self.plan.owner_id, self.response_id)
                if status == ResponseStatus.CANCELLED and self.run_.task is not None:
                    self.run_.stop_reason = "cancelled"
                    self.run_.task.cancel()
                    return
                if time.monotonic() - saved_at >= executor.progress_every:
                    saved_at = time.monotonic()
                    await self._save_progress()
            except Exception as exc:
                if not is_database_lost(exc):
                    raise
                # The database is away for now: the run goes on, and its end retries.
                log.info("a run on %s can't reach the database: %r", self.plan.model, exc)

    async def _save_progress(self) -> None:
        """Write the text so far into the record: kept if this process dies, seen by others."""
        count = len(self.parts)
        if count == self.saved_parts or self.response_id is None:
            return
        content = "".join(self.parts[:count])
        await self.executor.records.save_progress(self.plan.owner_id, self.response_id, content)
        self.saved_parts = count

    def _record(
        self,
        status: ResponseStatus,
        content: str,
        error: PromptProError | None,
        usage: Usage | None,
    ) -> ResponseCreate:
        plan = self.plan
        usage = usage or Usage()
        cost, priced_by = plan.cost_usd(self.executor.catalogue, usage)
        ended = status is not ResponseStatus.RUNNING
        fits, failures = None, None
        if status is ResponseStatus.COMPLETED and not self.tool_calls:
            fits, failures = check_output(content, plan.output_schema)
        return ResponseCreate(
            content=content,
            model=plan.model,
            generation_time=time.perf_counter() - plan.started if ended else None,
            prompt_version_id=plan.version_id,
            rendered_input=plan.rendered_input,
            parameters=PromptParameters(**plan.parameters) if plan.parameters else None,
            variables=plan.variables,
            status=status,
            error=_problem(error) if error else None,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=cost,
            cached_input_tokens=usage.cached_input_tokens,
            cache_write_tokens=usage.cache_write_tokens,
            reasoning_tokens=usage.reasoning_tokens,
            price_table=priced_by,
            time_to_first_token=self.first_token,
            compare_group_id=plan.compare_group_id,
            messages=plan.messages,
            schema_valid=fits,
            schema_errors=failures,
            tool_calls=[
                {"id": call.id, "name": call.name, "arguments": dict(call.arguments)}
                for call in self.tool_calls
            ]
            or None,
            previous_response_id=plan.previous_response_id,
            key_source=plan.key_source,
            snippets=[{"name": n, "version": v} for n, v in plan.snippets] or None,
        )

    async def _store(self, record: ResponseCreate) -> int:
        return await self.executor.records.record(
            self.plan.owner_id,
            self.plan.prompt_id,
            record,
            created_at=self.plan.started_at,
            worker_id=self.executor.worker_id,
        )

    async def _retrying(self, write: Callable[[], Awaitable[T]]) -> T:
        """`write` the run's record, again while the database is lost (up to `store_retry` s).

        The answer is paid for and held here: a database that restarts, or (SQLite) stays
        locked by another writer, must cost a wait, not the answer. Each try takes a
        connection from the pool, which replaces the dead ones (`db.hot`).
        """
        deadline = time.monotonic() + self.executor.store_retry
        wait = RETRY_FIRST_WAIT_S
        while True:
            try:
                return await write()
            except Exception as exc:
                if not is_database_lost(exc) or time.monotonic() + wait > deadline:
                    raise
                log.warning(
                    "a run on %s could not store its record, trying again: %s",
                    self.plan.model,
                    type(exc).__name__,
                )
            await asyncio.sleep(wait)
            wait = min(wait * 2, RETRY_LONGEST_WAIT_S)

    async def _finish(
        self,
        recorder: asyncio.Task[None],
        status: ResponseStatus,
        error: PromptProError | None,
        usage: Usage | None,
    ) -> None:
        record = self._record(status, "".join(self.parts), error, usage)
        async with self.lock:
            self.finished = True
            recorder.cancel()
            try:
                if self.response_id is None:
                    self.response_id = await self._retrying(lambda: self._store(record))
                else:
                    status = await self._retrying(lambda: self._update(record))
            except Exception as exc:
                await self._end_unstored(exc)
                return
        if not self.run_.response_id_ready.done():
            self.run_.response_id_ready.set_result(self.response_id)
        read = ResponseRead.model_validate(
            {
                **record.model_dump(),
                "id": self.response_id,
                "prompt_id": self.plan.prompt_id,
                "run_by_id": self.plan.owner_id,
                "created_at": self.plan.started_at,
                "status": status,
            }
        )
        outcome = RunOutcome(read, error if status is ResponseStatus.FAILED else None)
        await self.run_.channel.publish(
            RunEvent("error" if outcome.error else "done", {"outcome": outcome})
        )
        await self.run_.channel.close()

    async def _end_unstored(self, exc: Exception) -> None:
        """The run's record could not be written: tell its followers why, and end."""
        if isinstance(exc, NotFound):  # the prompt, and its responses, were deleted meanwhile
            error: PromptProError = NotFound("The prompt was deleted while it ran.")
        else:
            log.error("a run on %s could not store its end", self.plan.model, exc_info=exc)
            error = RunNotStored(
                "The answer arrived, but the database could not store it: run it again."
            )
        if not self.run_.response_id_ready.done():
            self.run_.response_id_ready.set_result(None)
        await self.run_.channel.publish(RunEvent("error", {"outcome": RunOutcome(None, error)}))
        await self.run_.channel.close()

    async def _update(self, record: ResponseCreate) -> ResponseStatus:
        """Store the end of a recorded run; a cancel made meanwhile wins over the result."""
        assert self.response_id is not None
        values = record.model_dump(
            exclude={
                "model",
                "prompt_version_id",
                "rendered_input",
                "parameters",
                "variables",
                "messages",
                "previous_response_id",
            }
        )
        records, owner_id = self.executor.records, self.plan.owner_id
        if await records.finish(owner_id, self.response_id, values):
            return record.status
        if await records.keep_cancelled_text(owner_id, self.response_id, values):
            return ResponseStatus.CANCELLED
        # Neither running nor cancelled: an earlier try stored it, its reply lost with the
        # connection (or housekeeping failed it); or its prompt was deleted meanwhile.
        status = await records.status(owner_id, self.response_id)
        if status is None:
            raise NotFound("No such response.")
        return ResponseStatus(status)
