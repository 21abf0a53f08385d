"""Evaluations: create one (its matrix checked, its cost estimated and admitted), read its
progress and summary, list them, page its cells, cancel, retry the failed cells, rate a cell.

The cells are run elsewhere (services/evaluation_engine.py): by the server itself or by
`promptpro worker` processes. This module only writes the rows they take; the caller hands
a new or reopened evaluation to the engine (`EvaluationDispatch.kick`) once committed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

from promptpro.db.models import CellStatus, Evaluation, EvaluationStatus, TestSet
from promptpro.errors import ConfirmationRequired, Conflict, Invalid, NotFound
from promptpro.providers.registry import ProviderRegistry
from promptpro.schemas.evaluations import (
    CellPage,
    CellRead,
    EstimateRead,
    EvaluationCreate,
    EvaluationCreated,
    EvaluationListItem,
    EvaluationRead,
)
from promptpro.schemas.feedback import RatingUpdate
from promptpro.security.vault import Vault
from promptpro.services import permissions
from promptpro.services.budgets import admit_estimate
from promptpro.services.evaluation_estimates import estimate_matrix
from promptpro.services.evaluation_summaries import summarise
from promptpro.services.run_plans import RunPlan, VersionSource, plan_runs, version_source
from promptpro.services.workspaces import require_in
from promptpro.storage import Storage
from promptpro.storage.pagination import ValueKeyset
from promptpro.storage.run_records import RunRecords

NO_SUCH_EVALUATION = "No such evaluation."
NO_SUCH_CELL = "No such cell in this evaluation."
ROWS_PAGE = 1_000


class EvaluationDispatch(Protocol):
    """Hands an evaluation with pending cells to whoever runs cells (server or workers)."""

    async def kick(self, evaluation_id: int) -> None: ...


@dataclass(frozen=True)
class Priced:
    """An evaluation as asked for, checked and estimated; nothing written yet."""

    test_set: TestSet
    prompt_id: int
    variants: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    estimate: EstimateRead


@dataclass(frozen=True)
class EvaluationLimits:
    """The settings an evaluation is checked against."""

    max_cells: int = 20_000
    confirm_over_usd: float = 1.0
    max_rows: int = 10_000


def evaluation_read(
    evaluation: Evaluation, counts: dict[str, int], cells: list[Any]
) -> EvaluationRead:
    """An evaluation on the wire, with its progress and per-variant summary."""
    return EvaluationRead(
        id=evaluation.id,
        workspace_id=evaluation.workspace_id,
        test_set_id=evaluation.test_set_id,
        prompt_id=evaluation.prompt_id,
        label=evaluation.label,
        variants=evaluation.variants,
        models=evaluation.models,
        repeats=evaluation.repeats,
        status=evaluation.status,
        estimate=evaluation.estimate,
        row_count=len(evaluation.rows),
        cell_count=evaluation.cell_count,
        progress={status: counts.get(status, 0) for status in CellStatus},
        summary=summarise(evaluation, cells),
        created_by=evaluation.created_by,
        created_at=evaluation.created_at,
        finished_at=evaluation.finished_at,
    )


class EvaluationService:
    """The evaluation rules for one acting user."""

    def __init__(
        self,
        storage: Storage,
        actor_id: str,
        *,
        records: RunRecords | None = None,
        vault: Vault | None = None,
        providers: ProviderRegistry | None = None,
        limits: EvaluationLimits | None = None,
    ) -> None:
        self.storage = storage
        self.actor_id = actor_id
        self.records = records
        self.vault = vault
        self.providers = providers
        self.limits = limits or EvaluationLimits()

    async def find(self, evaluation_id: int, action: str = "evaluations.read") -> Evaluation:
        """The evaluation, if in one of the actor's workspaces (else NotFound), the actor's
        role there allowing `action` (else Forbidden)."""
        evaluation = await self.storage.get_evaluation(self.actor_id, evaluation_id)
        if evaluation is None:
            raise NotFound(NO_SUCH_EVALUATION)
        role = await self.storage.role_in(self.actor_id, evaluation.workspace_id)
        permissions.require_role(role, action)
        return evaluation

    # --- create ---------------------------------------------------------------------

    async def _test_set(self, test_set_id: int) -> TestSet:
        test_set = await self.storage.get_test_set(self.actor_id, test_set_id)
        if test_set is None:
            raise NotFound("No such test set.")
        role = await self.storage.role_in(self.actor_id, test_set.workspace_id)
        permissions.require_role(role, "evaluations.run")
        return test_set

    async def _rows(self, test_set_id: int) -> list[dict[str, Any]]:
        """The set's rows as the evaluation's snapshot."""
        rows: list[dict[str, Any]] = []
        after = 0
        while True:
            page = await self.storage.list_test_rows(test_set_id, after_id=after, limit=ROWS_PAGE)
            rows += [
                {
                    "id": row.id,
                    "variables": row.variables,
                    "expected": row.expected,
                    "assertions": row.assertions or [],
                }
                for row in page
            ]
            if len(page) < ROWS_PAGE or len(rows) >= self.limits.max_rows:
                return rows[: self.limits.max_rows]
            after = page[-1].id

    async def _versions(self, prompt_id: int, data: EvaluationCreate) -> list[int | None]:
        """The versions the variants run (None: the prompt as it is now)."""
        if data.label is not None:
            labels = await self.storage.label_map(prompt_id)
            if data.label not in labels:
                raise Invalid(f"This prompt has no label {data.label!r}.", field="label")
            return [labels[data.label]]
        if data.versions is None:
            return [None]
        for number in data.versions:
            if await self.storage.get_prompt_version(self.actor_id, prompt_id, number) is None:
                raise Invalid(f"This prompt has no version {number}.", field="versions")
        return list(data.versions)

    async def _source(self, prompt_id: int, number: int | None) -> VersionSource | None:
        if number is None:
            return None
        version = await self.storage.get_prompt_version(self.actor_id, prompt_id, number)
        if version is None:
            raise Invalid(f"This prompt has no version {number}.", field="versions")
        return version_source(version, version.parameters)

    async def plan_variant(
        self, prompt_id: int, variant: dict[str, Any], variables: dict[str, str]
    ) -> RunPlan:
        """A variant's run plan for one row (keys, model, wording): as its cells will run."""
        assert self.records is not None and self.vault is not None and self.providers
        [plan] = await plan_runs(
            self.records,
            self.vault,
            self.providers,
            owner_id=self.actor_id,
            prompt_id=prompt_id,
            models=[variant["model"]],
            parameters=None,
            variables=variables,
            started=time.perf_counter(),
            version=await self._source(prompt_id, variant["version"]),
        )
        return plan

    async def priced(self, data: EvaluationCreate) -> Priced:
        """The evaluation asked for, checked and priced, nothing written: a bad matrix
        (422) or a cost past a budget (402) is refused here."""
        test_set = await self._test_set(data.test_set_id)
        prompt = await self.storage.get_prompt(self.actor_id, data.prompt_id)
        if prompt is None:
            raise NotFound("No such prompt.")
        if prompt.workspace_id != test_set.workspace_id:
            raise Invalid(
                "The prompt and the test set are in different workspaces.", field="promptId"
            )
        versions = await self._versions(prompt.id, data)
        if len(versions) > 1:
            variants = [{"version": v, "model": data.models[0]} for v in versions]
        else:
            variants = [{"version": versions[0], "model": m} for m in data.models]
        rows = await self._rows(test_set.id)
        if not rows:
            raise Invalid("The test set has no rows.", field="testSetId")
        count = len(rows) * len(variants) * data.repeats
        if count > self.limits.max_cells:
            raise Invalid(
                f"{len(rows)} rows x {len(variants)} variants x {data.repeats} repeats is "
                f"{count} cells; an evaluation has at most {self.limits.max_cells}.",
                field="repeats",
            )
        # One real plan per variant (with the first row): a missing key, an unknown model
        # or a missing variable is a 4xx now rather than a column of errored cells.
        plans = [await self.plan_variant(prompt.id, v, rows[0]["variables"]) for v in variants]
        estimate = await estimate_matrix(plans, rows, test_set.assertions, data.repeats)
        assert self.records is not None
        await admit_estimate(self.records, plans, estimate.cost_usd or 0.0)
        return Priced(test_set, prompt.id, variants, rows, estimate)

    async def estimate(self, data: EvaluationCreate) -> EstimateRead:
        """What `create` would cost (all its checks but the confirmation), nothing written:
        the start form shows it before anything runs."""
        return (await self.priced(data)).estimate

    async def create(self, data: EvaluationCreate) -> tuple[Evaluation, EstimateRead]:
        """A queued evaluation (the caller commits, then kicks it), and its estimate.

        Refused before anything is written: a bad matrix (422), a cost past a budget (402),
        or an estimate above `confirmCostUsd` or the instance's threshold (409).
        """
        priced = await self.priced(data)
        test_set, rows, variants, estimate = (
            priced.test_set,
            priced.rows,
            priced.variants,
            priced.estimate,
        )
        agreed = (
            data.confirm_cost_usd
            if data.confirm_cost_usd is not None
            else self.limits.confirm_over_usd
        )
        if estimate.cost_usd is not None and estimate.cost_usd > agreed:
            raise ConfirmationRequired(
                f"This evaluation is estimated at ${estimate.cost_usd:,.4f}, more than "
                f"${agreed:,.4f}: send it again with confirmCostUsd of at least that.",
                estimate_usd=estimate.cost_usd,
                confirmed_usd=agreed,
            )
        cells = [
            {
                "row_index": index,
                "row_id": row["id"],
                "variant": variant,
                "repeat": repeat,
                "status": CellStatus.PENDING,
                "attempts": 0,
            }
            for index, row in enumerate(rows)
            for variant in range(len(variants))
            for repeat in range(data.repeats)
        ]
        evaluation = await self.storage.create_evaluation(
            {
                "workspace_id": test_set.workspace_id,
                "test_set_id": test_set.id,
                "prompt_id": priced.prompt_id,
                "created_by": self.actor_id,
                "label": data.label,
                "variants": variants,
                "models": list(data.models),
                "repeats": data.repeats,
                "status": EvaluationStatus.QUEUED,
                "estimate_usd": estimate.cost_usd,
                "estimate": estimate.model_dump(mode="json", by_alias=True),
                "rows": rows,
                "assertions": test_set.assertions or [],
                "threshold": test_set.threshold,
            },
            cells,
        )
        return evaluation, estimate

    async def created(self, data: EvaluationCreate) -> EvaluationCreated:
        """`create`, answered as the API does."""
        evaluation, estimate = await self.create(data)
        return EvaluationCreated(id=evaluation.id, estimate=estimate)

    # --- read -----------------------------------------------------------------------

    async def get(self, evaluation_id: int) -> EvaluationRead:
        """The evaluation with its progress and summary."""
        evaluation = await self.find(evaluation_id)
        counts = await self.storage.cell_counts(evaluation.id)
        cells = await self.storage.all_cells(evaluation.id)
        return evaluation_read(evaluation, counts, cells)

    async def list_evaluations(
        self, *, workspace_id: int | None, test_set_id: int | None, limit: int = 50
    ) -> list[EvaluationListItem]:
        """The newest evaluations the actor can see, of a workspace and/or a test set (a
        workspace the actor is not in is a 404, as everywhere)."""
        if workspace_id is not None:
            await require_in(self.storage, self.actor_id, workspace_id, "evaluations.read")
        found = await self.storage.list_evaluations(
            self.actor_id, workspace_id=workspace_id, test_set_id=test_set_id, limit=limit
        )
        return [EvaluationListItem.model_validate(evaluation) for evaluation in found]

    async def cells(
        self, evaluation_id: int, *, status: str | None, cursor: str | None, limit: int
    ) -> CellPage:
        """A page of cells in matrix order (keyset by id), optionally of one status."""
        if limit < 1:
            raise Invalid("A page holds at least one item.", field="limit")
        evaluation = await self.find(evaluation_id)
        after = ValueKeyset.decode(cursor, int).id if cursor else 0
        found = await self.storage.list_cells(
            evaluation.id, status=status, after_id=after, limit=limit + 1
        )
        more = len(found) > limit
        found = found[:limit]
        next_cursor = ValueKeyset(found[-1].id, found[-1].id).encode() if more else None
        return CellPage(items=[CellRead.model_validate(c) for c in found], next_cursor=next_cursor)

    # --- change ---------------------------------------------------------------------

    async def cancel(self, evaluation_id: int) -> EvaluationRead:
        """Stop it: pending cells are cancelled; a cell running now keeps its run but its
        result is not recorded. An ended evaluation is a 409."""
        evaluation = await self.find(evaluation_id, "evaluations.run")
        if evaluation.status not in (EvaluationStatus.QUEUED, EvaluationStatus.RUNNING):
            raise Conflict(
                f"The evaluation has already ended ({evaluation.status}).", field="status"
            )
        await self.storage.cancel_evaluation(evaluation)
        return await self.get(evaluation.id)

    async def retry(self, evaluation_id: int) -> EvaluationRead:
        """Run its failed and errored cells again (the others keep their results); the
        caller kicks it once committed. Nothing to retry, or still running: 409."""
        evaluation = await self.find(evaluation_id, "evaluations.run")
        if evaluation.status in (EvaluationStatus.QUEUED, EvaluationStatus.RUNNING):
            raise Conflict("The evaluation is still running.", field="status")
        if not await self.storage.reopen_failed(evaluation):
            raise Conflict("No failed or errored cells to retry.", field="status")
        return await self.get(evaluation.id)

    async def rate(self, evaluation_id: int, cell_id: int, update: RatingUpdate) -> CellRead:
        """Thumbs up or down on a cell with an optional note; 0 clears both (as responses)."""
        evaluation = await self.find(evaluation_id, "evaluations.rate")
        cell = await self.storage.get_cell(evaluation.id, cell_id)
        if cell is None:
            raise NotFound(NO_SUCH_CELL)
        rating = update.value or None
        note = update.note.strip() if update.note and rating else None
        await self.storage.rate_cell(cell, rating, note or None)
        return CellRead.model_validate(cell)
