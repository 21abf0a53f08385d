"""Test sets: a workspace's cases for evaluations, their rows, import and export."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from promptpro.api.problems import problem_responses
from promptpro.deps import CurrentUser, SettingsDep, StorageDep
from promptpro.schemas.test_sets import (
    ImportRead,
    RowFromResponse,
    TestRowCreate,
    TestRowPage,
    TestRowRead,
    TestRowUpdate,
    TestSetCreate,
    TestSetRead,
    TestSetUpdate,
)
from promptpro.services.test_sets import TestSetService, export_lines

router = APIRouter(prefix="/test-sets", tags=["test sets"])

MAX_ROW_PAGE = 500
TestSetId = Annotated[int, Path(description="The test set's id.")]
RowId = Annotated[int, Path(description="The row's id.")]
FileFormatQuery = Annotated[
    Literal["csv", "jsonl"], Query(alias="format", description="The file's format.")
]
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}
UNSAFE_IN_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def test_set_service(
    storage: StorageDep, user: CurrentUser, settings: SettingsDep
) -> TestSetService:
    """The test set service acting for the signed-in user."""
    return TestSetService(
        storage,
        user.id,
        max_rows=settings.test_set_max_rows,
        max_bytes=settings.test_set_import_max_bytes,
    )


TestSets = Annotated[TestSetService, Depends(test_set_service)]


@router.get(
    "",
    summary="List a workspace's test sets",
    response_model=list[TestSetRead],
    responses=problem_responses(401, 422),
)
async def list_test_sets(
    test_sets: TestSets,
    workspace_id: Annotated[
        int | None,
        Query(alias="workspaceId", description="The workspace (default: your personal one)."),
    ] = None,
) -> list[TestSetRead]:
    """A workspace's test sets, by name."""
    return await test_sets.list_test_sets(workspace_id)


@router.post(
    "",
    status_code=201,
    summary="Create a test set",
    response_model=TestSetRead,
    responses=problem_responses(400, 401, 403, 409, 413, 422),
)
async def create_test_set(
    data: TestSetCreate, test_sets: TestSets, request: Request, response: Response
) -> TestSetRead:
    """A new test set; its name must differ, regardless of case, from the workspace's others."""
    created = await test_sets.create_test_set(data)
    response.headers["Location"] = request.app.url_path_for("get_test_set", test_set_id=created.id)
    return created


@router.get(
    "/{test_set_id}",
    summary="Read a test set",
    response_model=TestSetRead,
    responses=problem_responses(401, 404, 422),
)
async def get_test_set(test_set_id: TestSetId, test_sets: TestSets) -> TestSetRead:
    """One test set."""
    return await test_sets.get_test_set(test_set_id)


@router.patch(
    "/{test_set_id}",
    summary="Change a test set",
    response_model=TestSetRead,
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def update_test_set(
    test_set_id: TestSetId, changes: TestSetUpdate, test_sets: TestSets
) -> TestSetRead:
    """Change the fields sent; `assertions` is replaced whole."""
    return await test_sets.update_test_set(test_set_id, changes)


@router.delete(
    "/{test_set_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a test set",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_test_set(test_set_id: TestSetId, test_sets: TestSets) -> None:
    """Delete a test set and its rows."""
    await test_sets.delete_test_set(test_set_id)


@router.get(
    "/{test_set_id}/rows",
    summary="List a test set's rows",
    response_model=TestRowPage,
    responses=problem_responses(401, 404, 422),
)
async def list_rows(
    test_set_id: TestSetId,
    test_sets: TestSets,
    limit: Annotated[int, Query(ge=1, le=MAX_ROW_PAGE, description="Rows per page.")] = 100,
    cursor: Annotated[
        str | None, Query(max_length=200, description="The `nextCursor` of the previous page.")
    ] = None,
) -> TestRowPage:
    """A page of rows, in the order they were added."""
    return await test_sets.list_rows(test_set_id, cursor=cursor, limit=limit)


@router.post(
    "/{test_set_id}/rows",
    status_code=201,
    summary="Add a row",
    response_model=TestRowRead,
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def add_row(test_set_id: TestSetId, data: TestRowCreate, test_sets: TestSets) -> TestRowRead:
    """Add one row: variables, and optionally an expected answer, assertions, metadata."""
    return await test_sets.add_row(test_set_id, data)


@router.post(
    "/{test_set_id}/rows/from-response",
    status_code=201,
    summary="Add a response as a row",
    response_model=TestRowRead,
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def add_row_from_response(
    test_set_id: TestSetId, data: RowFromResponse, test_sets: TestSets
) -> TestRowRead:
    """The response's variables become the row's, its answer the expected one."""
    return await test_sets.add_from_response(test_set_id, data)


@router.patch(
    "/{test_set_id}/rows/{row_id}",
    summary="Change a row",
    response_model=TestRowRead,
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def update_row(
    test_set_id: TestSetId, row_id: RowId, changes: TestRowUpdate, test_sets: TestSets
) -> TestRowRead:
    """Change the fields sent, each replaced whole."""
    return await test_sets.update_row(test_set_id, row_id, changes)


@router.delete(
    "/{test_set_id}/rows/{row_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a row",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_row(test_set_id: TestSetId, row_id: RowId, test_sets: TestSets) -> None:
    """Delete one row."""
    await test_sets.delete_row(test_set_id, row_id)


IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "description": "The file: CSV (or TSV) with a header row, or JSON Lines.",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "text/tab-separated-values": {"schema": {"type": "string"}},
            "application/x-ndjson": {"schema": {"type": "string"}},
            "text/plain": {"schema": {"type": "string"}},
        },
    }
}


@router.post(
    "/{test_set_id}/import",
    summary="Import rows from a CSV or JSONL file",
    response_model=ImportRead,
    responses=problem_responses(401, 403, 404, 413, 422),
    openapi_extra=IMPORT_BODY,
)
async def import_rows(
    test_set_id: TestSetId, file_format: FileFormatQuery, request: Request, test_sets: TestSets
) -> ImportRead:
    """Add every row of the file, or none: a bad line is a 422 naming it.

    CSV: each column is a variable, except `expected`, `__meta.KEY` and `__assertions`
    (a JSON list); a header with a tab makes it tab-separated. JSONL: one row object
    (`{variables, expected?, assertions?, metadata?}`) per line.
    """
    return await test_sets.import_rows(test_set_id, await request.body(), file_format)


@router.get(
    "/{test_set_id}/export",
    summary="Export the rows as CSV or JSONL",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The rows, streamed.",
            "content": {media: {"schema": {"type": "string"}} for media in MEDIA_TYPES.values()},
        },
        **problem_responses(401, 404, 422),
    },
)
async def export_rows(
    test_set_id: TestSetId, file_format: FileFormatQuery, request: Request, test_sets: TestSets
) -> StreamingResponse:
    """Every row, in the form an import reads back."""
    test_set = await test_sets.check_export(test_set_id)
    stem = UNSAFE_IN_FILE_NAME.sub("-", test_set.name).strip("-.") or f"test-set-{test_set.id}"
    factory = request.app.state.session_factory

    async def body() -> AsyncIterator[bytes]:
        async for text in export_lines(factory, test_set.id, file_format):
            yield text.encode()

    return StreamingResponse(
        body(),
        media_type=MEDIA_TYPES[file_format],
        headers={"Content-Disposition": f'attachment; filename="{stem}.{file_format}"'},
    )
