"""One started app for a whole test module, for tests that each make a request or two and
share what they read (a world built once): building an app and its people for every test
costs far more than the request under test.

The app is the same one `create_app` builds for a server; only its password hashing is
made cheap, as for every test (`cheap_password_hashing` in tests/conftest.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher, profiles
from fastapi import FastAPI

from promptpro.app import create_app
from promptpro.config import load_settings
from promptpro.security import passwords
from tests.support.auth import register

BASE_URL = "http://testserver"
ClientMaker = Callable[..., Awaitable[httpx.AsyncClient]]


@contextlib.asynccontextmanager
async def started_app(
    database_url: str, data_dir: Path
) -> AsyncIterator[tuple[FastAPI, ClientMaker]]:
    """A started app on the database, and a maker of clients talking to it in process
    (keyword arguments are headers every request of that client sends)."""
    settings = load_settings(
        database_url=database_url, data_dir=data_dir, secret_key="s" * 64, public_url=BASE_URL
    )
    app = create_app(settings)
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        patch = stack.enter_context(pytest.MonkeyPatch.context())
        patch.setattr(passwords, "HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))

        async def new_client(**headers: str) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=app)
            client = httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers)
            return await stack.enter_async_context(client)

        yield app, new_client


@contextlib.asynccontextmanager
async def signed_in(
    database_url: str, data_dir: Path, username: str = "ada"
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a started app on the database, signed in as a new user."""
    async with started_app(database_url, data_dir) as (_, new_client):
        client = await new_client()
        await register(client, username)
        yield client
