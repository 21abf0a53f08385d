"""Every test that asks for `database_url` runs once on SQLite and once on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from promptpro.app import create_app
from promptpro.config import Settings, load_settings
from promptpro.db import models  # noqa: F401  (registers the tables)
from promptpro.db.engine import create_engine
from promptpro.db.session import SessionFactory, create_session_factory
from promptpro.storage import Storage
from tests.support import databases

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_postgres() -> str:
    """The PostgreSQL server URL, or skip (and in CI, fail: skipping there hides breakage)."""
    url = databases.postgres_server_url()
    if url is None:
        message = f"{databases.POSTGRES_URL_VARIABLE} is not set"
        if IN_CI:
            pytest.fail(f"{message}: PostgreSQL tests must run in CI")
        pytest.skip(message)
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.create_sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    url = databases.create_postgres_database(require_postgres())
    yield url
    databases.drop_postgres_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated, empty database."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        return databases.copy_sqlite(template, tmp_path)
    url: str = request.getfixturevalue("postgres_database")
    asyncio.run(databases.empty_postgres(url))
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> SessionFactory:
    return create_session_factory(engine)


@pytest.fixture
async def session(session_factory: SessionFactory) -> AsyncIterator[AsyncSession]:
    async with session_factory() as session:
        yield session


@pytest.fixture
def storage(session: AsyncSession) -> Storage:
    return Storage(session)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings for an app on the test database, with its own data directory."""
    return load_settings(database_url=database_url, data_dir=tmp_path / "data", secret_key="s" * 64)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    """A started app (its lifespan entered)."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in process."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
