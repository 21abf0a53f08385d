"""Hot statements behave as SQLAlchemy would, whichever path they take."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from promptpro.db.engine import create_engine
from promptpro.db.hot import HotStatement
from promptpro.db.models import Prompt, Response
from promptpro.errors import Invalid

PROMPTS = cast("sa.Table", Prompt.__table__)
RESPONSES = cast("sa.Table", Response.__table__)
FIVE_HOURS_EAST = timezone(timedelta(hours=5))

NAMES = itertools.count(1)
ADD_PROMPT = HotStatement(
    sa.insert(PROMPTS)
    .values(
        user_id=sa.bindparam("user_id"),
        workspace_id=1,
        name=sa.bindparam("name"),
        title=sa.bindparam("title"),
        content=sa.bindparam("content"),
        parameters=sa.bindparam("parameters", type_=PROMPTS.c.parameters.type),
        created_at=sa.bindparam("created_at", type_=PROMPTS.c.created_at.type),
        updated_at=sa.bindparam("created_at", type_=PROMPTS.c.updated_at.type),
    )
    .returning(PROMPTS.c.id)
)
NEWEST_PROMPT = HotStatement(
    sa.select(PROMPTS.c.title, PROMPTS.c.parameters, PROMPTS.c.created_at)
    .where(PROMPTS.c.user_id == sa.bindparam("user_id"))
    .order_by(PROMPTS.c.id.desc())
    .limit(1)
)
RENAME = HotStatement(
    sa.update(PROMPTS)
    .where(PROMPTS.c.user_id == sa.bindparam("owner"))
    .values(title=sa.bindparam("title"), updated_at=sa.func.now())
)
BACKEND = HotStatement(sa.select(sa.func.pg_backend_pid()))
SLEEP = HotStatement(sa.select(sa.func.pg_sleep(sa.bindparam("seconds", type_=sa.Float))))


def prompt(**fields: Any) -> dict[str, Any]:
    """A prompt's row (its name unique in the workspace, as the names index requires)."""
    return {
        "user_id": "u1",
        "name": f"greeting-{next(NAMES)}",
        "title": "Greeting",
        "content": "Say hello",
        "parameters": {"temperature": 0.5},
        "created_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=FIVE_HOURS_EAST),
        **fields,
    }


@pytest.fixture
async def with_user(engine: AsyncEngine) -> AsyncEngine:
    async with engine.begin() as conn:
        await conn.execute(sa.text("INSERT INTO users (id, username) VALUES ('u1', 'ada')"))
        await conn.execute(
            sa.text("INSERT INTO workspaces (id, name, personal_user_id) VALUES (1, 'P', 'u1')")
        )
    return engine


async def test_rows_come_back_through_the_column_types(with_user: AsyncEngine) -> None:
    [(prompt_id,)] = await ADD_PROMPT.rows(with_user, prompt())
    assert isinstance(prompt_id, int)

    [(title, parameters, created_at)] = await NEWEST_PROMPT.rows(with_user, {"user_id": "u1"})

    assert (title, parameters) == ("Greeting", {"temperature": 0.5})
    assert created_at == datetime(2026, 1, 1, 22, 4, 5, tzinfo=UTC)
    assert created_at.tzinfo is not None


async def test_a_statement_without_rows_returns_none(with_user: AsyncEngine) -> None:
    assert await NEWEST_PROMPT.rows(with_user, {"user_id": "nobody"}) == []


async def test_each_statement_commits_by_itself(with_user: AsyncEngine) -> None:
    await ADD_PROMPT.rows(with_user, prompt())
    async with with_user.connect() as conn:  # another connection sees it
        assert await conn.scalar(sa.text("SELECT count(*) FROM prompts")) == 1


async def test_rowcount_counts_the_rows_changed(with_user: AsyncEngine) -> None:
    await ADD_PROMPT.rows(with_user, prompt())
    await ADD_PROMPT.rows(with_user, prompt())

    assert await RENAME.rowcount(with_user, {"owner": "u1", "title": "Hi"}) == 2
    assert await RENAME.rowcount(with_user, {"owner": "nobody", "title": "Hi"}) == 0


async def test_values_the_column_types_refuse_never_reach_the_database(
    with_user: AsyncEngine,
) -> None:
    with pytest.raises(StatementError) as raised:
        await ADD_PROMPT.rows(with_user, prompt(content="nul \x00 here"))
    assert not isinstance(raised.value, DBAPIError)
    assert isinstance(raised.value.orig, Invalid)


async def test_a_broken_constraint_is_an_integrity_error(with_user: AsyncEngine) -> None:
    with pytest.raises(IntegrityError, match=r"(?i)foreign key"):
        await ADD_PROMPT.rows(with_user, prompt(user_id="nobody"))


def test_a_statement_must_give_what_sqlalchemy_would_compute() -> None:
    with pytest.raises(ValueError, match="updated_at"):
        HotStatement(sa.update(PROMPTS).values(title=sa.bindparam("title")))


async def test_a_dead_connection_fails_once_and_is_not_reused(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has no server to drop the connection")
    engine = create_engine(database_url)
    try:
        [(pid,)] = await BACKEND.rows(engine, {})
        async with create_engine(database_url).connect() as other:
            await other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

        with pytest.raises(DBAPIError) as raised:
            await BACKEND.rows(engine, {})
        assert raised.value.connection_invalidated

        [(new_pid,)] = await BACKEND.rows(engine, {})
        assert new_pid != pid
    finally:
        await engine.dispose()


async def test_a_statement_cancelled_midway_leaves_no_broken_connection(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite statements run in a thread and finish")
    engine = create_engine(database_url)
    try:
        sleeping = asyncio.create_task(SLEEP.rows(engine, {"seconds": 5}))
        await asyncio.sleep(0.2)
        sleeping.cancel()
        with pytest.raises(asyncio.CancelledError):
            await sleeping

        async with asyncio.timeout(1):  # not stuck behind the abandoned statement
            assert await BACKEND.rows(engine, {})
    finally:
        await engine.dispose()


async def test_sqlite_writes_of_one_process_take_turns(with_user: AsyncEngine) -> None:
    """SQLite's busy handler sleeps up to 100 ms a try: a process's writers queue instead."""
    if with_user.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has many writers")
    await ADD_PROMPT.rows(with_user, prompt())
    open_now = most_open = 0

    def began(_connection: Any) -> None:
        nonlocal open_now, most_open
        open_now += 1
        most_open = max(most_open, open_now)

    def ended(_connection: Any) -> None:
        nonlocal open_now
        open_now -= 1

    sync_engine = with_user.sync_engine
    sa.event.listen(sync_engine, "begin", began)
    sa.event.listen(sync_engine, "commit", ended)
    sa.event.listen(sync_engine, "rollback", ended)
    renames = (RENAME.rowcount(with_user, {"owner": "u1", "title": f"T{i}"}) for i in range(8))
    assert await asyncio.gather(*renames) == [1] * 8
    assert most_open == 1
