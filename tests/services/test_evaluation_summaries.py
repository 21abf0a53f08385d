"""Per-variant summaries: pass rate over judged cells, nearest-rank latency percentiles,
and the stability of repeated rows (distinct outputs, rows whose repeats disagree)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from promptpro.db.models import Evaluation, EvaluationCell
from promptpro.services.evaluation_summaries import percentile, summarise

AT = datetime(2026, 1, 1, tzinfo=UTC)


def _cell(
    row: int, status: str, output: str | None, latency: float | None = 100.0, **kw: Any
) -> EvaluationCell:
    done = status not in ("pending", "running")
    return EvaluationCell(
        row_index=row,
        row_id=row + 1,
        variant=kw.pop("variant", 0),
        repeat=kw.pop("repeat", 0),
        status=status,
        output=output,
        latency_ms=latency,
        finished_at=AT if done else None,
        **kw,
    )


def test_repeats_are_summarised_as_distinct_outputs_and_unstable_rows() -> None:
    evaluation = Evaluation(variants=[{"version": None, "model": "openai/m"}])
    cells = [
        # Row 0: three repeats, two distinct answers, all passing.
        _cell(0, "passed", "a", 10.0, repeat=0),
        _cell(0, "passed", "a", 20.0, repeat=1),
        _cell(0, "passed", "b", 30.0, repeat=2),
        # Row 1: the repeats disagree (one fails): unstable.
        _cell(1, "passed", "c", 40.0, repeat=0, rating=1),
        _cell(1, "failed", "d", 50.0, repeat=1, rating=-1),
        _cell(1, "errored", None, None, repeat=2),
    ]

    [summary] = summarise(evaluation, cells)

    assert (summary.passed, summary.failed, summary.errored) == (4, 1, 1)
    assert summary.pass_rate == pytest.approx(4 / 6)
    assert summary.distinct_outputs == pytest.approx((2 + 3) / 2)
    assert summary.unstable_rows == 1
    assert (summary.latency_p50_ms, summary.latency_p90_ms) == (30.0, 50.0)
    assert (summary.thumbs_up, summary.thumbs_down) == (1, 1)


def test_unfinished_rows_are_left_out_of_stability_and_the_pass_rate() -> None:
    evaluation = Evaluation(variants=[{"version": None, "model": "openai/m"}])
    cells = [_cell(0, "passed", "a", repeat=0), _cell(0, "pending", None, None, repeat=1)]

    [summary] = summarise(evaluation, cells)

    assert summary.pass_rate == 1.0
    assert summary.distinct_outputs is None and summary.unstable_rows == 0
    assert summary.finished == 1


def test_percentiles_are_nearest_rank() -> None:
    assert percentile([], 0.5) is None
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([float(n) for n in range(1, 11)], 0.9) == 9.0
