"""The evaluation engine: drives evaluations by taking their cells and running them.

The same code runs in the server (SQLite, or `evaluation_runner = "server"`: `ServerDispatch`
starts a drive as a background task) and in `promptpro worker` processes (PostgreSQL: a
procrastinate job calls `drive`, services/jobs.py). A drive runs up to `concurrency` cells
at once, claimed atomically as slots free up, several in one statement
(storage/cell_leases.py: an UPDATE of pending or lease-expired cells, FOR UPDATE SKIP
LOCKED on PostgreSQL), within a per-process limit per workspace and provider. `sweep`
finds what nobody drives: cells whose worker died (their lease expired; taken again, or
errored once out of attempts) and evaluations left by a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from promptpro.config import Settings
from promptpro.db.models import EvaluationStatus
from promptpro.db.session import SessionFactory, unit_of_work
from promptpro.providers.registry import ProviderRegistry
from promptpro.security.vault import Vault
from promptpro.services.evaluation_cells import CellRules, CellRunner, EvaluationSnapshot
from promptpro.services.run_execution import RunExecutor
from promptpro.services.run_registry import RunRegistry
from promptpro.storage import Storage
from promptpro.storage.cell_leases import CellLeases, HeldCell
from promptpro.storage.run_records import RunRecords

log = logging.getLogger(__name__)

OPEN = (EvaluationStatus.QUEUED, EvaluationStatus.RUNNING)
# The most cells one claim takes: as many as this process has slots free, up to this.
CLAIM_BATCH = 32


def rules_from(settings: Settings) -> CellRules:
    """The cell rules the settings give."""
    return CellRules(
        lease=settings.evaluation_lease_seconds,
        max_attempts=settings.evaluation_max_attempts,
        first_wait=settings.evaluation_rate_limit_first_wait_seconds,
        max_wait=settings.evaluation_rate_limit_max_wait_seconds,
    )


class EvaluationEngine:
    """Takes and runs cells in this process, within its concurrency limits."""

    def __init__(
        self,
        factory: SessionFactory,
        records: RunRecords,
        vault: Vault,
        providers: Callable[[], ProviderRegistry],
        settings: Settings,
        worker_id: str,
    ) -> None:
        self.factory = factory
        self.settings = settings
        self.worker_id = worker_id
        self.concurrency = settings.evaluation_concurrency
        # Its own registry: an evaluation's runs don't take their creator's interactive run
        # slots (max_runs_per_user), and are bounded by the engine's concurrency instead.
        registry = RunRegistry(per_user=self.concurrency, per_process=self.concurrency)
        self.executor = RunExecutor(
            records,
            None,
            registry,
            progress_every=settings.run_progress_seconds,
            store_retry=settings.run_store_retry_seconds,
            worker_id=worker_id,
        )
        self.rules = rules_from(settings)
        self.leases = CellLeases(records.engine)
        self.runner = CellRunner(factory, self.executor, vault, providers, self.rules, worker_id)
        self.slots = asyncio.Semaphore(self.concurrency)
        self.provider_slots: dict[tuple[int, str], asyncio.Semaphore] = {}
        self.cells_run = 0  # recorded by this process (the bench reads it)

    def _provider_slot(self, workspace_id: int, model: str) -> asyncio.Semaphore:
        key = (workspace_id, model.partition("/")[0])
        if key not in self.provider_slots:
            self.provider_slots[key] = asyncio.Semaphore(
                self.settings.evaluation_provider_concurrency
            )
        return self.provider_slots[key]

    async def _snapshot(self, evaluation_id: int) -> EvaluationSnapshot | None:
        async with unit_of_work(self.factory) as session:
            evaluation = await Storage(session).evaluation_by_id(evaluation_id)
            if evaluation is None or evaluation.status not in OPEN:
                return None
            return EvaluationSnapshot(
                id=evaluation.id,
                workspace_id=evaluation.workspace_id,
                prompt_id=evaluation.prompt_id,
                owner_id=evaluation.created_by,
                variants=evaluation.variants,
                rows=evaluation.rows,
                assertions=evaluation.assertions,
                threshold=evaluation.threshold,
            )

    async def drive(self, evaluation_id: int) -> None:
        """Run the evaluation's cells until none is left to take."""
        snapshot = await self._snapshot(evaluation_id)
        if snapshot is None:
            return
        async with unit_of_work(self.factory) as session:
            await Storage(session).mark_running(evaluation_id)
        await self._run_cells(snapshot)
        # The evaluation is marked completed when a drive ends, not after every cell: one
        # conditional UPDATE per cell was a tenth of its cost.
        async with unit_of_work(self.factory) as session:
            await Storage(session).finish_if_done(evaluation_id)

    async def _free_slots(self) -> int:
        """Wait for one of this process's slots, then take every other one free now (up to
        a batch): the cells to claim at once."""
        await self.slots.acquire()
        taken = 1
        # An unlocked semaphore is acquired without waiting: nothing else runs meanwhile.
        while taken < CLAIM_BATCH and not self.slots.locked():
            await self.slots.acquire()
            taken += 1
        return taken

    async def _run_cells(self, snapshot: EvaluationSnapshot) -> None:
        """Claim cells as slots free up, several in one statement, and run each in a task
        of its own; return when a claim finds none and none of ours is running."""
        running: set[asyncio.Task[None]] = set()
        try:
            while True:
                free = await self._free_slots()
                cells: list[HeldCell] = []
                try:
                    cells = await self.leases.claim(
                        snapshot.id,
                        self.worker_id,
                        lease=self.rules.lease,
                        max_attempts=self.rules.max_attempts,
                        limit=free,
                    )
                finally:
                    for _ in range(free - len(cells)):
                        self.slots.release()
                for cell in cells:
                    task = asyncio.create_task(self._run_cell(snapshot, cell))
                    running.add(task)
                    task.add_done_callback(running.discard)
                if not cells:
                    if not running:
                        return
                    # Cells of ours still run: one that ends may leave another to take (a
                    # dead worker's, its lease expired meanwhile), as a claim after it did.
                    await asyncio.wait(set(running), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in running:
                task.cancel()
            if running:
                await asyncio.gather(*running, return_exceptions=True)

    async def _run_cell(self, snapshot: EvaluationSnapshot, cell: HeldCell) -> None:
        """Run one claimed cell within its provider's limit, then give its slot back."""
        try:
            model = snapshot.variants[cell.variant]["model"]
            async with self._provider_slot(snapshot.workspace_id, model):
                try:
                    recorded = await self.runner.run(snapshot, cell)
                except Exception:  # a bug or a lost database: the lease lets it be retaken
                    log.exception("evaluation %s: cell %s failed to run", snapshot.id, cell.id)
                    return
            self.cells_run += recorded
        finally:
            self.slots.release()

    async def sweep(self, kick: Callable[[int], Awaitable[None]]) -> None:
        """Error the cells whose worker died on their last attempt, and hand `kick` every
        evaluation with cells nobody is driving."""
        async with unit_of_work(self.factory) as session:
            storage = Storage(session)
            ended = await storage.give_up_stale(self.rules.max_attempts)
            for evaluation_id in ended:
                await storage.finish_if_done(evaluation_id)
            waiting = await storage.evaluations_needing_work()
        for evaluation_id in waiting:
            await kick(evaluation_id)

    async def sweep_periodically(
        self, kick: Callable[[int], Awaitable[None]], stop: asyncio.Event
    ) -> None:
        """`sweep` every `evaluation_sweep_seconds` (at once first) until `stop` is set."""
        while not stop.is_set():
            try:
                await self.sweep(kick)
            except Exception as exc:  # the database away for now: next round
                log.warning("evaluation sweep failed: %r", exc)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.settings.evaluation_sweep_seconds):
                    await stop.wait()


class ServerDispatch:
    """Runs evaluations in this server process: each kick starts a drive in the background."""

    def __init__(self, engine: EvaluationEngine) -> None:
        self.engine = engine
        self.driving: dict[int, asyncio.Task[None]] = {}
        self.stop = asyncio.Event()
        self.sweeper: asyncio.Task[None] | None = None

    async def kick(self, evaluation_id: int) -> None:
        """Drive the evaluation unless this process already does."""
        if evaluation_id in self.driving:
            return
        task = asyncio.create_task(self.engine.drive(evaluation_id))
        self.driving[evaluation_id] = task
        task.add_done_callback(lambda _: self.driving.pop(evaluation_id, None))

    def start(self) -> None:
        """Start sweeping (evaluations a restart left unfinished are taken up at once)."""
        self.sweeper = asyncio.create_task(self.engine.sweep_periodically(self.kick, self.stop))

    async def close(self) -> None:
        """Stop sweeping and driving; cells running now are taken again later (their lease)."""
        self.stop.set()
        tasks = [*self.driving.values(), *([self.sweeper] if self.sweeper else [])]
        for task in self.driving.values():
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.engine.executor.registry.shutdown()
