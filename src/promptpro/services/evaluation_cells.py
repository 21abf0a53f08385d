"""One cell's life in a worker: hold it (a lease renewed while it runs), run it through the
same run service as every run, grade it with its assertions, record it.

A run is started with `RunService.start` (the same plan, keys, budgets, record and provider
retry rules as the run panel); its record is the cell's `response_id`. A provider's 429
waits (its Retry-After, else a doubling backoff, bounded) and tries again, each try counted
in the cell's attempts; the cell errors when they run out. Every write is conditional on the
cell still being held by this worker on this attempt: a cell cancelled meanwhile, or taken
again after this worker was thought dead, is never recorded twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from promptpro.db.models import CellStatus
from promptpro.db.session import SessionFactory, unit_of_work
from promptpro.errors import PromptProError, ProviderError, ProviderErrorKind
from promptpro.providers.registry import ProviderRegistry
from promptpro.providers.types import Usage
from promptpro.schemas.assertions import Assertion
from promptpro.security.vault import Vault
from promptpro.services.assertions import EvalResult, evaluate_cell
from promptpro.services.judge import JudgeRequest
from promptpro.services.run_execution import RunExecutor, RunOutcome
from promptpro.services.run_plans import VersionSource, plan_runs, version_source
from promptpro.services.run_requests import completion_request
from promptpro.services.runs import RunService
from promptpro.storage import Storage
from promptpro.storage.cell_leases import CellLeases, HeldCell

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CellRules:
    """How cells are held and retried (from the settings)."""

    lease: float = 60.0
    max_attempts: int = 3
    first_wait: float = 1.0
    max_wait: float = 60.0


@dataclass
class EvaluationSnapshot:
    """What every cell of one evaluation needs, read once per drive."""

    id: int
    workspace_id: int
    prompt_id: int
    owner_id: str
    variants: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    assertions: list[dict[str, Any]]
    threshold: float | None
    sources: dict[int, VersionSource] = field(default_factory=dict)
    # The evaluation's own assertions, parsed once (a row's own are parsed with its cell).
    parsed: list[Assertion] | None = None

    def evaluation_assertions(self) -> list[Assertion]:
        """The assertions every cell is graded with, parsed at the first cell."""
        if self.parsed is None:
            self.parsed = [Assertion.model_validate(item) for item in self.assertions]
        return self.parsed


def _problem(error: PromptProError) -> dict[str, Any]:
    kind = getattr(error, "kind", None)
    return {
        "type": f"/problems/{kind}" if kind else "/problems/run-failed",
        "title": error.title,
        "detail": error.detail,
    }


class CellRunner:
    """Runs cells for an engine: its executor, keys and providers, its worker id."""

    def __init__(
        self,
        factory: SessionFactory,
        executor: RunExecutor,
        vault: Vault,
        providers: Callable[[], ProviderRegistry],
        rules: CellRules,
        worker_id: str,
    ) -> None:
        self.factory = factory
        self.executor = executor
        self.vault = vault
        self.providers = providers
        self.rules = rules
        self.worker_id = worker_id
        self.leases = CellLeases(executor.records.engine)

    async def _source(
        self, snapshot: EvaluationSnapshot, number: int | None
    ) -> VersionSource | None:
        if number is None:
            return None
        if number not in snapshot.sources:
            async with unit_of_work(self.factory) as session:
                version = await Storage(session).get_prompt_version(
                    snapshot.owner_id, snapshot.prompt_id, number
                )
            if version is None:
                raise PromptProError(f"Version {number} of the prompt is gone.")
            snapshot.sources[number] = version_source(version, version.parameters)
        return snapshot.sources[number]

    async def _run_once(
        self, snapshot: EvaluationSnapshot, cell: HeldCell
    ) -> tuple[RunOutcome | None, PromptProError | None]:
        """One run of the cell's prompt through the run service; its outcome, or the error
        that kept it from starting."""
        variant = snapshot.variants[cell.variant]
        row = snapshot.rows[cell.row_index]
        try:
            source = await self._source(snapshot, variant.get("version"))
            async with unit_of_work(self.factory) as session:
                service = RunService(
                    Storage(session), self.vault, self.providers(), self.executor, snapshot.owner_id
                )
                [started] = await service.start(
                    snapshot.prompt_id,
                    models=[variant["model"]],
                    parameters=None,
                    variables=row["variables"],
                    streamed=False,
                    started=time.perf_counter(),
                    version=source,
                )
        except PromptProError as exc:
            return None, exc
        return await self.executor.outcome(started.run), None

    async def _judge(
        self, snapshot: EvaluationSnapshot, model: str, request: JudgeRequest
    ) -> tuple[str, float | None]:
        """An llm-rubric's call: planned as a run of the prompt on the judge model (keys,
        budgets), sent the judge's messages and schema instead; not kept as a response."""
        [plan] = await plan_runs(
            self.executor.records,
            self.vault,
            self.providers(),
            owner_id=snapshot.owner_id,
            prompt_id=snapshot.prompt_id,
            models=[model],
            parameters=None,
            variables={},
            started=time.perf_counter(),
            version=VersionSource(0, "", {}),
        )
        plan = dataclasses.replace(
            plan,
            version_id=None,
            rendered_input=request.user,
            parameters={"temperature": 0},
            messages=[
                {"role": "system", "content": request.system},
                {"role": "user", "content": request.user},
            ],
            output_schema=request.schema,
            tools=None,
        )
        completion = await plan.provider.complete(completion_request(plan), api_key=plan.api_key)
        cost, _ = plan.cost_usd(self.executor.catalogue, completion.usage or Usage())
        return completion.text, cost

    async def _grade(
        self, snapshot: EvaluationSnapshot, cell: HeldCell, outcome: RunOutcome
    ) -> dict[str, Any]:
        response = outcome.response
        assert response is not None
        row = snapshot.rows[cell.row_index]
        result = EvalResult(
            output=response.content,
            latency_ms=(response.generation_time or 0.0) * 1000,
            cost_usd=response.cost_usd,
            input_tokens=response.input_tokens,
            output_tokens=response.output_tokens,
        )
        assertions = [
            *snapshot.evaluation_assertions(),
            *(Assertion.model_validate(item) for item in row.get("assertions") or []),
        ]

        async def judge(model: str, request: JudgeRequest) -> tuple[str, float | None]:
            try:
                return await self._judge(snapshot, model, request)
            except PromptProError as exc:  # the judge failed: its assertion fails, saying why
                return f"(the judge could not answer: {exc.detail})", None

        grade = await evaluate_cell(
            assertions,
            result,
            expected=row.get("expected"),
            variables=row["variables"],
            threshold=snapshot.threshold,
            judge=judge,
        )
        judge_costs = [o.judge_cost_usd for o in grade.outcomes if o.judge_cost_usd is not None]
        return {
            "status": CellStatus.PASSED if grade.passed else CellStatus.FAILED,
            "output": response.content,
            "assertion_results": [dataclasses.asdict(o) for o in grade.outcomes],
            "score": grade.score,
            "latency_ms": result.latency_ms,
            "input_tokens": response.input_tokens,
            "output_tokens": response.output_tokens,
            "cost_usd": response.cost_usd,
            "judge_cost_usd": sum(judge_costs) if judge_costs else None,
            "error": None,
        }

    async def _keep_lease(self, cell_id: int, attempt: list[int]) -> None:
        """Renew the cell's lease every third of it while it runs."""
        while True:
            await asyncio.sleep(self.rules.lease / 3)
            with contextlib.suppress(Exception):  # a missed renewal: the next one may land
                await self.leases.renew(cell_id, self.worker_id, attempt[0], self.rules.lease)

    async def run(self, snapshot: EvaluationSnapshot, cell: HeldCell) -> bool:
        """Run a cell this worker holds to its recorded end; whether it was recorded."""
        attempt = [cell.attempts]
        keeper = asyncio.create_task(self._keep_lease(cell.id, attempt))
        try:
            values = await self._attempts(snapshot, cell, attempt)
            if values is None:
                return False
            return await self.leases.record(cell.id, self.worker_id, attempt[0], values)
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper

    async def _attempts(
        self, snapshot: EvaluationSnapshot, cell: HeldCell, attempt: list[int]
    ) -> dict[str, Any] | None:
        """Run the cell, trying again after a 429 while attempts remain; its values to
        record (None: it is no longer this worker's)."""
        wait = self.rules.first_wait
        while True:
            outcome, refused = await self._run_once(snapshot, cell)
            error = refused or (outcome.error if outcome else None)
            response_id = outcome.response.id if outcome and outcome.response else None
            if outcome is not None and outcome.error is None and outcome.response is not None:
                graded = await self._grade(snapshot, cell, outcome)
                return {**graded, "response_id": response_id}
            limited = (
                isinstance(error, ProviderError) and error.kind == ProviderErrorKind.RATE_LIMITED
            )
            if limited and attempt[0] < self.rules.max_attempts:
                assert isinstance(error, ProviderError)
                pause = min(error.retry_after or wait, self.rules.max_wait)
                log.info("cell %s rate-limited, waiting %.2fs", cell.id, pause)
                await asyncio.sleep(pause)
                wait = min(wait * 2, self.rules.max_wait)
                if not await self.leases.count_attempt(cell.id, self.worker_id, attempt[0]):
                    return None
                attempt[0] += 1
                continue
            problem = _problem(error) if error else {"title": "The run was not stored"}
            return {
                "status": CellStatus.ERRORED,
                "error": problem,
                "response_id": response_id,
                "output": outcome.response.content if outcome and outcome.response else None,
            }
