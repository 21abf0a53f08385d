"""The baseline view's data: two evaluations of a set side by side, row by row.

Built on the same comparison as the API (services/evaluation_compare.py), plus what a page
shows of each row: its variables and, per variant, its outcome in the baseline and in the
candidate. Rows are the candidate's (matched to the baseline's by test set row id);
variants are matched by position, as the comparison does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from promptpro.db.models import CellStatus, EvaluationCell
from promptpro.schemas.evaluations import ComparisonRead, EvaluationRead
from promptpro.services.evaluation_compare import by_row_id, comparison_of, read_pair
from promptpro.services.evaluation_summaries import pass_rate
from promptpro.services.evaluations import EvaluationService, evaluation_read

# The rows the view shows (the API's comparison names every changed one).
ROWS_SHOWN = 500


@dataclass(frozen=True)
class Outcome:
    """A row's repeats in one column: pass, fail, mixed (repeats disagree), open (not
    finished) or none (not in that evaluation)."""

    state: str
    pass_rate: float | None


@dataclass(frozen=True)
class VariantChange:
    """One row in one variant: baseline against candidate."""

    variant: int
    baseline: Outcome
    candidate: Outcome
    change: str | None  # "regression", "fix" or None (as the comparison says)


@dataclass(frozen=True)
class RowCompared:
    """One row of the set: its variables and each variant's outcomes."""

    index: int
    row_id: int
    variables: dict[str, Any]
    variants: list[VariantChange]

    @property
    def changed(self) -> bool:
        """Whether a variant regressed or was fixed in this row."""
        return any(item.change for item in self.variants)


@dataclass(frozen=True)
class BaselineView:
    """Both evaluations, the API's comparison, and the rows side by side."""

    candidate: EvaluationRead
    baseline: EvaluationRead
    comparison: ComparisonRead
    rows: list[RowCompared]
    row_count: int  # the candidate's rows (more than `rows` when some are not shown)


def outcome(group: Sequence[EvaluationCell] | None) -> Outcome:
    """The outcome of a row's repeats in one column."""
    if not group:
        return Outcome("none", None)
    rate = pass_rate(group)
    if any(cell.finished_at is None for cell in group):
        return Outcome("open", rate)
    passed = sum(cell.status == CellStatus.PASSED for cell in group)
    if passed == len(group):
        return Outcome("pass", rate)
    return Outcome("fail" if passed == 0 else "mixed", rate)


async def baseline_view(
    service: EvaluationService, candidate_id: int, baseline_id: int, *, limit: int = ROWS_SHOWN
) -> BaselineView:
    """The candidate against the baseline (404 for one the actor can't see, 422 for two of
    different sets), with its first `limit` rows side by side."""
    pair = await read_pair(service, candidate_id, baseline_id)
    comparison = comparison_of(pair)
    changes = {
        (change.row_id, change.variant): change.change
        for change in [*comparison.regressions, *comparison.fixes]
    }
    new_rows = by_row_id(pair.candidate, pair.candidate_cells)
    old_rows = by_row_id(pair.baseline, pair.baseline_cells)
    columns = max(len(pair.candidate.variants), len(pair.baseline.variants))
    rows = []
    for index, row in enumerate(pair.candidate.rows[:limit]):
        variants = [
            VariantChange(
                variant=variant,
                baseline=outcome(old_rows.get((row["id"], variant))),
                candidate=outcome(new_rows.get((row["id"], variant))),
                change=changes.get((row["id"], variant)),
            )
            for variant in range(columns)
        ]
        rows.append(RowCompared(index, row["id"], row["variables"], variants))
    candidate = evaluation_read(
        pair.candidate, Counter(c.status for c in pair.candidate_cells), pair.candidate_cells
    )
    baseline = evaluation_read(
        pair.baseline, Counter(c.status for c in pair.baseline_cells), pair.baseline_cells
    )
    return BaselineView(candidate, baseline, comparison, rows, len(pair.candidate.rows))
