"""Test sets: a workspace's cases for evaluations. Members read them; editors and above
change them (`test_sets.write`). Rows are added one by one, from a file, or from a
response in a prompt's history."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from pydantic import ValidationError

from promptpro.db.models import ResponseStatus, TestSet, TestSetRow
from promptpro.db.session import SessionFactory, unit_of_work
from promptpro.errors import Invalid, NotFound
from promptpro.schemas.assertions import Assertion
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
from promptpro.services import audit, permissions
from promptpro.services import test_set_files as files
from promptpro.services.audit import Action
from promptpro.storage import Storage
from promptpro.storage.pagination import ValueKeyset

NO_SUCH_TEST_SET = "No such test set."
NO_SUCH_ROW = "No such row in this test set."
WRITE = "test_sets.write"
# Rows read per unit of work while an export streams (a row holds up to ~100 kB of text).
EXPORT_PAGE = 100


def stored_assertions(assertions: list[Assertion] | None) -> list[dict[str, Any]] | None:
    """Assertions as stored and returned: camelCase, only the fields that were sent."""
    if assertions is None:
        return None
    return [item.model_dump(by_alias=True, exclude_unset=True) for item in assertions]


def row_read(row: TestSetRow) -> TestRowRead:
    """A row on the wire."""
    return TestRowRead(
        id=row.id,
        test_set_id=row.test_set_id,
        variables=row.variables,
        expected=row.expected,
        assertions=row.assertions,
        metadata=row.meta,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def row_values(data: TestRowCreate) -> dict[str, Any]:
    """A new row's columns."""
    return {
        "variables": data.variables,
        "expected": data.expected,
        "assertions": stored_assertions(data.assertions),
        "meta": data.metadata,
    }


def set_read(test_set: TestSet, row_count: int) -> TestSetRead:
    """A test set on the wire."""
    return TestSetRead(
        id=test_set.id,
        workspace_id=test_set.workspace_id,
        name=test_set.name,
        description=test_set.description,
        assertions=test_set.assertions,
        threshold=test_set.threshold,
        row_count=row_count,
        created_at=test_set.created_at,
        updated_at=test_set.updated_at,
    )


def row_dict(row: TestSetRow) -> dict[str, Any]:
    """A row as an export writes it (JSONL: the API's row body)."""
    found: dict[str, Any] = {"variables": row.variables}
    if row.expected is not None:
        found["expected"] = row.expected
    if row.assertions:
        found["assertions"] = row.assertions
    if row.meta:
        found["metadata"] = row.meta
    return found


class TestSetService:
    """The test set rules for one acting user."""

    __test__ = False

    def __init__(
        self, storage: Storage, actor_id: str, *, max_rows: int = 10_000, max_bytes: int = 2**20
    ) -> None:
        self.storage = storage
        self.actor_id = actor_id
        self.max_rows = max_rows
        self.max_bytes = max_bytes

    async def _find(self, test_set_id: int, action: str | None = None) -> TestSet:
        """The set, if it is in one of the actor's workspaces (else NotFound) and the actor's
        role there allows `action` (else Forbidden naming the role)."""
        test_set = await self.storage.get_test_set(self.actor_id, test_set_id)
        if test_set is None:
            raise NotFound(NO_SUCH_TEST_SET)
        if action is not None:
            role = await self.storage.role_in(self.actor_id, test_set.workspace_id)
            permissions.require_role(role, action)
        return test_set

    async def _count(self, test_set_id: int) -> int:
        return (await self.storage.count_test_rows([test_set_id])).get(test_set_id, 0)

    async def _room_for(self, test_set_id: int, adding: int) -> None:
        held = await self._count(test_set_id)
        if held + adding > self.max_rows:
            raise Invalid(
                f"A test set holds at most {self.max_rows} rows; this one has {held}, "
                f"and {adding} more would pass the limit. Nothing was added.",
                field="rows",
            )

    # --- sets -------------------------------------------------------------------------

    async def list_test_sets(self, workspace_id: int | None = None) -> list[TestSetRead]:
        """A workspace's test sets by name (None: the personal one; none if not a member)."""
        if workspace_id is None:
            workspace_id = await self.storage.personal_workspace_id(self.actor_id)
        sets = await self.storage.list_test_sets(self.actor_id, workspace_id)
        counts = await self.storage.count_test_rows([test_set.id for test_set in sets])
        return [set_read(test_set, counts.get(test_set.id, 0)) for test_set in sets]

    async def get_test_set(self, test_set_id: int) -> TestSetRead:
        """One test set."""
        test_set = await self._find(test_set_id)
        return set_read(test_set, await self._count(test_set_id))

    async def create_test_set(self, data: TestSetCreate) -> TestSetRead:
        """A new test set in the workspace (None: the personal one); Conflict on `name`."""
        workspace_id = data.workspace_id
        if workspace_id is None:
            workspace_id = await self.storage.personal_workspace_id(self.actor_id)
        else:
            found = await self.storage.get_membership(self.actor_id, workspace_id)
            if found is None:
                raise Invalid("No such workspace.", field="workspaceId")
            permissions.require_role(found[1], WRITE)
        test_set = await self.storage.create_test_set(
            self.actor_id,
            workspace_id,
            name=data.name,
            description=data.description,
            assertions=stored_assertions(data.assertions) or [],
            threshold=data.threshold,
        )
        return set_read(test_set, 0)

    async def update_test_set(self, test_set_id: int, changes: TestSetUpdate) -> TestSetRead:
        """Change the fields sent."""
        test_set = await self._find(test_set_id, WRITE)
        values = changes.model_dump(exclude_unset=True)
        if "assertions" in values:
            values["assertions"] = stored_assertions(changes.assertions)
        await self.storage.update_test_set(test_set, **values)
        return set_read(test_set, await self._count(test_set_id))

    async def delete_test_set(self, test_set_id: int) -> None:
        """Delete a test set and its rows."""
        test_set = await self._find(test_set_id, WRITE)
        await self.storage.delete_test_set(test_set_id)
        await audit.record(
            self.storage,
            Action.TEST_SET_DELETED,
            f"Deleted test set {test_set_id}",
            actor_id=self.actor_id,
            object_type="test_set",
            object_id=test_set_id,
            workspace_id=test_set.workspace_id,
        )

    # --- rows -------------------------------------------------------------------------

    async def list_rows(
        self, test_set_id: int, *, cursor: str | None = None, limit: int = 100
    ) -> TestRowPage:
        """A page of the set's rows, in the order they were added."""
        await self._find(test_set_id)
        after = ValueKeyset.decode(cursor, int).id if cursor else 0
        rows = await self.storage.list_test_rows(test_set_id, after_id=after, limit=limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = ValueKeyset(rows[-1].id, rows[-1].id).encode() if more else None
        return TestRowPage(items=[row_read(row) for row in rows], next_cursor=next_cursor)

    async def add_row(self, test_set_id: int, data: TestRowCreate) -> TestRowRead:
        """Add one row."""
        await self._find(test_set_id, WRITE)
        await self._room_for(test_set_id, 1)
        [row] = await self.storage.add_test_rows(test_set_id, [row_values(data)])
        await self.storage.touch_test_set(test_set_id)
        return row_read(row)

    async def _row(self, test_set_id: int, row_id: int) -> TestSetRow:
        row = await self.storage.get_test_row(test_set_id, row_id)
        if row is None:
            raise NotFound(NO_SUCH_ROW)
        return row

    async def update_row(
        self, test_set_id: int, row_id: int, changes: TestRowUpdate
    ) -> TestRowRead:
        """Change the fields sent (each replaced whole)."""
        await self._find(test_set_id, WRITE)
        row = await self._row(test_set_id, row_id)
        values = changes.model_dump(exclude_unset=True)
        if "assertions" in values:
            values["assertions"] = stored_assertions(changes.assertions)
        if "metadata" in values:
            values["meta"] = values.pop("metadata")
        await self.storage.update_test_row(row, **values)
        await self.storage.touch_test_set(test_set_id)
        return row_read(row)

    async def delete_row(self, test_set_id: int, row_id: int) -> None:
        """Delete a row."""
        await self._find(test_set_id, WRITE)
        if not await self.storage.delete_test_row(test_set_id, row_id):
            raise NotFound(NO_SUCH_ROW)
        await self.storage.touch_test_set(test_set_id)

    async def import_rows(
        self, test_set_id: int, body: bytes, file_format: files.FileFormat
    ) -> ImportRead:
        """Add every row of a CSV or JSONL file, or none (Invalid naming the bad line)."""
        await self._find(test_set_id, WRITE)
        if len(body) > self.max_bytes:
            raise Invalid(
                f"The file is larger than the import limit of {self.max_bytes} bytes.",
                field="body",
            )
        rows = files.parse(body, file_format, self.max_rows)
        await self._room_for(test_set_id, len(rows))
        await self.storage.add_test_rows(test_set_id, [row_values(row) for row in rows])
        await self.storage.touch_test_set(test_set_id)
        return ImportRead(imported=len(rows), row_count=await self._count(test_set_id))

    async def add_from_response(self, test_set_id: int, data: RowFromResponse) -> TestRowRead:
        """Add a response as a row: its variables, and its answer as the expected one."""
        test_set = await self._find(test_set_id, WRITE)
        response = await self.storage.get_response(self.actor_id, data.response_id)
        if response is None:
            raise Invalid("No such response.", field="responseId")
        if response.status != ResponseStatus.COMPLETED:
            raise Invalid("Only a completed response can be added.", field="responseId")
        metadata: dict[str, Any] = {
            "responseId": response.id,
            "promptId": response.prompt_id,
            "model": response.model,
        }
        try:
            row = TestRowCreate(
                variables=response.variables or {}, expected=response.content, metadata=metadata
            )
        except ValidationError as exc:
            detail = f"The response can't be a row: {exc.errors()[0]['msg']}."
            raise Invalid(detail, field="responseId") from None
        return await self.add_row(test_set.id, row)

    async def check_export(self, test_set_id: int) -> TestSetRead:
        """The set, if the actor may read it (before an export starts streaming)."""
        return await self.get_test_set(test_set_id)


async def export_lines(
    factory: SessionFactory, test_set_id: int, file_format: files.FileFormat
) -> AsyncIterator[str]:
    """A set's rows as CSV or JSONL text, a page at a time, each page in a short unit of
    work of its own: the request's has ended by the time the body streams (the caller
    checked access first). CSV reads the rows twice: its header needs every column."""

    async def pages() -> AsyncIterator[list[dict[str, Any]]]:
        after = 0
        while True:
            async with unit_of_work(factory) as session:
                rows = await Storage(session).list_test_rows(
                    test_set_id, after_id=after, limit=EXPORT_PAGE
                )
            if not rows:
                return
            after = rows[-1].id
            yield [row_dict(row) for row in rows]

    if file_format == "jsonl":
        async for page in pages():
            yield "".join(files.jsonl_lines(page))
        return
    columns = files.CsvColumns()
    async for page in pages():
        for row in page:
            columns.add(row)
    yield files.csv_line(columns.header())
    async for page in pages():
        yield "".join(files.csv_line(columns.cells(row)) for row in page)
