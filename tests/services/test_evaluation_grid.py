"""The grid of an evaluation: a grid cell's outcome over its repeats, its distinct outputs
(errors grouped apart, the most frequent first, a bounded number shown), and per row
whether it failed and whether its variants disagree."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from promptpro.db.models import Evaluation, EvaluationCell
from promptpro.errors import Invalid
from promptpro.services.evaluation_grid import GROUPS_SHOWN, GridCell, grid_filter, grid_rows

AT = datetime(2026, 1, 1, tzinfo=UTC)
ids = iter(range(1, 10_000))


def _cell(status: str, output: str | None = None, **fields: Any) -> EvaluationCell:
    done = status not in ("pending", "running")
    return EvaluationCell(
        id=next(ids),
        row_index=fields.pop("row", 0),
        row_id=1,
        variant=fields.pop("variant", 0),
        repeat=fields.pop("repeat", 0),
        status=status,
        output=output,
        finished_at=AT if done else None,
        **fields,
    )


def _grid_cell(*cells: EvaluationCell) -> GridCell:
    return GridCell(0, 0, list(cells))


@pytest.mark.parametrize(
    ("statuses", "state", "outcome"),
    [
        (["passed", "passed"], "pass", "pass"),
        (["passed", "failed"], "mixed", "mixed"),
        (["failed", "errored"], "fail", "fail"),
        (["errored", "errored"], "error", "fail"),
        (["passed", "running"], "running", None),
        (["pending", "cancelled"], "pending", None),
        (["cancelled", "cancelled"], "cancelled", None),
        (["passed", "cancelled"], "pass", "pass"),  # cancelled before it ran: not judged
    ],
)
def test_a_grid_cell_s_state_is_read_over_its_repeats(
    statuses: list[str], state: str, outcome: str | None
) -> None:
    grid_cell = _grid_cell(*(_cell(status, "x") for status in statuses))

    assert (grid_cell.state, grid_cell.outcome) == (state, outcome)


def test_repeats_are_grouped_by_output_most_frequent_first_errors_apart() -> None:
    grid_cell = _grid_cell(
        _cell("failed", "Bye.", repeat=0, rating=-1),
        _cell("passed", "Hello.", repeat=1, rating=1),
        _cell("passed", "Hello.", repeat=2, rating=1, rating_note="Good"),
        _cell("errored", "", repeat=3, error={"title": "Refused"}),
        _cell("pending", repeat=4),
    )

    groups = grid_cell.groups

    assert [(group.output, group.count) for group in groups] == [
        ("Hello.", 2),
        ("Bye.", 1),
        (None, 1),
    ]
    assert grid_cell.distinct == 2 and (grid_cell.passed, grid_cell.total) == (2, 5)
    hello = groups[0]
    assert hello.rating == 1 and hello.note is None  # the notes differ
    assert hello.cell_ids == ",".join(str(cell.id) for cell in hello.cells)


def test_a_grid_cell_shows_a_bounded_number_of_distinct_outputs() -> None:
    grid_cell = _grid_cell(*(_cell("passed", f"answer {n}", repeat=n) for n in range(9)))

    assert len(grid_cell.groups) == 9 and len(grid_cell.groups_shown) == GROUPS_SHOWN


def test_a_cell_s_stamp_changes_with_its_result_or_rating() -> None:
    cell = _cell("running")
    grid_cell = _grid_cell(cell)
    running = grid_cell.stamp
    cell.status, cell.finished_at = "passed", AT
    passed = _grid_cell(cell).stamp
    cell.rating = -1

    assert len({running, passed, _grid_cell(cell).stamp}) == 3


def test_rows_know_whether_they_failed_and_whether_their_variants_disagree() -> None:
    evaluation = Evaluation(
        variants=[{"version": None, "model": "a"}, {"version": None, "model": "b"}],
        rows=[{"id": n, "variables": {"n": str(n)}, "expected": None} for n in range(4)],
    )
    outcomes = {0: ("passed", "passed"), 1: ("passed", "failed"), 2: ("errored", "failed")}
    cells = [
        _cell(status, "x", row=row, variant=variant)
        for row, pair in outcomes.items()
        for variant, status in enumerate(pair)
    ]
    cells += [_cell("passed", "x", row=3, variant=0), _cell("running", row=3, variant=1)]

    rows = grid_rows(evaluation, cells, range(4))

    assert [(row.failing, row.disagree) for row in rows] == [
        (False, False),
        (True, True),
        (True, False),  # an error and a failure agree: neither passed
        (False, False),  # the other variant is still running
    ]
    assert [row.index for row in rows if row.matches("failures")] == [1, 2]
    assert [row.index for row in rows if row.matches("disagree")] == [1]
    assert rows[0].variables == {"n": "0"}


def test_the_filter_parameter_is_checked() -> None:
    assert grid_filter(None) is None and grid_filter("all") is None
    assert grid_filter("failures") == "failures"
    with pytest.raises(Invalid, match="There is no filter 'flaky'"):
        grid_filter("flaky")
