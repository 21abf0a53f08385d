"""Column types that behave alike on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from promptpro.db.base import Base
from promptpro.db.models import Prompt, Response, Session, User, Workspace
from promptpro.db.session import SessionFactory
from promptpro.errors import Invalid

FIVE_HOURS_EAST = timezone(timedelta(hours=5))


async def add_user(session: AsyncSession, **fields: Any) -> None:
    session.add(User(id="u1", username="ada", **fields))
    await session.flush()


async def refused_with(session: AsyncSession, row: Base) -> BaseException:
    """Flush `row`, expecting our types to refuse it before the driver sees it."""
    session.add(row)
    with pytest.raises(StatementError) as raised:
        await session.flush()
    assert not isinstance(raised.value, DBAPIError)
    assert raised.value.orig is not None
    return raised.value.orig


# Timestamps


async def test_a_timestamp_reads_back_as_the_same_instant_in_utc(
    session: AsyncSession, session_factory: SessionFactory
) -> None:
    written = datetime(2024, 3, 10, 7, 30, 15, 123456, tzinfo=FIVE_HOURS_EAST)
    await add_user(session, created_at=written)
    await session.commit()
    async with session_factory() as fresh:
        read = await fresh.scalar(sa.select(User.created_at))
    assert read == written
    assert read is not None
    assert read.utcoffset() == timedelta(0)
    assert read.replace(tzinfo=None) == datetime(2024, 3, 10, 2, 30, 15, 123456)


async def test_timestamps_the_models_fill_in_are_aware_utc(
    session: AsyncSession, session_factory: SessionFactory
) -> None:
    before = datetime.now(UTC)
    await add_user(session)
    await session.commit()
    async with session_factory() as fresh:
        created_at, updated_at = (
            await fresh.execute(sa.select(User.created_at, User.updated_at))
        ).one()
    for stamp in (created_at, updated_at):
        assert stamp.utcoffset() == timedelta(0)
        assert before - timedelta(seconds=1) <= stamp <= datetime.now(UTC)


async def test_timestamps_the_database_fills_in_read_back_aware_utc(
    session: AsyncSession,
) -> None:
    await session.execute(sa.text("INSERT INTO users (id, username) VALUES ('u1', 'ada')"))
    created_at = await session.scalar(sa.select(User.created_at))
    assert created_at is not None
    assert created_at.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - created_at) < timedelta(minutes=5)


async def test_a_naive_datetime_is_refused(session: AsyncSession) -> None:
    cause = await refused_with(session, User(id="u1", username="ada", created_at=datetime.now()))
    assert isinstance(cause, ValueError)
    assert "naive" in str(cause)


async def test_a_naive_datetime_is_refused_in_a_query_too(session: AsyncSession) -> None:
    with pytest.raises(StatementError) as raised:
        await session.scalar(sa.select(User).where(User.created_at < datetime(2024, 1, 1)))
    assert isinstance(raised.value.orig, ValueError)


async def test_timestamps_compare_as_instants_whatever_offset_they_were_given_in(
    session: AsyncSession,
) -> None:
    await add_user(session, created_at=datetime(2024, 1, 1, 12, tzinfo=UTC))
    east = datetime(2024, 1, 1, 16, 59, tzinfo=FIVE_HOURS_EAST)  # 11:59 UTC
    west = datetime(2024, 1, 1, 7, 1, tzinfo=timezone(timedelta(hours=-5)))  # 12:01 UTC
    assert await session.scalar(sa.select(User.id).where(User.created_at > east)) == "u1"
    assert await session.scalar(sa.select(User.id).where(User.created_at < west)) == "u1"
    assert await session.scalar(sa.select(User.id).where(User.created_at > west)) is None


# Text that PostgreSQL can't store


NUL_ROWS: list[Any] = [
    pytest.param(lambda: User(id="u1", username="a\x00da"), id="string"),
    pytest.param(lambda: User(id="u1", username="ada", bio="line\x00"), id="text"),
    pytest.param(
        lambda: Session(sid="s", sess={"k": "v\x00"}, expire=datetime.now(UTC)),
        id="json-value",
    ),
    pytest.param(
        lambda: Session(sid="s", sess={"k\x00": "v"}, expire=datetime.now(UTC)),
        id="json-key",
    ),
    pytest.param(
        lambda: Session(sid="s", sess={"a": [{"b": ["\x00"]}]}, expire=datetime.now(UTC)),
        id="json-nested",
    ),
    pytest.param(lambda: Session(sid="s", sess="\x00", expire=datetime.now(UTC)), id="json-str"),
]


@pytest.mark.parametrize("make_row", NUL_ROWS)
async def test_a_nul_character_is_refused_as_invalid_before_the_driver_sees_it(
    session: AsyncSession, make_row: Callable[[], Base]
) -> None:
    cause = await refused_with(session, make_row())
    assert isinstance(cause, Invalid)


async def test_a_nul_character_is_refused_in_a_core_insert_too(session: AsyncSession) -> None:
    with pytest.raises(StatementError) as raised:
        await session.execute(sa.insert(User).values(id="u1", username="a\x00"))
    assert isinstance(raised.value.orig, Invalid)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(float("nan"), id="nan"),
        pytest.param(float("inf"), id="infinity"),
        pytest.param(float("-inf"), id="minus-infinity"),
        pytest.param({"a": [1.0, float("nan")]}, id="nested-nan"),
    ],
)
async def test_a_number_json_cannot_hold_is_refused_as_invalid(
    session: AsyncSession, value: Any
) -> None:
    row = Session(sid="s", sess={"value": value}, expire=datetime.now(UTC))
    cause = await refused_with(session, row)
    assert isinstance(cause, Invalid)


async def test_text_without_nul_characters_is_stored_as_given(session: AsyncSession) -> None:
    text = "tab\t newline\n bell\x07 delete\x7f emoji 🧪 replacement \ufffd"
    await add_user(session, bio=text)
    session.expire_all()
    assert await session.scalar(sa.select(User.bio)) == text


# JSON


async def test_json_columns_are_jsonb_on_postgresql_and_json_on_sqlite(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            declared = await conn.scalar(
                sa.text(
                    "SELECT data_type FROM information_schema.columns"
                    " WHERE table_name = 'prompts' AND column_name = 'parameters'"
                )
            )
            assert declared == "jsonb"
        else:
            columns = await conn.execute(sa.text("PRAGMA table_info(prompts)"))
            declared = {row[1]: row[2] for row in columns}["parameters"]
            assert declared == "JSON"


async def test_none_in_a_json_column_is_stored_as_sql_null(session: AsyncSession) -> None:
    await add_user(session)
    session.add(Workspace(id=1, name="Personal", personal_user_id="u1"))
    await session.flush()
    session.add(Prompt(id=1, user_id="u1", workspace_id=1, title="T", content="C", parameters=None))
    session.add(Response(prompt_id=1, content="", model="m", error=None, variables=None))
    await session.flush()
    assert await session.scalar(sa.select(Prompt.id).where(Prompt.parameters.is_(None))) == 1
    nulls = await session.scalar(
        sa.select(sa.func.count()).where(Response.error.is_(None), Response.variables.is_(None))
    )
    assert nulls == 1
