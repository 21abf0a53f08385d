"""The evaluation page: the results grid of rows x variants, live while it runs.

Everything is read through the services the API uses (services/evaluations.py, and
services/evaluation_grid.py, which shapes the cells into the grid). The server renders the
evaluation as it stands; while it runs, the page's script (static/js/evaluation.js)
follows its event stream and asks `…/fragment` for the rows whose cells finished, so the
grid is always the server's own rendering. Filters are query parameters the script also
applies in place; ratings, cancel and retry go through the JSON API.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from promptpro.db.models import EvaluationStatus
from promptpro.deps import StorageDep
from promptpro.errors import Invalid
from promptpro.services.evaluation_compare import previous_of
from promptpro.services.evaluation_grid import grid_filter, read_grid, read_rows
from promptpro.services.evaluations import EvaluationService
from promptpro.web.pages.common import PageAuth, page

router = APIRouter()

# The rows the page renders (the API pages through them all); the fragment refreshes at
# most as many at once.
ROWS_SHOWN = 500
OPEN = (EvaluationStatus.QUEUED, EvaluationStatus.RUNNING)


def parse_rows(value: str) -> list[int]:
    """The fragment's `rows`: row indexes, comma-separated (at most ROWS_SHOWN)."""
    parts = [part.strip() for part in value.split(",") if part.strip()]
    if not all(part.isdigit() for part in parts):
        raise Invalid("rows is a comma-separated list of row numbers (from 0).", field="rows")
    if len(parts) > ROWS_SHOWN:
        raise Invalid(f"Ask for at most {ROWS_SHOWN} rows at once.", field="rows")
    return [int(part) for part in parts]


@router.get("/evaluations/{evaluation_id:int}")
async def evaluation_page(
    request: Request,
    evaluation_id: int,
    storage: StorageDep,
    auth: PageAuth,
    filter_name: Annotated[str | None, Query(alias="filter")] = None,
) -> Response:
    """One evaluation: its progress, column summaries and grid (filtered if asked)."""
    chosen = grid_filter(filter_name)
    service = EvaluationService(storage, auth.user.id)
    grid = await read_grid(service, evaluation_id, limit=ROWS_SHOWN)
    evaluation = grid.evaluation
    return page(
        request,
        "evaluations/page.html",
        auth,
        evaluation=evaluation,
        rows=grid.rows,
        filter=chosen,
        shown=sum(row.matches(chosen) for row in grid.rows),
        live=evaluation.status in OPEN,
        previous_id=await previous_of(service, evaluation_id),
        can_run=auth.may("evaluations.run", evaluation.workspace_id),
        can_rate=auth.may("evaluations.rate", evaluation.workspace_id),
    )


@router.get("/evaluations/{evaluation_id:int}/fragment")
async def evaluation_fragment(
    request: Request,
    evaluation_id: int,
    storage: StorageDep,
    auth: PageAuth,
    rows: str = "",
    summary: bool = False,
) -> Response:
    """Some rows of the grid as they are now (`rows=0,3,4`), and with `summary=true` the
    column summaries: what the live page swaps in as cells finish or are rated."""
    indexes = parse_rows(rows)
    service = EvaluationService(storage, auth.user.id)
    found = await service.find(evaluation_id)
    evaluation = await service.get(evaluation_id) if summary else None
    return page(
        request,
        "evaluations/_fragment.html",
        auth,
        evaluation=evaluation,
        rows=await read_rows(service, evaluation_id, indexes),
        filter=None,
        can_rate=auth.may("evaluations.rate", found.workspace_id),
        headers={"Cache-Control": "no-store"},
    )
