"""Baseline against candidate: two evaluations of the same test set, row by row.

A row (and variant) regresses when it passed in the baseline and fails in the candidate
(with repeats: its pass rate fell), and is fixed the other way round. Rows are matched by
their test set row id, variants by position; the summary's deltas are candidate minus
baseline.
"""

from __future__ import annotations

from promptpro.errors import Invalid
from promptpro.schemas.evaluations import ComparisonRead, RowChange, VariantDelta
from promptpro.services.evaluation_summaries import by_row, pass_rate, summarise
from promptpro.services.evaluations import EvaluationService


def _delta(new: float | None, old: float | None) -> float | None:
    return None if new is None or old is None else round(new - old, 10)


async def compare(
    service: EvaluationService, candidate_id: int, baseline_id: int
) -> ComparisonRead:
    """The candidate's regressions, fixes and summary deltas against the baseline."""
    candidate = await service.find(candidate_id)
    baseline = await service.find(baseline_id)
    if candidate.test_set_id is None or candidate.test_set_id != baseline.test_set_id:
        raise Invalid("Only evaluations of the same test set can be compared.", field="otherId")
    storage = service.storage
    new_cells = await storage.all_cells(candidate.id)
    old_cells = await storage.all_cells(baseline.id)
    new_rows = {
        (candidate.rows[row]["id"], variant): group
        for (row, variant), group in by_row(new_cells).items()
    }
    old_rows = {
        (baseline.rows[row]["id"], variant): group
        for (row, variant), group in by_row(old_cells).items()
    }
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
    new_summary = summarise(candidate, new_cells)
    old_summary = summarise(baseline, old_cells)
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
