"""Keyset pagination: a page of rows and the opaque cursor that continues after it."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from promptpro.errors import Invalid

T = TypeVar("T")

MAX_ID = 2**31 - 1
MAX_CURSOR_LENGTH = 200


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
    next_cursor: Keyset | None
