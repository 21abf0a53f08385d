"""Evaluations: start one, follow it, read its cells and summary, cancel, retry, compare,
rate cells."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.sse import KEEPALIVE_COMMENT, EventSourceResponse

from promptpro.api.problems import problem_responses
from promptpro.api.runs import _end_transaction, _sse
from promptpro.deps import (
    CurrentUser,
    EvaluationDispatchDep,
    EvaluationServiceDep,
    SessionDep,
)
from promptpro.schemas.evaluations import (
    CellPage,
    CellRead,
    CellStatusName,
    ComparisonRead,
    EvaluationCreate,
    EvaluationCreated,
    EvaluationListItem,
    EvaluationRead,
)
from promptpro.schemas.feedback import RatingUpdate
from promptpro.services.evaluation_compare import compare
from promptpro.services.evaluation_events import follow

router = APIRouter(prefix="/evaluations", tags=["evaluations"])

EvaluationId = Annotated[int, Path(description="The evaluation's id.")]
EVENTS_DOC = {
    "description": "Server-sent events: `snapshot` (the evaluation with its progress and "
    "summary), `cell` (each cell as it finishes), then `done` (the evaluation at its end).",
    "content": {"text/event-stream": {}},
}


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Start an evaluation",
    response_model=EvaluationCreated,
    responses=problem_responses(401, 402, 403, 404, 409, 422),
)
async def create_evaluation(
    body: EvaluationCreate,
    service: EvaluationServiceDep,
    dispatch: EvaluationDispatchDep,
    session: SessionDep,
) -> EvaluationCreated:
    """A prompt (as it is, a version or a label) on 1-6 models, or 2-4 versions on one
    model, on every row of the test set, 1-20 times each: its estimate is checked against
    the budgets (402) and `confirmCostUsd` (409) before anything runs."""
    created = await service.created(body)
    await session.commit()  # the cells exist before anyone may take them
    await dispatch.kick(created.id)
    return created


@router.get("", summary="List evaluations", response_model=list[EvaluationListItem])
async def list_evaluations(
    service: EvaluationServiceDep,
    test_set_id: Annotated[int | None, Query(alias="testSetId")] = None,
    workspace_id: Annotated[int | None, Query(alias="workspaceId")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[EvaluationListItem]:
    """The newest evaluations first, of a test set and/or a workspace."""
    return await service.list_evaluations(
        workspace_id=workspace_id, test_set_id=test_set_id, limit=limit
    )


@router.get(
    "/{evaluation_id}",
    summary="An evaluation: status, progress, summary per variant",
    response_model=EvaluationRead,
    responses=problem_responses(401, 404),
)
async def get_evaluation(
    evaluation_id: EvaluationId, service: EvaluationServiceDep
) -> EvaluationRead:
    """Its status, cells in each status, and each variant's pass rate, latency, tokens, cost."""
    return await service.get(evaluation_id)


@router.get(
    "/{evaluation_id}/cells",
    summary="An evaluation's cells",
    response_model=CellPage,
    responses=problem_responses(401, 404, 422),
)
async def list_cells(
    evaluation_id: EvaluationId,
    service: EvaluationServiceDep,
    cell_status: Annotated[CellStatusName | None, Query(alias="status")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> CellPage:
    """A page of cells in matrix order; follow `nextCursor` for the next one."""
    return await service.cells(evaluation_id, status=cell_status, cursor=cursor, limit=limit)


@router.get(
    "/{evaluation_id}/events",
    summary="Follow an evaluation's progress",
    responses={**problem_responses(401, 404), 200: EVENTS_DOC},
)
async def evaluation_events(
    evaluation_id: EvaluationId,
    request: Request,
    service: EvaluationServiceDep,
    user: CurrentUser,
    session: SessionDep,
) -> Response:
    """A snapshot, then each cell as it finishes, until the evaluation ends; a follower that
    comes back gets a fresh snapshot."""
    await service.find(evaluation_id)
    await _end_transaction(session)
    state = request.app.state

    async def events() -> AsyncIterator[bytes]:
        stream = follow(
            state.session_factory, user.id, evaluation_id, poll=state.settings.follow_poll_seconds
        )
        async for item in stream:
            yield KEEPALIVE_COMMENT if item.event == "keepalive" else _sse(item.event, item.data)

    return EventSourceResponse(events())


@router.post(
    "/{evaluation_id}/cancel",
    summary="Cancel an evaluation",
    response_model=EvaluationRead,
    responses=problem_responses(401, 403, 404, 409),
)
async def cancel_evaluation(
    evaluation_id: EvaluationId, service: EvaluationServiceDep
) -> EvaluationRead:
    """Its pending cells are cancelled; the finished ones keep their results."""
    return await service.cancel(evaluation_id)


@router.post(
    "/{evaluation_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Retry an evaluation's failed and errored cells",
    response_model=EvaluationRead,
    responses=problem_responses(401, 403, 404, 409),
)
async def retry_evaluation(
    evaluation_id: EvaluationId,
    service: EvaluationServiceDep,
    dispatch: EvaluationDispatchDep,
    session: SessionDep,
) -> EvaluationRead:
    """Only the failed and errored cells run again; the passed ones keep their results."""
    evaluation = await service.retry(evaluation_id)
    await session.commit()
    await dispatch.kick(evaluation_id)
    return evaluation


@router.get(
    "/{evaluation_id}/compare/{other_id}",
    summary="Compare with another evaluation of the same test set",
    response_model=ComparisonRead,
    responses=problem_responses(401, 404, 422),
)
async def compare_evaluations(
    evaluation_id: EvaluationId,
    other_id: Annotated[int, Path(description="The baseline evaluation's id.")],
    service: EvaluationServiceDep,
) -> ComparisonRead:
    """Per row, regressions (passed in the baseline, failing now) and fixes; the summary's
    deltas (this evaluation minus the baseline)."""
    return await compare(service, evaluation_id, other_id)


@router.put(
    "/{evaluation_id}/cells/{cell_id}/rating",
    summary="Rate a cell",
    response_model=CellRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def rate_cell(
    evaluation_id: EvaluationId,
    cell_id: Annotated[int, Path(description="The cell's id.")],
    body: RatingUpdate,
    service: EvaluationServiceDep,
) -> CellRead:
    """Thumbs up (1) or down (-1) with an optional note; 0 clears both."""
    return await service.rate(evaluation_id, cell_id, body)
