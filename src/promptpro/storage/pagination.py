"""Keyset pagination: a page of rows and the opaque cursor that continues after it."""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from promptpro.errors import Invalid

T = TypeVar("T")

MAX_ID = 2**31 - 1
MAX_CURSOR_LENGTH = 200
# A cursor after a title holds the title (up to 200 characters, in JSON, then base64).
MAX_VALUE_CURSOR_LENGTH = 1200


@dataclass(frozen=True)
class Keyset:
    """The sort key of the last row of a page: (timestamp, id), both descending."""

    at: datetime
    id: int

    def encode(self) -> str:
        """An opaque, URL-safe cursor."""
        raw = json.dumps([self.at.isoformat(), self.id], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> Keyset:
        """Read a cursor made by `encode`, refusing anything else as invalid."""
        invalid = Invalid("The cursor is not one this server made.", field="cursor")
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise invalid
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            at_text, row_id = json.loads(raw)
            at = datetime.fromisoformat(at_text)
            if at.tzinfo is None:
                raise invalid
            at = at.astimezone(UTC)
        except (
            binascii.Error,
            ValueError,
            TypeError,
            UnicodeDecodeError,
            RecursionError,
            OverflowError,
        ):
            raise invalid from None
        if isinstance(row_id, bool) or not isinstance(row_id, int) or not 0 < row_id <= MAX_ID:
            raise invalid
        return cls(at, row_id)


@dataclass(frozen=True)
class Page(Generic[T]):
    """Some rows, and the cursor for the next page (None on the last one)."""

    items: list[T]
    next_cursor: Keyset | ValueKeyset | None


def _decode_pair(cursor: str) -> list[object]:
    """The JSON pair inside a cursor of ours, or Invalid."""
    invalid = Invalid("The cursor is not one this server made.", field="cursor")
    if len(cursor) > MAX_VALUE_CURSOR_LENGTH:
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        pair = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise invalid from None
    if not isinstance(pair, list) or len(pair) != 2:
        raise invalid
    row_id = pair[1]
    if isinstance(row_id, bool) or not isinstance(row_id, int) or not 0 < row_id <= MAX_ID:
        raise invalid
    return pair


@dataclass(frozen=True)
class ValueKeyset:
    """The sort key of the last row of a page sorted by text, a count or a rank, and its id."""

    value: str | int | float
    id: int

    def encode(self) -> str:
        """An opaque, URL-safe cursor."""
        # UTF-8, not \u escapes: a 200-character title must fit in MAX_VALUE_CURSOR_LENGTH.
        raw = json.dumps([self.value, self.id], separators=(",", ":"), ensure_ascii=False).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str, kind: type[str] | type[int] | type[float]) -> ValueKeyset:
        """Read a cursor made by `encode` whose value is of `kind`, refusing anything else."""
        value, row_id = _decode_pair(cursor)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        invalid = Invalid("The cursor is not one this server made.", field="cursor")
        if isinstance(value, bool) or not isinstance(value, kind):
            raise invalid
        if isinstance(value, str) and (len(value) > 200 or "\x00" in value):
            raise invalid
        # Values a row can't have would fail in the database instead of as a bad cursor.
        if isinstance(value, int) and not -MAX_ID <= value <= MAX_ID:
            raise invalid
        if isinstance(value, float) and not math.isfinite(value):
            raise invalid
        assert isinstance(value, str | int | float) and isinstance(row_id, int)
        return cls(value, row_id)
