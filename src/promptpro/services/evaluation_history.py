"""A test set's evaluations, newest first, as its page lists them: each one's status,
variants, overall pass rate, and the run before it (the baseline of "compare with
previous")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from promptpro.db.models import CellStatus
from promptpro.services.evaluations import EvaluationService

HISTORY_SHOWN = 20


@dataclass(frozen=True)
class HistoryItem:
    """One evaluation of the set."""

    id: int
    created_at: datetime
    status: str
    label: str | None
    variants: list[dict[str, Any]]
    repeats: int
    cell_count: int
    pass_rate: float | None  # passed / judged cells over every variant; None: none judged
    previous_id: int | None  # the set's evaluation before it, if the actor can see one


def overall_pass_rate(counts: dict[str, int]) -> float | None:
    """Passed over judged (passed, failed, errored) cells, from counts per status."""
    passed = counts.get(CellStatus.PASSED, 0)
    judged = passed + counts.get(CellStatus.FAILED, 0) + counts.get(CellStatus.ERRORED, 0)
    return passed / judged if judged else None


async def history(
    service: EvaluationService, test_set_id: int, limit: int = HISTORY_SHOWN
) -> list[HistoryItem]:
    """The set's newest `limit` evaluations the actor can see (the set itself is checked
    by the caller, as its page reads it first)."""
    storage = service.storage
    # One more than shown: the last one shown has its previous one too.
    found = await storage.list_evaluations(
        service.actor_id, workspace_id=None, test_set_id=test_set_id, limit=limit + 1
    )
    items = []
    for index, evaluation in enumerate(found[:limit]):
        counts = await storage.cell_counts(evaluation.id)
        following = found[index + 1] if index + 1 < len(found) else None
        items.append(
            HistoryItem(
                id=evaluation.id,
                created_at=evaluation.created_at,
                status=evaluation.status,
                label=evaluation.label,
                variants=evaluation.variants,
                repeats=evaluation.repeats,
                cell_count=evaluation.cell_count,
                pass_rate=overall_pass_rate(counts),
                previous_id=following.id if following is not None else None,
            )
        )
    return items
