"""Column types that behave the same on SQLite and PostgreSQL.

- `UTCDateTime`: always timezone-aware UTC in Python (SQLite stores naive UTC text).
- `Text`/`String`/`JSON` refuse the NUL character (and JSON refuses NaN and infinity),
  which PostgreSQL cannot store, so both databases reject the same input with the same
  domain error instead of one of them raising a driver error.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

from promptpro.errors import Invalid


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def _refuse_unstorable(value: Any) -> None:
    """Refuse what one of the databases can't store: NUL in text, NaN or infinity in JSON."""
    if isinstance(value, str):
        if "\x00" in value:
            raise Invalid("Text may not contain the NUL character (\\u0000).")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise Invalid("Numbers must be finite (no NaN or infinity).")
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_unstorable(key)
            _refuse_unstorable(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_unstorable(item)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A `timestamptz` that reads back aware on every database."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a timezone-aware column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class String(sa.TypeDecorator[str]):
    """`varchar`, without NUL characters."""

    impl = sa.String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        _refuse_unstorable(value)
        return value


class Text(sa.TypeDecorator[str]):
    """`text`, without NUL characters."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        _refuse_unstorable(value)
        return value


class JSON(sa.TypeDecorator[Any]):
    """`jsonb` on PostgreSQL, JSON text on SQLite; no NUL in any string inside."""

    # none_as_null: Python None is SQL NULL (not the JSON value `null`), so IS NULL finds it.
    impl = sa.JSON(none_as_null=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.JSONB(none_as_null=True))
        return dialect.type_descriptor(sa.JSON(none_as_null=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        _refuse_unstorable(value)
        return value
