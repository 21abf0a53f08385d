"""Evaluations and their cells: reads scoped to the actor's workspaces, and the few
statements the engine drives evaluations with (the cells' own: storage/cell_leases.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa

from promptpro.db.models import CellStatus, Evaluation, EvaluationCell, EvaluationStatus
from promptpro.db.types import utcnow
from promptpro.storage.base import is_row_id
from promptpro.storage.workspaces import WorkspaceStorage, member_of

CELLS = cast("sa.Table", EvaluationCell.__table__)
RETRYABLE = (CellStatus.FAILED, CellStatus.ERRORED)
OPEN_CELLS = (CellStatus.PENDING, CellStatus.RUNNING)


# The sweep's two statements (every server and worker runs them every few seconds, and at
# start): built once, with the time and the limits as parameters. Building them anew cost
# more than running them (about 10 ms of CPU a sweep, most of it the aliases' columns).
def _sweep_statements() -> tuple[sa.Update, sa.Select[tuple[int]]]:
    now = sa.bindparam("now", type_=CELLS.c.lease_until.type)
    give_up = (
        sa.update(CELLS)
        .where(
            CELLS.c.status == CellStatus.RUNNING,
            CELLS.c.lease_until < now,
            CELLS.c.attempts >= sa.bindparam("max_attempts"),
        )
        .values(
            status=CellStatus.ERRORED,
            lease_until=None,
            finished_at=now,
            error=sa.bindparam("error", type_=CELLS.c.error.type),
        )
        .returning(CELLS.c.evaluation_id)
    )
    evaluations = Evaluation.__table__
    cells = sa.alias(CELLS)
    stale = sa.and_(cells.c.status == CellStatus.RUNNING, cells.c.lease_until < now)
    live = (
        sa.select(CELLS.c.id)
        .where(
            CELLS.c.evaluation_id == evaluations.c.id,
            CELLS.c.status == CellStatus.RUNNING,
            CELLS.c.lease_until >= now,
        )
        .exists()
    )
    pending = (
        sa.select(cells.c.id)
        .where(cells.c.evaluation_id == evaluations.c.id, cells.c.status == CellStatus.PENDING)
        .exists()
    )
    needing_work = (
        sa.select(evaluations.c.id)
        .where(
            evaluations.c.status.in_((EvaluationStatus.QUEUED, EvaluationStatus.RUNNING)),
            sa.or_(
                sa.select(cells.c.id)
                .where(cells.c.evaluation_id == evaluations.c.id, stale)
                .exists(),
                sa.and_(pending, ~live),
            ),
        )
        .order_by(evaluations.c.id)
    )
    return give_up, needing_work


GIVE_UP_STALE, NEEDING_WORK = _sweep_statements()


class EvaluationStorage(WorkspaceStorage):
    """Evaluations are read through a workspace the actor belongs to; cells through their
    evaluation (the service found it first)."""

    async def create_evaluation(
        self, values: dict[str, Any], cells: list[dict[str, Any]]
    ) -> Evaluation:
        """A new evaluation and its cells (one multi-row INSERT for the cells)."""
        evaluation = Evaluation(**values, cell_count=len(cells))
        self.session.add(evaluation)
        await self._flush()
        if cells:
            rows = [{**cell, "evaluation_id": evaluation.id} for cell in cells]
            await self._execute(sa.insert(EvaluationCell), rows)  # type: ignore[arg-type]
        return evaluation

    async def get_evaluation(self, actor_id: str, evaluation_id: int) -> Evaluation | None:
        """The evaluation, if it is in one of the actor's workspaces."""
        if not is_row_id(evaluation_id):
            return None
        query = sa.select(Evaluation).where(
            Evaluation.id == evaluation_id, Evaluation.workspace_id.in_(member_of(actor_id))
        )
        return await self._scalar(query)

    async def list_evaluations(
        self,
        actor_id: str,
        *,
        workspace_id: int | None,
        test_set_id: int | None,
        limit: int,
    ) -> list[Evaluation]:
        """The newest evaluations first, in the actor's workspaces, optionally of one set."""
        query = sa.select(Evaluation).where(Evaluation.workspace_id.in_(member_of(actor_id)))
        if workspace_id is not None:
            query = query.where(Evaluation.workspace_id == workspace_id)
        if test_set_id is not None:
            query = query.where(Evaluation.test_set_id == test_set_id)
        return list(await self._scalars(query.order_by(Evaluation.id.desc()).limit(limit)))

    async def previous_evaluation(
        self, actor_id: str, test_set_id: int, before_id: int
    ) -> Evaluation | None:
        """The newest evaluation of the set started before `before_id`, in the actor's
        workspaces (ids grow with time, as the lists' order)."""
        query = (
            sa.select(Evaluation)
            .where(
                Evaluation.workspace_id.in_(member_of(actor_id)),
                Evaluation.test_set_id == test_set_id,
                Evaluation.id < before_id,
            )
            .order_by(Evaluation.id.desc())
            .limit(1)
        )
        return await self._scalar(query)

    async def cell_counts(self, evaluation_id: int) -> dict[str, int]:
        """How many cells are in each status."""
        query = (
            sa.select(EvaluationCell.status, sa.func.count())
            .where(EvaluationCell.evaluation_id == evaluation_id)
            .group_by(EvaluationCell.status)
        )
        return {status: count for status, count in (await self._execute(query)).all()}

    async def all_cells(self, evaluation_id: int) -> list[EvaluationCell]:
        """Every cell, in order (summaries and comparisons read them all)."""
        query = (
            sa.select(EvaluationCell)
            .where(EvaluationCell.evaluation_id == evaluation_id)
            .order_by(EvaluationCell.id)
        )
        return list(await self._scalars(query))

    async def cells_of_rows(
        self, evaluation_id: int, row_indexes: list[int]
    ) -> list[EvaluationCell]:
        """Every cell of these rows (all variants and repeats), in order: the grid's rows
        refreshed while the evaluation runs, without reading all its cells."""
        query = (
            sa.select(EvaluationCell)
            .where(
                EvaluationCell.evaluation_id == evaluation_id,
                EvaluationCell.row_index.in_(row_indexes),
            )
            .order_by(EvaluationCell.id)
        )
        return list(await self._scalars(query))

    async def list_cells(
        self, evaluation_id: int, *, status: str | None, after_id: int, limit: int
    ) -> list[EvaluationCell]:
        """Up to `limit` cells with ids after `after_id` (keyset), optionally of one status."""
        query = sa.select(EvaluationCell).where(
            EvaluationCell.evaluation_id == evaluation_id, EvaluationCell.id > after_id
        )
        if status is not None:
            query = query.where(EvaluationCell.status == status)
        return list(await self._scalars(query.order_by(EvaluationCell.id).limit(limit)))

    async def finished_cells(
        self, evaluation_id: int, after: tuple[datetime, int] | None, limit: int
    ) -> list[EvaluationCell]:
        """Cells that finished after `after` (finished_at, id), in the order they finished."""
        query = sa.select(EvaluationCell).where(
            EvaluationCell.evaluation_id == evaluation_id,
            EvaluationCell.finished_at.is_not(None),
        )
        if after is not None:
            at, cell_id = after
            query = query.where(
                sa.or_(
                    EvaluationCell.finished_at > at,
                    sa.and_(EvaluationCell.finished_at == at, EvaluationCell.id > cell_id),
                )
            )
        order = (EvaluationCell.finished_at, EvaluationCell.id)
        return list(await self._scalars(query.order_by(*order).limit(limit)))

    async def get_cell(self, evaluation_id: int, cell_id: int) -> EvaluationCell | None:
        """A cell of this evaluation."""
        if not is_row_id(cell_id):
            return None
        query = sa.select(EvaluationCell).where(
            EvaluationCell.id == cell_id, EvaluationCell.evaluation_id == evaluation_id
        )
        return await self._scalar(query)

    async def rate_cell(self, cell: EvaluationCell, rating: int | None, note: str | None) -> None:
        """Set (or clear) a cell's thumbs and note."""
        cell.rating, cell.rating_note = rating, note
        await self._flush()

    async def cancel_evaluation(self, evaluation: Evaluation) -> None:
        """Mark it cancelled, and its open cells with it (a running cell's late result is
        then dropped: recording one is conditional on `running`)."""
        now = utcnow()
        await self._execute(
            sa.update(EvaluationCell)
            .where(
                EvaluationCell.evaluation_id == evaluation.id,
                EvaluationCell.status.in_(OPEN_CELLS),
            )
            .values(status=CellStatus.CANCELLED, finished_at=now, lease_until=None)
        )
        evaluation.status = EvaluationStatus.CANCELLED
        evaluation.finished_at = now
        await self._flush()

    async def reopen_failed(self, evaluation: Evaluation) -> int:
        """Put its failed and errored cells back to pending (results cleared); how many."""
        result = await self._execute(
            sa.update(EvaluationCell)
            .where(
                EvaluationCell.evaluation_id == evaluation.id,
                EvaluationCell.status.in_(RETRYABLE),
            )
            .values(
                status=CellStatus.PENDING,
                attempts=0,
                lease_until=None,
                worker_id=None,
                output=None,
                assertion_results=None,
                score=None,
                error=None,
                finished_at=None,
            )
        )
        count = int(result.rowcount)  # type: ignore[attr-defined]
        if count:
            evaluation.status = EvaluationStatus.QUEUED
            evaluation.finished_at = None
            await self._flush()
        return count

    # --- the engine's statements (no actor: the engine is trusted) ----------------------

    async def evaluation_by_id(self, evaluation_id: int) -> Evaluation | None:
        """The evaluation, unscoped (workers run every workspace's cells)."""
        return await self._get(Evaluation, evaluation_id)

    async def mark_running(self, evaluation_id: int) -> None:
        """A queued evaluation whose first cell was taken is running."""
        await self._execute(
            sa.update(Evaluation)
            .where(Evaluation.id == evaluation_id, Evaluation.status == EvaluationStatus.QUEUED)
            .values(status=EvaluationStatus.RUNNING)
        )

    async def finish_if_done(self, evaluation_id: int) -> bool:
        """Mark the evaluation completed once no cell is open; whether it now is."""
        open_cells = (
            sa.select(EvaluationCell.id)
            .where(
                EvaluationCell.evaluation_id == evaluation_id,
                EvaluationCell.status.in_(OPEN_CELLS),
            )
            .exists()
        )
        result = await self._execute(
            sa.update(Evaluation)
            .where(
                Evaluation.id == evaluation_id,
                Evaluation.status.in_((EvaluationStatus.QUEUED, EvaluationStatus.RUNNING)),
                ~open_cells,
            )
            .values(status=EvaluationStatus.COMPLETED, finished_at=utcnow())
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def give_up_stale(self, max_attempts: int) -> list[int]:
        """Cells whose worker died on their last attempt are errored; their evaluations."""
        error = {
            "type": "/problems/interrupted",
            "title": "Interrupted",
            "detail": f"Its worker stopped on each of {max_attempts} attempts.",
        }
        params = {"now": utcnow(), "max_attempts": max_attempts, "error": error}
        return sorted(set((await self._execute(GIVE_UP_STALE, params)).scalars().all()))

    async def evaluations_needing_work(self) -> list[int]:
        """Unfinished evaluations with a cell someone should take: a stale running one, or
        pending ones while none runs (nobody is driving them)."""
        return list((await self._execute(NEEDING_WORK, {"now": utcnow()})).scalars().all())
