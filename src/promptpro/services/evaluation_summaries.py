"""Per-variant summaries of an evaluation's cells: pass rate, latency percentiles, tokens,
cost, ratings, and the stability of repeated rows. Pure: the cells are read by the caller."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

from promptpro.db.models import CellStatus, Evaluation, EvaluationCell
from promptpro.schemas.evaluations import VariantSummary

JUDGED = (CellStatus.PASSED, CellStatus.FAILED, CellStatus.ERRORED)


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(math.ceil(fraction * len(ordered)), 1)
    return ordered[rank - 1]


def pass_rate(cells: Sequence[EvaluationCell]) -> float | None:
    """Passed over judged (passed, failed, errored) cells; None if none was judged."""
    judged = [cell for cell in cells if cell.status in JUDGED]
    if not judged:
        return None
    return sum(cell.status == CellStatus.PASSED for cell in judged) / len(judged)


def by_row(cells: Sequence[EvaluationCell]) -> dict[tuple[int, int], list[EvaluationCell]]:
    """Cells grouped by (row index, variant): a row's repeats in one column."""
    grouped: dict[tuple[int, int], list[EvaluationCell]] = defaultdict(list)
    for cell in cells:
        grouped[(cell.row_index, cell.variant)].append(cell)
    return grouped


def summarise(evaluation: Evaluation, cells: Sequence[EvaluationCell]) -> list[VariantSummary]:
    """One summary per variant, in column order."""
    columns: dict[int, list[EvaluationCell]] = defaultdict(list)
    for cell in cells:
        columns[cell.variant].append(cell)
    rows = by_row(cells)
    summaries = []
    for index, variant in enumerate(evaluation.variants):
        column = columns.get(index, [])
        latencies = [
            c.latency_ms for c in column if c.latency_ms is not None and c.output is not None
        ]
        repeated = [
            group
            for (_, variant_index), group in rows.items()
            if variant_index == index and len(group) > 1
        ]
        finished = [group for group in repeated if all(c.status in JUDGED for c in group)]
        distinct = [len({c.output for c in group}) for group in finished]
        unstable = sum(
            1 for group in finished if len({c.status == CellStatus.PASSED for c in group}) > 1
        )
        summaries.append(
            VariantSummary(
                variant=index,
                version=variant.get("version"),
                model=variant["model"],
                cells=len(column),
                finished=sum(c.finished_at is not None for c in column),
                passed=sum(c.status == CellStatus.PASSED for c in column),
                failed=sum(c.status == CellStatus.FAILED for c in column),
                errored=sum(c.status == CellStatus.ERRORED for c in column),
                pass_rate=pass_rate(column),
                latency_p50_ms=percentile(latencies, 0.5),
                latency_p90_ms=percentile(latencies, 0.9),
                input_tokens=sum(c.input_tokens or 0 for c in column),
                output_tokens=sum(c.output_tokens or 0 for c in column),
                cost_usd=round(sum(c.cost_usd or 0.0 for c in column), 10),
                judge_cost_usd=round(sum(c.judge_cost_usd or 0.0 for c in column), 10),
                thumbs_up=sum(c.rating == 1 for c in column),
                thumbs_down=sum(c.rating == -1 for c in column),
                distinct_outputs=sum(distinct) / len(distinct) if distinct else None,
                unstable_rows=unstable,
            )
        )
    return summaries
