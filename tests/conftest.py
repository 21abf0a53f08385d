"""Every test that asks for `database_url` runs once on SQLite and once on PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
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
from promptpro.testing import FakeProviderServer
from tests.support import databases
from tests.support.route_contexts import share_route_contexts
from tests.support.shared_compiled_sql import share_compiled_sql

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

share_route_contexts()  # every test makes an app: build its routes once (see the module)
share_compiled_sql()  # and an engine: compile each statement once (see the module)


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


def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated, empty database of the kind `request.param` names."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        return databases.copy_sqlite(template, tmp_path)
    url: str = request.getfixturevalue("postgres_database")
    asyncio.run(databases.empty_postgres(url))
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated, empty database."""
    return fresh_database(request, tmp_path)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A fresh, migrated, empty database for a whole module (tests/support/shared_app.py)."""
    return fresh_database(request, tmp_path_factory.mktemp("module"))


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
    return load_settings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        secret_key="s" * 64,
        public_url="http://testserver",  # where the test clients send their requests
    )


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


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with the cheapest parameters: tests sign in often and needn't resist cracking."""
    from argon2 import PasswordHasher, profiles

    from promptpro.security import passwords

    monkeypatch.setattr(passwords, "HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))


ClientFactory = Callable[[], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def new_client(app: FastAPI) -> AsyncIterator[ClientFactory]:
    """Makes more HTTP clients on the same app, each with its own cookies (one per person)."""
    async with contextlib.AsyncExitStack() as stack:

        async def make() -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=app)
            client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
            return await stack.enter_async_context(client)

        yield make


@pytest.fixture
async def ada(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The `client`, signed in by session cookie as a new user, ada (CSRF header set)."""
    from tests.support.auth import register

    await register(client, "ada")
    return client


@pytest.fixture
async def bob(new_client: ClientFactory) -> httpx.AsyncClient:
    """Another client, signed in by session cookie as a second user, bob."""
    from tests.support.auth import register

    bobs = await new_client()
    await register(bobs, "bob")
    return bobs


AppClientFactory = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def app_client(settings: Settings) -> AsyncIterator[AppClientFactory]:
    """Makes clients on new app instances (as another worker process would be) on the test
    database; keyword arguments override settings, `base_url` picks http or https."""
    async with contextlib.AsyncExitStack() as stack:

        async def make(
            base_url: str = "http://testserver", **overrides: object
        ) -> httpx.AsyncClient:
            app = create_app(settings.model_copy(update=overrides))
            await stack.enter_async_context(app.router.lifespan_context(app))
            transport = httpx.ASGITransport(app=app)
            client = httpx.AsyncClient(transport=transport, base_url=base_url)
            return await stack.enter_async_context(client)

        yield make


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeProviderServer]:
    """A fake provider server speaking each provider's wire format, for the whole session."""
    with FakeProviderServer() as server:
        yield server


@pytest.fixture
def fake(fake_server: FakeProviderServer) -> FakeProviderServer:
    """The fake server with its default script and no recorded requests."""
    fake_server.reset()
    return fake_server
