"""The engine's statements on cells: a batch is taken atomically, in id order, only of
cells nobody holds; every later write counts only while the cell is still held by the
same worker on the same attempt."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from promptpro.db.models import CellStatus, EvaluationCell
from promptpro.db.types import utcnow
from promptpro.schemas.library import PromptCreate
from promptpro.schemas.users import UserCreate
from promptpro.storage import Storage
from promptpro.storage.cell_leases import CellLeases

LEASE = 60.0


async def _evaluation(storage: Storage, cells: int) -> int:
    """An evaluation of `cells` pending cells, committed."""
    ada = (await storage.create_user(UserCreate(username="ada"))).id
    prompt = await storage.create_prompt(ada, PromptCreate(title="Hi", content="Hi {{n}}"))
    evaluation = await storage.create_evaluation(
        {
            "workspace_id": prompt.workspace_id,
            "prompt_id": prompt.id,
            "created_by": ada,
            "variants": [{"version": None, "model": "openai/gpt-4o-mini"}],
            "models": ["openai/gpt-4o-mini"],
        },
        [{"row_index": n, "row_id": n + 1, "variant": 0} for n in range(cells)],
    )
    await storage.session.commit()
    return evaluation.id


async def _cells(engine: AsyncEngine, evaluation_id: int) -> list[sa.Row[Any]]:
    """The evaluation's cells as stored, in id order."""
    async with engine.connect() as connection:
        query = (
            sa.select(*EvaluationCell.__table__.columns)
            .where(EvaluationCell.evaluation_id == evaluation_id)
            .order_by(EvaluationCell.id)
        )
        return list((await connection.execute(query)).all())


async def test_a_claim_takes_up_to_its_limit_in_id_order_and_never_a_held_cell(
    storage: Storage, engine: AsyncEngine
) -> None:
    evaluation_id = await _evaluation(storage, 5)
    leases = CellLeases(engine)

    first = await leases.claim(evaluation_id, "w1", lease=LEASE, max_attempts=3, limit=3)
    second = await leases.claim(evaluation_id, "w2", lease=LEASE, max_attempts=3, limit=3)
    third = await leases.claim(evaluation_id, "w2", lease=LEASE, max_attempts=3, limit=3)

    assert [cell.row_index for cell in first] == [0, 1, 2]
    assert [cell.row_index for cell in second] == [3, 4]
    assert third == []
    assert all(cell.attempts == 1 and cell.variant == 0 for cell in first + second)
    rows = await _cells(engine, evaluation_id)
    assert [row.worker_id for row in rows] == ["w1"] * 3 + ["w2"] * 2
    assert all(row.status == CellStatus.RUNNING and row.lease_until > utcnow() for row in rows)


async def test_a_dead_workers_cell_is_taken_again_until_its_attempts_run_out(
    storage: Storage, engine: AsyncEngine
) -> None:
    evaluation_id = await _evaluation(storage, 1)
    leases = CellLeases(engine)
    [held] = await leases.claim(evaluation_id, "dead", lease=LEASE, max_attempts=2, limit=5)
    expire = sa.update(EvaluationCell).values(lease_until=utcnow() - timedelta(seconds=1))

    async with engine.begin() as connection:
        await connection.execute(expire)
    [again] = await leases.claim(evaluation_id, "live", lease=LEASE, max_attempts=2, limit=5)
    async with engine.begin() as connection:
        await connection.execute(expire)

    assert (held.id, held.attempts) == (again.id, 1) and again.attempts == 2
    assert await leases.claim(evaluation_id, "other", lease=LEASE, max_attempts=2, limit=5) == []
    # The dead worker's late result is not recorded over the live one's attempt.
    assert not await leases.record(held.id, "dead", 1, {"status": CellStatus.PASSED})
    assert not await leases.renew(held.id, "dead", 1, LEASE)
    assert not await leases.count_attempt(held.id, "dead", 1)


async def test_a_result_ends_the_cell_once_with_only_the_columns_it_has(
    storage: Storage, engine: AsyncEngine
) -> None:
    evaluation_id = await _evaluation(storage, 2)
    leases = CellLeases(engine)
    graded, errored = await leases.claim(evaluation_id, "w", lease=LEASE, max_attempts=3, limit=2)
    assert await leases.renew(graded.id, "w", 1, LEASE)
    assert await leases.count_attempt(errored.id, "w", 1)

    passed = {"status": CellStatus.PASSED, "output": "Hello", "score": 1.0, "latency_ms": 50.0}
    assert await leases.record(graded.id, "w", 1, passed)
    assert not await leases.record(graded.id, "w", 1, passed)  # no longer running: once
    assert not await leases.record(errored.id, "w", 1, {"status": CellStatus.ERRORED})
    problem = {"title": "Rate limited", "type": "/problems/rate-limited", "detail": "429"}
    assert await leases.record(errored.id, "w", 2, {"status": CellStatus.ERRORED, "error": problem})

    first, second = await _cells(engine, evaluation_id)
    assert (first.status, first.output, first.score, first.lease_until) == (
        CellStatus.PASSED,
        "Hello",
        1.0,
        None,
    )
    assert first.finished_at is not None and first.updated_at >= first.created_at
    assert (second.status, second.error, second.attempts, second.output) == (
        CellStatus.ERRORED,
        problem,
        2,
        None,
    )
