"""The engine's statements on cells: take a batch, renew a lease, count an attempt, record
a result. Each is conditional and atomic, so the cells stay the one truth whatever happens
to the worker that holds them.

They run thousands of times per evaluation, so each is built once on the table (not the
ORM entity) with named parameters and run as a `HotStatement` (db/hot.py): on its own
pooled connection, committing by itself, without a session; on SQLite a process's writes
take turns instead of polling the file lock. Every write that ends or extends a cell is
conditional on the cell still being held by this worker on this attempt: a cell cancelled
meanwhile, or taken again after its worker was thought dead, is never recorded twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from promptpro.db.hot import HotStatement
from promptpro.db.models import CellStatus, EvaluationCell
from promptpro.db.types import utcnow
from promptpro.storage.base import domain_errors

_CELLS = cast("sa.Table", EvaluationCell.__table__)
_PENDING, _RUNNING = CellStatus.PENDING.value, CellStatus.RUNNING.value


@dataclass(frozen=True, slots=True)
class HeldCell:
    """A cell this worker took: which row and variant, and the attempt it is on."""

    id: int
    variant: int
    row_index: int
    attempts: int


def _now() -> sa.BindParameter[Any]:
    return sa.bindparam("now", type_=_CELLS.c.lease_until.type)


# Pending, or running with an expired lease (its worker died), with attempts left.
_CLAIMABLE = sa.or_(
    _CELLS.c.status == _PENDING,
    sa.and_(_CELLS.c.status == _RUNNING, _CELLS.c.lease_until < _now()),
)
# Up to `limit` cells in one statement. Two workers never take the same cell: PostgreSQL
# skips rows another transaction locked (and the outer WHERE checks each row again);
# SQLite has one writer.
_CLAIM = HotStatement(
    sa.update(_CELLS)
    .where(
        _CELLS.c.id.in_(
            sa.select(_CELLS.c.id)
            .where(
                _CELLS.c.evaluation_id == sa.bindparam("of_evaluation"),
                _CLAIMABLE,
                _CELLS.c.attempts < sa.bindparam("max_attempts"),
            )
            .order_by(_CELLS.c.id)
            .limit(sa.bindparam("limit"))
            .with_for_update(skip_locked=True)
        ),
        _CLAIMABLE,
    )
    .values(
        status=_RUNNING,
        attempts=_CELLS.c.attempts + 1,
        lease_until=sa.bindparam("until"),
        worker_id=sa.bindparam("holder"),
        updated_at=_now(),
    )
    .returning(_CELLS.c.id, _CELLS.c.variant, _CELLS.c.row_index, _CELLS.c.attempts)
)
# The cell is still running, taken by this worker on this attempt.
_HELD = sa.and_(
    _CELLS.c.id == sa.bindparam("cell_id"),
    _CELLS.c.status == _RUNNING,
    _CELLS.c.worker_id == sa.bindparam("holder"),
    _CELLS.c.attempts == sa.bindparam("attempt"),
)
_RENEW = HotStatement(
    sa.update(_CELLS).where(_HELD).values(lease_until=sa.bindparam("until"), updated_at=_now())
)
_COUNT_ATTEMPT = HotStatement(
    sa.update(_CELLS).where(_HELD).values(attempts=_CELLS.c.attempts + 1, updated_at=_now())
)
# One statement per set of result columns (a graded cell's, an errored one's): a result
# sets only the columns it has, as the ORM update it replaces did.
_RECORDS: dict[frozenset[str], HotStatement] = {}


def _record_statement(columns: frozenset[str]) -> HotStatement:
    statement = _RECORDS.get(columns)
    if statement is None:
        unknown = columns - set(_CELLS.c.keys())
        if unknown:
            raise ValueError(f"not columns of a cell: {sorted(unknown)}")
        statement = _RECORDS[columns] = HotStatement(
            sa.update(_CELLS)
            .where(_HELD)
            .values(
                {
                    **{name: sa.bindparam(f"set_{name}") for name in sorted(columns)},
                    "lease_until": None,
                    "finished_at": _now(),
                    "updated_at": _now(),
                }
            )
        )
    return statement


class CellLeases:
    """The engine's statements on cells, on the database `engine`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def claim(
        self, evaluation_id: int, worker_id: str, *, lease: float, max_attempts: int, limit: int
    ) -> list[HeldCell]:
        """Take up to `limit` cells of the evaluation, atomically, in id order: pending ones,
        or running ones whose lease expired, with attempts left. Each is now running,
        held by `worker_id` until its lease ends, its attempts counted one more."""
        now = utcnow()
        params = {
            "of_evaluation": evaluation_id,
            "max_attempts": max_attempts,
            "limit": limit,
            "until": now + timedelta(seconds=lease),
            "holder": worker_id,
            "now": now,
        }
        rows = await domain_errors(_CLAIM.rows(self.engine, params))
        # RETURNING's order is the database's: they are run in id order.
        return sorted((HeldCell(*row) for row in rows), key=lambda cell: cell.id)

    async def renew(self, cell_id: int, worker_id: str, attempt: int, lease: float) -> bool:
        """Extend a held cell's lease; False if it is no longer ours (cancelled, retaken)."""
        now = utcnow()
        params = {"until": now + timedelta(seconds=lease), "now": now}
        held = {"cell_id": cell_id, "holder": worker_id, "attempt": attempt}
        return await domain_errors(_RENEW.rowcount(self.engine, {**params, **held})) > 0

    async def count_attempt(self, cell_id: int, worker_id: str, attempt: int) -> bool:
        """One more attempt on a held cell (a rate-limited try); False if no longer ours."""
        params = {"cell_id": cell_id, "holder": worker_id, "attempt": attempt, "now": utcnow()}
        return await domain_errors(_COUNT_ATTEMPT.rowcount(self.engine, params)) > 0

    async def record(
        self, cell_id: int, worker_id: str, attempt: int, values: dict[str, Any]
    ) -> bool:
        """Store a held cell's result (it ends: no lease, its finish time now); False, with
        nothing written, if it is no longer ours."""
        statement = _record_statement(frozenset(values))
        params = {f"set_{name}": value for name, value in values.items()}
        params.update(cell_id=cell_id, holder=worker_id, attempt=attempt, now=utcnow())
        return await domain_errors(statement.rowcount(self.engine, params)) > 0
