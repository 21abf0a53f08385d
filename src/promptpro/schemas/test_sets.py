"""Test sets and their rows on the wire."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from promptpro.schemas.assertions import Assertions
from promptpro.schemas.base import (
    LongText,
    Name,
    NotBoolean,
    PatchSchema,
    ReadSchema,
    ResponseText,
    WriteSchema,
)
from promptpro.schemas.pages import PageRead
from promptpro.schemas.runs import Variables

MAX_METADATA_BYTES = 20_000
MAX_EXPECTED_CHARS = 100_000


def bounded_metadata(value: dict[str, Any]) -> dict[str, Any]:
    """Free metadata, at most MAX_METADATA_BYTES of JSON."""
    size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
    if size > MAX_METADATA_BYTES:
        raise ValueError(f"at most {MAX_METADATA_BYTES} bytes of JSON")
    return value


Metadata = Annotated[dict[str, Any], AfterValidator(bounded_metadata)]
Expected = Annotated[ResponseText, Field(max_length=MAX_EXPECTED_CHARS)]
Threshold = Annotated[float, Field(ge=0, le=1), NotBoolean]


class TestSetRead(ReadSchema):
    """A test set: its set-level assertions and threshold, and how many rows it holds."""

    __test__ = False

    id: int
    workspace_id: int
    name: str
    description: str | None
    assertions: list[dict[str, Any]] = Field(
        description="The set's assertions, checked on every row (as sent, nulls left out)."
    )
    threshold: float | None = Field(
        description="A cell passes when its weighted score reaches this (null: all must pass)."
    )
    row_count: int
    created_at: datetime
    updated_at: datetime


class TestSetCreate(WriteSchema):
    """A new test set; its name is unique per workspace regardless of case."""

    __test__ = False

    # None: the author's personal workspace.
    workspace_id: Annotated[int, NotBoolean] | None = None
    name: Name
    description: LongText | None = None
    assertions: Assertions = Field(default_factory=list)
    threshold: Threshold | None = None


class TestSetUpdate(PatchSchema):
    """A change to a test set; only the fields sent change (`assertions` is replaced whole)."""

    __test__ = False
    not_null = ("name", "assertions")

    name: Name | None = None
    description: LongText | None = None
    assertions: Assertions | None = None
    threshold: Threshold | None = None


class TestRowRead(ReadSchema):
    """One row: the prompt's variables, the expected answer, its own assertions, metadata."""

    __test__ = False

    id: int
    test_set_id: int
    variables: dict[str, str]
    expected: str | None
    assertions: list[dict[str, Any]] | None
    metadata: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


class TestRowCreate(WriteSchema):
    """A new row."""

    __test__ = False

    variables: Variables = Field(default_factory=dict)
    expected: Expected | None = None
    assertions: Assertions | None = None
    metadata: Metadata | None = None


class TestRowUpdate(PatchSchema):
    """A change to a row; only the fields sent change (each replaced whole)."""

    __test__ = False
    not_null = ("variables",)

    variables: Variables | None = None
    expected: Expected | None = None
    assertions: Assertions | None = None
    metadata: Metadata | None = None


class TestRowPage(PageRead[TestRowRead]):
    """A page of a set's rows, in the order they were added."""

    __test__ = False


class RowFromResponse(WriteSchema):
    """Add a response as a row: its variables, and its answer as the expected one."""

    response_id: Annotated[int, NotBoolean]


class ImportRead(ReadSchema):
    """What an import added."""

    imported: int
    row_count: int
