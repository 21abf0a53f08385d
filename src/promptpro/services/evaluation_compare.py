"""Baseline against candidate: two evaluations of the same test set, row by row.

A row (and variant) regresses when it passed in the baseline and fails in the candidate
(with repeats: its pass rate fell), and is fixed the other way round. Rows are matched by
their test set row id, variants by position; the summary's deltas are candidate minus
baseline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from promptpro.db.models import Evaluation, EvaluationCell
from promptpro.errors import Invalid
from promptpro.schemas.evaluations import ComparisonRead, RowChange, VariantDelta
from promptpro.services.evaluation_summaries import by_row, pass_rate, summarise
from promptpro.services.evaluations import EvaluationService

Groups = dict[tuple[int, int], list[EvaluationCell]]


@dataclass(frozen=True)
class Pair:
    """The two evaluations compared, each with all its cells."""

    candidate: Evaluation
    candidate_cells: list[EvaluationCell]
    baseline: Evaluation
    baseline_cells: list[EvaluationCell]


def _delta(new: float | None, old: float | None) -> float | None:
    return None if new is None or old is None else round(new - old, 10)


def by_row_id(evaluation: Evaluation, cells: Sequence[EvaluationCell]) -> Groups:
    """A row's repeats in one column, keyed by (test set row id, variant)."""
    return {
        (evaluation.rows[row]["id"], variant): group
        for (row, variant), group in by_row(cells).items()
    }


async def read_pair(service: EvaluationService, candidate_id: int, baseline_id: int) -> Pair:
    """Both evaluations (each a 404 unless the actor can see it) and their cells; two of
    different test sets are refused (422)."""
    candidate = await service.find(candidate_id)
    baseline = await service.find(baseline_id)
    if candidate.test_set_id is None or candidate.test_set_id != baseline.test_set_id:
        raise Invalid("Only evaluations of the same test set can be compared.", field="otherId")
    storage = service.storage
    return Pair(
        candidate,
        await storage.all_cells(candidate.id),
        baseline,
        await storage.all_cells(baseline.id),
    )


def comparison_of(pair: Pair) -> ComparisonRead:
    """The candidate's regressions, fixes and summary deltas against the baseline."""
    candidate, baseline = pair.candidate, pair.baseline
    new_rows = by_row_id(candidate, pair.candidate_cells)
    old_rows = by_row_id(baseline, pair.baseline_cells)
    regressions: list[RowChange] = []
    fixes: list[RowChange] = []
    for key in sorted(new_rows.keys() & old_rows.keys()):
        new, old = pass_rate(new_rows[key]), pass_rate(old_rows[key])
        if new is None or old is None or new == old:
            continue
        change = RowChange(
            row_index=new_rows[key][0].row_index,
            row_id=key[0],
            variant=key[1],
            baseline_pass_rate=old,
            candidate_pass_rate=new,
            change="regression" if new < old else "fix",
        )
        (regressions if new < old else fixes).append(change)
    new_summary = summarise(candidate, pair.candidate_cells)
    old_summary = summarise(baseline, pair.baseline_cells)
    deltas = [
        VariantDelta(
            variant=new.variant,
            pass_rate=_delta(new.pass_rate, old.pass_rate),
            latency_p50_ms=_delta(new.latency_p50_ms, old.latency_p50_ms),
            cost_usd=_delta(new.cost_usd, old.cost_usd),
        )
        for new, old in zip(new_summary, old_summary, strict=False)
    ]
    return ComparisonRead(
        baseline_id=baseline.id,
        candidate_id=candidate.id,
        regressions=regressions,
        fixes=fixes,
        deltas=deltas,
    )


async def compare(
    service: EvaluationService, candidate_id: int, baseline_id: int
) -> ComparisonRead:
    """The candidate's regressions, fixes and summary deltas against the baseline."""
    return comparison_of(await read_pair(service, candidate_id, baseline_id))


async def previous_of(service: EvaluationService, evaluation_id: int) -> int | None:
    """The id of the newest evaluation of the same test set started before this one that
    the actor can see (None: it is the first); the evaluation itself is a 404 unless the
    actor can see it. The baseline a "compare with the previous run" link points at."""
    evaluation = await service.find(evaluation_id)
    if evaluation.test_set_id is None:
        return None  # its set was deleted: nothing to line it up with
    previous = await service.storage.previous_evaluation(
        service.actor_id, evaluation.test_set_id, evaluation.id
    )
    return previous.id if previous is not None else None
