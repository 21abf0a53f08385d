"""The baseline view: an evaluation (the candidate) against another of the same test set
(the baseline) — the summary's deltas per variant, and each row's outcome in both with its
regressions and fixes flagged; `?changes=only` keeps the rows that changed.

Read through the same comparison as the API (services/evaluation_compare.py, by way of
services/evaluation_baseline.py): an evaluation the user can't see is a 404, two of
different sets a 422.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from promptpro.deps import StorageDep
from promptpro.services.evaluation_baseline import ROWS_SHOWN, baseline_view
from promptpro.services.evaluation_compare import previous_of
from promptpro.services.evaluations import EvaluationService
from promptpro.services.test_sets import TestSetService
from promptpro.web.pages.common import PageAuth, page, see_other

router = APIRouter()

# The set's evaluations the baseline picker offers (newest first).
BASELINES_OFFERED = 50


@router.get("/evaluations/{candidate_id:int}/compare/{baseline_id:int}")
async def baseline_page(
    request: Request, candidate_id: int, baseline_id: int, storage: StorageDep, auth: PageAuth
) -> Response:
    """The candidate against the baseline, row by row."""
    service = EvaluationService(storage, auth.user.id)
    view = await baseline_view(service, candidate_id, baseline_id)
    test_set_id = view.candidate.test_set_id
    assert test_set_id is not None  # compared evaluations have a set (else a 422 above)
    test_set = await TestSetService(storage, auth.user.id).get_test_set(test_set_id)
    others = await service.list_evaluations(
        workspace_id=None, test_set_id=test_set_id, limit=BASELINES_OFFERED
    )
    changes_only = request.query_params.get("changes") == "only"
    return page(
        request,
        "evaluations/baseline.html",
        auth,
        view=view,
        test_set=test_set,
        baselines=[item for item in others if item.id != candidate_id],
        changes_only=changes_only,
        rows=[row for row in view.rows if row.changed] if changes_only else view.rows,
        rows_shown=ROWS_SHOWN,
        changed_count=sum(row.changed for row in view.rows),
    )


@router.get("/evaluations/{candidate_id:int}/compare")
async def choose_baseline(
    request: Request, candidate_id: int, storage: StorageDep, auth: PageAuth
) -> Response:
    """The baseline picker's answer (`?baseline=ID`); without one, the previous run."""
    raw = request.query_params.get("baseline", "")
    baseline = int(raw) if raw.isdigit() and len(raw) < 12 else None
    if baseline is None:
        baseline = await previous_of(EvaluationService(storage, auth.user.id), candidate_id)
    if baseline is None:  # the set's first run: nothing to compare it with
        return see_other(f"/evaluations/{candidate_id}")
    changes = "?changes=only" if request.query_params.get("changes") == "only" else ""
    return see_other(f"/evaluations/{candidate_id}/compare/{baseline}{changes}")
