"""An evaluation as a grid: rows x variants, each grid cell a row's repeats in one column.

What the evaluation page shows, built from the cells (the one truth): each grid cell's
outcome, its distinct outputs with their counts (the stability view, when a row runs more
than once), each output's assertions and rating, and per row whether anything failed and
whether the variants disagree (the page's two filters). Pure, but for the two readers at
the end, which go through `EvaluationService` as the API does.
"""

from __future__ import annotations

import statistics
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from promptpro.db.models import CellStatus, Evaluation, EvaluationCell
from promptpro.errors import Invalid
from promptpro.schemas.evaluations import EvaluationRead
from promptpro.services.evaluations import EvaluationService, evaluation_read

GridFilter = Literal["failures", "disagree"]
FILTERS: tuple[GridFilter, ...] = ("failures", "disagree")
OPEN = (CellStatus.PENDING, CellStatus.RUNNING)
# The distinct outputs a grid cell shows (20 repeats may give 20): the most frequent.
GROUPS_SHOWN = 5
NOT_PASSED = (CellStatus.FAILED, CellStatus.ERRORED)


@dataclass
class OutputGroup:
    """The repeats of one grid cell that answered the same text (None: they errored)."""

    output: str | None
    cells: list[EvaluationCell] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many repeats gave it."""
        return len(self.cells)

    @property
    def first(self) -> EvaluationCell:
        """The repeat shown for the group (its assertions, error)."""
        return self.cells[0]

    @property
    def passed(self) -> int:
        """How many of its repeats passed (with latency or cost assertions, not all may)."""
        return sum(cell.status == CellStatus.PASSED for cell in self.cells)

    @property
    def cell_ids(self) -> str:
        """Its cells' ids, comma-separated: a rating of the output rates each of them."""
        return ",".join(str(cell.id) for cell in self.cells)

    @property
    def rating(self) -> int | None:
        """The thumbs its repeats share (None: none, or they differ)."""
        ratings = {cell.rating for cell in self.cells}
        return ratings.pop() if len(ratings) == 1 else None

    @property
    def note(self) -> str | None:
        """The note its repeats share, if they do."""
        notes = {cell.rating_note for cell in self.cells}
        return notes.pop() if len(notes) == 1 else None


@dataclass
class GridCell:
    """One row's repeats in one column."""

    row: int
    variant: int
    cells: list[EvaluationCell]

    @property
    def total(self) -> int:
        """Its repeats."""
        return len(self.cells)

    @property
    def passed(self) -> int:
        """Repeats that passed."""
        return sum(cell.status == CellStatus.PASSED for cell in self.cells)

    @property
    def judged(self) -> int:
        """Repeats that passed, failed or errored (the pass rate's denominator)."""
        return sum(cell.status in (CellStatus.PASSED, *NOT_PASSED) for cell in self.cells)

    @property
    def finished(self) -> int:
        """Repeats no longer waiting or running."""
        return sum(cell.status not in OPEN for cell in self.cells)

    @property
    def state(self) -> str:
        """pending, running, pass, fail, mixed (repeats disagree), error or cancelled."""
        statuses = [cell.status for cell in self.cells]
        if CellStatus.RUNNING in statuses:
            return "running"
        if CellStatus.PENDING in statuses:
            return "pending"
        if self.judged == 0:
            return "cancelled"
        if self.passed == self.judged:
            return "pass"
        if self.passed:
            return "mixed"
        errored = all(s in (CellStatus.ERRORED, CellStatus.CANCELLED) for s in statuses)
        return "error" if errored else "fail"

    @property
    def outcome(self) -> str | None:
        """What the disagreement filter compares: pass, fail (an error too) or mixed; None
        while it runs or when it was cancelled before any repeat ran."""
        state = self.state
        if state in ("pending", "running", "cancelled"):
            return None
        return "fail" if state == "error" else state

    @property
    def failing(self) -> bool:
        """Whether a repeat failed or errored."""
        return any(cell.status in NOT_PASSED for cell in self.cells)

    @cached_property
    def groups(self) -> list[OutputGroup]:
        """The distinct outputs of its finished repeats, the most frequent first."""
        grouped: dict[str | None, OutputGroup] = {}
        for cell in sorted(self.cells, key=lambda c: c.repeat):
            if cell.status in OPEN or cell.status == CellStatus.CANCELLED:
                continue
            output = None if cell.status == CellStatus.ERRORED else cell.output
            grouped.setdefault(output, OutputGroup(output)).cells.append(cell)
        return sorted(grouped.values(), key=lambda group: -group.count)

    @property
    def groups_shown(self) -> list[OutputGroup]:
        """The most frequent of its distinct outputs (GROUPS_SHOWN at most)."""
        return self.groups[:GROUPS_SHOWN]

    @property
    def distinct(self) -> int:
        """How many different answers its repeats gave (errors not counted)."""
        return len({group.output for group in self.groups if group.output is not None})

    @property
    def latency_ms(self) -> float | None:
        """The median latency of its repeats that answered."""
        values = [c.latency_ms for c in self.cells if c.latency_ms is not None and c.output]
        return statistics.median(values) if values else None

    @property
    def tokens(self) -> int:
        """Input and output tokens over its repeats."""
        return sum((c.input_tokens or 0) + (c.output_tokens or 0) for c in self.cells)

    @property
    def cost_usd(self) -> float:
        """Its runs' cost and its judges' cost, over its repeats."""
        return sum((c.cost_usd or 0.0) + (c.judge_cost_usd or 0.0) for c in self.cells)

    @property
    def stamp(self) -> str:
        """Changes whenever one of its cells does (status, result, rating): the live page
        replaces a grid cell only then, so what the reader opened there stays open."""
        key = ";".join(
            f"{c.id}:{c.status}:{c.finished_at}:{c.rating}:{c.rating_note}" for c in self.cells
        )
        return format(zlib.crc32(key.encode()), "08x")


@dataclass
class GridRow:
    """One test row of the snapshot with a grid cell per variant."""

    index: int
    variables: dict[str, Any]
    expected: str | None
    cells: list[GridCell | None]

    @property
    def failing(self) -> bool:
        """Whether any of its cells failed or errored ("failures only")."""
        return any(cell is not None and cell.failing for cell in self.cells)

    @property
    def disagree(self) -> bool:
        """Whether its variants' finished outcomes differ ("rows where the variants
        disagree"): one passed where another failed, say."""
        outcomes = {cell.outcome for cell in self.cells if cell is not None}
        outcomes.discard(None)
        return len(outcomes) > 1

    def matches(self, grid_filter: GridFilter | None) -> bool:
        """Whether the row is shown under this filter."""
        if grid_filter == "failures":
            return self.failing
        if grid_filter == "disagree":
            return self.disagree
        return True


def grid_filter(value: str | None) -> GridFilter | None:
    """The page's `filter` query parameter, checked (empty or "all": no filter)."""
    if value in (None, "", "all"):
        return None
    for known in FILTERS:
        if value == known:
            return known
    raise Invalid(
        f"There is no filter {value!r}: use failures or disagree (or none).", field="filter"
    )


def grid_rows(
    evaluation: Evaluation, cells: Sequence[EvaluationCell], indexes: Sequence[int]
) -> list[GridRow]:
    """The grid rows at these indexes of the evaluation's snapshot, from their cells."""
    grouped: dict[tuple[int, int], list[EvaluationCell]] = defaultdict(list)
    for cell in cells:
        grouped[(cell.row_index, cell.variant)].append(cell)
    rows = []
    for index in indexes:
        row = evaluation.rows[index]
        columns: list[GridCell | None] = []
        for variant in range(len(evaluation.variants)):
            group = grouped.get((index, variant))
            columns.append(GridCell(index, variant, group) if group else None)
        rows.append(GridRow(index, row.get("variables") or {}, row.get("expected"), columns))
    return rows


@dataclass(frozen=True)
class Grid:
    """The evaluation (progress, summaries) and the first `limit` of its rows."""

    evaluation: EvaluationRead
    rows: list[GridRow]


async def read_grid(service: EvaluationService, evaluation_id: int, *, limit: int) -> Grid:
    """The evaluation with its summary and its first `limit` rows (one read of its cells)."""
    evaluation = await service.find(evaluation_id)
    cells = await service.storage.all_cells(evaluation.id)
    counts: dict[str, int] = defaultdict(int)
    for cell in cells:
        counts[cell.status] += 1
    read = evaluation_read(evaluation, counts, cells)
    rows = grid_rows(evaluation, cells, range(min(limit, len(evaluation.rows))))
    return Grid(read, rows)


async def read_rows(
    service: EvaluationService, evaluation_id: int, indexes: Sequence[int]
) -> list[GridRow]:
    """Some rows of the grid, fresh (reading only their cells): what the live page asks for
    as cells finish. An index past the snapshot is a 422."""
    evaluation = await service.find(evaluation_id)
    wanted = sorted(set(indexes))
    if wanted and (wanted[0] < 0 or wanted[-1] >= len(evaluation.rows)):
        raise Invalid(f"This evaluation has rows 0 to {len(evaluation.rows) - 1}.", field="rows")
    cells = await service.storage.cells_of_rows(evaluation.id, wanted) if wanted else []
    return grid_rows(evaluation, cells, wanted)
