"""Test set rows to and from files: CSV (or pasted TSV) and JSON Lines. Pure functions.

CSV: a header row, then one row per line. Each column is a variable (named as in a
prompt: letters, digits, `_`), except `expected` (the expected answer), `__meta.KEY` (a
metadata entry, a string) and `__assertions` (the row's assertions, as a JSON list). A
header with a tab in it makes the file tab-separated, so rows pasted from a spreadsheet
import as they are. An empty cell leaves its variable (or expected answer, metadata entry,
assertions) out, so a set whose rows use different variables exports and imports back as
it was. JSONL: one row object per line, as the API takes it
(`{variables, expected?, assertions?, metadata?}`); blank lines are skipped.

Everything is read and checked before anything is stored: a bad line is an `Invalid`
naming it, and the import adds nothing.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from pydantic import ValidationError
from pydantic.alias_generators import to_camel

from promptpro.errors import Invalid
from promptpro.schemas.test_sets import TestRowCreate

FileFormat = Literal["csv", "jsonl"]
EXPECTED = "expected"
ASSERTIONS = "__assertions"
META_PREFIX = "__meta."
VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _line_error(line: int, message: str) -> Invalid:
    return Invalid(f"Line {line}: {message} Nothing was imported.", field="body")


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(
        to_camel(str(part)) if not isinstance(part, int) else str(part) for part in error["loc"]
    )
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}." if where else f"{message}."


def _validated(line: int, row: dict[str, Any]) -> TestRowCreate:
    try:
        return TestRowCreate.model_validate(row)
    except ValidationError as exc:
        raise _line_error(line, _first_error(exc)) from None


def decode(body: bytes) -> str:
    """The file as text: UTF-8, with or without a byte order mark."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        raise _line_error(line, "not UTF-8 text.") from None


def _header(cells: list[str]) -> list[str]:
    names = [cell.strip() for cell in cells]
    seen: set[str] = set()
    for position, name in enumerate(names, 1):
        if name in seen:
            raise _line_error(1, f"column {name!r} appears twice.")
        seen.add(name)
        if name in (EXPECTED, ASSERTIONS) or VARIABLE.match(name):
            continue
        if name.startswith(META_PREFIX) and len(name) > len(META_PREFIX):
            continue
        raise _line_error(
            1,
            f"column {position} ({name!r}) is not a variable name (letters, digits and _), "
            f"{EXPECTED!r}, {ASSERTIONS!r} or {META_PREFIX}KEY.",
        )
    return names


def _csv_row(line: int, names: list[str], cells: list[str]) -> TestRowCreate:
    if len(cells) != len(names):
        raise _line_error(line, f"{len(cells)} cells, but the header has {len(names)}.")
    row: dict[str, Any] = {"variables": {}}
    metadata: dict[str, str] = {}
    for name, cell in zip(names, cells, strict=True):
        if name == EXPECTED:
            row["expected"] = cell or None
        elif name == ASSERTIONS:
            if cell.strip():
                try:
                    row["assertions"] = json.loads(cell)
                except (ValueError, RecursionError):
                    raise _line_error(line, f"{ASSERTIONS} is not a JSON list.") from None
        elif name.startswith(META_PREFIX):
            if cell:
                metadata[name[len(META_PREFIX) :]] = cell
        elif cell:
            row["variables"][name] = cell
    if metadata:
        row["metadata"] = metadata
    return _validated(line, row)


def parse_csv(text: str, max_rows: int) -> list[TestRowCreate]:
    """The rows of a CSV (or TSV) file, or Invalid naming the first bad line."""
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[TestRowCreate] = []
    names: list[str] | None = None
    line = 1
    try:
        for cells in reader:
            if names is None:
                names = _header(cells)
            elif any(cell.strip() for cell in cells):
                if len(rows) == max_rows:
                    raise _line_error(line, f"more than {max_rows} rows.")
                rows.append(_csv_row(line, names, cells))
            line = reader.line_num + 1  # where the next record starts
    except csv.Error as exc:
        raise _line_error(line, f"not valid CSV ({exc}).") from None
    if names is None:
        raise Invalid("The file is empty: a CSV import needs a header row.", field="body")
    return rows


def parse_jsonl(text: str, max_rows: int) -> list[TestRowCreate]:
    """The rows of a JSON Lines file, or Invalid naming the first bad line."""
    rows: list[TestRowCreate] = []
    for number, raw in enumerate(text.split("\n"), 1):
        if not raw.strip():
            continue
        try:
            found = json.loads(raw)
        except (ValueError, RecursionError):
            raise _line_error(number, "not valid JSON.") from None
        if not isinstance(found, dict):
            raise _line_error(number, "not a JSON object ({variables, expected?, ...}).")
        if len(rows) == max_rows:
            raise _line_error(number, f"more than {max_rows} rows.")
        rows.append(_validated(number, found))
    return rows


def parse(body: bytes, file_format: FileFormat, max_rows: int) -> list[TestRowCreate]:
    """The rows of an uploaded file."""
    text = decode(body)
    return parse_csv(text, max_rows) if file_format == "csv" else parse_jsonl(text, max_rows)


# --- export -----------------------------------------------------------------------------


def jsonl_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """One JSON line per row (as the API reads and writes rows)."""
    for row in rows:
        yield json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n"


class CsvColumns:
    """The columns of an export, gathered from every row before the first line is written."""

    def __init__(self) -> None:
        self.variables: dict[str, None] = {}  # ordered as first seen
        self.meta: dict[str, None] = {}
        self.assertions = False

    def add(self, row: dict[str, Any]) -> None:
        """Note the columns one row needs."""
        self.variables.update(dict.fromkeys(row["variables"]))
        self.meta.update(dict.fromkeys(row.get("metadata") or {}))
        self.assertions = self.assertions or bool(row.get("assertions"))

    def header(self) -> list[str]:
        """The header row."""
        names = [*self.variables, EXPECTED, *(META_PREFIX + key for key in self.meta)]
        return [*names, ASSERTIONS] if self.assertions else names

    def cells(self, row: dict[str, Any]) -> list[str]:
        """One row's cells under this header (metadata that is not a string, as JSON)."""
        meta = row.get("metadata") or {}
        values = [row["variables"].get(name, "") for name in self.variables]
        values.append(row.get("expected") or "")
        for key in self.meta:
            value = meta.get(key, "")
            values.append(value if isinstance(value, str) else json.dumps(value))
        if self.assertions:
            values.append(json.dumps(row["assertions"]) if row.get("assertions") else "")
        return values


def csv_line(cells: list[str]) -> str:
    """One CSV record (quoted as needed, CRLF-terminated as RFC 4180 says)."""
    out = io.StringIO()
    csv.writer(out).writerow(cells)
    return out.getvalue()
