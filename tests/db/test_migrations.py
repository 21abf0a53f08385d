"""The migrations build the models' schema on both databases, and take it down again."""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from promptpro.db import migrate
from promptpro.db.base import Base
from tests.db.sql import tables

EXPRESSION_INDEXES = {
    "uq_users_username_lower": "users",
    "uq_users_email_lower": "users",
    "uq_categories_workspace_id_name_lower": "categories",
    "uq_endpoints_workspace_id_name_lower": "endpoints",
}


def table_names(url: str) -> set[str]:
    return {name for name in tables(url) if not is_search_table(name)}


# SQLite's full-text search tables (FTS5 and its shadow tables) are the migrations' own:
# they have no model, and compare_metadata must not see them as tables to drop.
SEARCH_TABLE_PREFIXES = ("prompts_fts", "responses_fts")


# PostgreSQL's search indexes (GIN over to_tsvector expressions) exist on PostgreSQL only,
# so no model declares them; test_the_search_indexes_exist checks them from the catalogue.
SEARCH_INDEXES = {"ix_prompts_search", "ix_responses_search"}


# The job queue's tables and indexes on PostgreSQL are procrastinate's own, applied by its
# schema manager (services/jobs.apply_job_schema), not by the migrations: no model has them.
JOB_QUEUE_PREFIX = "procrastinate_"


def is_search_table(name: str) -> bool:
    return name.startswith(SEARCH_TABLE_PREFIXES)


def is_unmodelled_object(name: str | None, kind: str) -> bool:
    """The search tables and indexes, and the job queue's objects: not the models' to say."""
    if name is None:
        return False
    if name.startswith(JOB_QUEUE_PREFIX) or name.startswith(f"idx_{JOB_QUEUE_PREFIX}"):
        return True
    return (kind == "table" and is_search_table(name)) or (
        kind == "index" and name in SEARCH_INDEXES
    )


def model_tables() -> set[str]:
    return set(Base.metadata.tables)


def test_migrations_go_up_down_and_up_again(blank_url: str) -> None:
    url = blank_url
    head = migrate.head_revision()
    assert head is not None
    assert asyncio.run(migrate.current_revision(url)) is None

    asyncio.run(migrate.upgrade(url))
    assert asyncio.run(migrate.current_revision(url)) == head
    assert table_names(url) == model_tables() | {"alembic_version"}

    asyncio.run(migrate.downgrade(url, "base"))
    assert asyncio.run(migrate.current_revision(url)) is None
    assert table_names(url) - {"alembic_version"} == set()

    asyncio.run(migrate.upgrade(url))
    assert asyncio.run(migrate.current_revision(url)) == head
    assert table_names(url) == model_tables() | {"alembic_version"}

    # Upgrading a database already at head changes nothing.
    asyncio.run(migrate.upgrade(url))
    assert asyncio.run(migrate.current_revision(url)) == head


async def test_a_migrated_database_reports_the_head_revision(database_url: str) -> None:
    assert await migrate.current_revision(database_url) == migrate.head_revision()


def differences(connection: Connection, metadata: sa.MetaData = Base.metadata) -> list[Any]:
    """What autogenerate would write to bring the database to `metadata`."""
    with warnings.catch_warnings():
        # SQLite can't reflect expression indexes, so alembic skips them (and says so);
        # test_the_case_insensitive_unique_indexes_exist checks them from the catalogue.
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_name": lambda name, kind, _parent: not is_unmodelled_object(name, kind),
            },
        )
        return list(compare_metadata(context, metadata))


async def test_the_models_and_the_migrations_agree(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        diff = await conn.run_sync(differences)
    assert diff == []


async def test_the_comparison_notices_a_column_the_migrations_lack(engine: AsyncEngine) -> None:
    drifted = sa.MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(drifted)
    drifted.tables["prompts"].append_column(sa.Column("extra", sa.Integer, nullable=True))
    async with engine.connect() as conn:
        diff = await conn.run_sync(lambda c: differences(c, drifted))
    assert [(entry[0], entry[2], entry[3].name) for entry in diff] == [
        ("add_column", "prompts", "extra")
    ]


async def expression_index_definitions(engine: AsyncEngine) -> dict[str, tuple[str, str]]:
    """Each expression index's (table, SQL definition), read from the database's catalogue."""
    async with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = await conn.execute(
                sa.text("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index'")
            )
        else:
            rows = await conn.execute(
                sa.text(
                    "SELECT indexname, tablename, indexdef FROM pg_indexes"
                    " WHERE schemaname = current_schema()"
                )
            )
        return {
            name: (table, sql)
            for name, table, sql in rows
            if name in EXPRESSION_INDEXES and sql is not None
        }


async def test_the_case_insensitive_unique_indexes_exist(engine: AsyncEngine) -> None:
    found = await expression_index_definitions(engine)
    assert set(found) == set(EXPRESSION_INDEXES)
    for name, (table, sql) in found.items():
        assert table == EXPRESSION_INDEXES[name]
        assert "UNIQUE" in sql.upper()
        assert "lower(" in sql.lower()


async def test_the_search_indexes_exist(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = await conn.execute(
                sa.text("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
            )
            names = {name for (name,) in rows}
            assert {"prompts_fts", "responses_fts", "prompts_fts_update"} <= names
            return
        rows = await conn.execute(
            sa.text("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE '%search'")
        )
        found: dict[str, str] = {name: sql for name, sql in rows.all()}
    assert set(found) == SEARCH_INDEXES
    assert all("gin" in sql.lower() and "to_tsvector" in sql for sql in found.values())
