"""The evaluation page: rows x variants with each cell's pass/fail, and column summaries.

Read through the same service as the API (services/evaluations.py). Live progress and the
grid's filters, expandable outputs and the baseline view are not built yet: the page
shows the evaluation as it stands when loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from starlette.responses import Response

from promptpro.db.models import CellStatus
from promptpro.deps import StorageDep
from promptpro.services.evaluation_summaries import by_row
from promptpro.services.evaluations import EvaluationService
from promptpro.web.pages.common import PageAuth, page

router = APIRouter()

# The rows the page shows (the API pages through them all).
ROWS_SHOWN = 500


@dataclass
class GridCell:
    """One row's repeats in one column: how many passed, and the first output."""

    passed: int = 0
    total: int = 0
    finished: int = 0
    output: str | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def state(self) -> str:
        """pass, fail, mixed (repeats disagree) or open (not finished)."""
        if self.finished < self.total:
            return "open"
        if self.passed == self.total:
            return "pass"
        return "fail" if self.passed == 0 else "mixed"


@router.get("/evaluations/{evaluation_id:int}")
async def evaluation_page(
    request: Request, evaluation_id: int, storage: StorageDep, auth: PageAuth
) -> Response:
    """One evaluation: its grid and column summaries."""
    service = EvaluationService(storage, auth.user.id)
    evaluation = await service.get(evaluation_id)
    found = await service.find(evaluation_id)
    cells = await storage.all_cells(evaluation_id)
    grid: dict[tuple[int, int], GridCell] = {}
    for (row, variant), group in by_row(cells).items():
        if row >= ROWS_SHOWN:
            continue
        item = GridCell(total=len(group))
        for cell in group:
            item.passed += cell.status == CellStatus.PASSED
            item.finished += cell.finished_at is not None
            if item.output is None and cell.output is not None:
                item.output = cell.output
            for result in cell.assertion_results or []:
                if not result.get("passed"):
                    item.reasons.append(f"{result.get('type')}: {result.get('reason')}")
        grid[(row, variant)] = item
    return page(
        request,
        "evaluations/page.html",
        auth,
        evaluation=evaluation,
        rows=found.rows[:ROWS_SHOWN],
        grid=grid,
    )
