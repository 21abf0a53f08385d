"""What the run tests share: a signed-in user whose runs reach the fake provider."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from promptpro.providers.registry import ProviderRegistry
from promptpro.testing import FakeProviderServer
from tests.providers.helpers import config_for
from tests.support.runs import PROVIDERS, add_key


@pytest.fixture
async def runner(
    app: FastAPI, ada: httpx.AsyncClient, fake: FakeProviderServer
) -> AsyncIterator[httpx.AsyncClient]:
    """ada, signed in, with keys for every provider, on an app whose providers are the fake."""
    await app.state.providers.aclose()
    app.state.providers = ProviderRegistry(config_for(fake))
    for provider in PROVIDERS:
        await add_key(ada, provider)
    yield ada
    await app.state.providers.aclose()


# The access matrix's cells that run on both databases; the rest run on SQLite only.
POSTGRES_MATRIX = ("test_access[", "test_a_cookie_change", "test_lists_show", "test_a_stranger")
# The actors whose read-only token would otherwise be allowed to write: their cells show the
# token's limit. (Anyone else is refused a write whatever their token says.)
MAY_WRITE = {"owner", "editor", "admin"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep the access matrix (test_access_matrix.py) to the cells that can differ, so that
    the suite stays within minutes:

    - PostgreSQL runs the cookie column of the owner/stranger table: storage's scoping SQL
      is what differs between the databases; roles and a token's limits are decided in
      Python (`services/permissions`, `deps.current_auth`), run on SQLite;
    - a bearer token is tried by the owner (and on the workspace tables): it carries the
      same user, and so the same roles, as the cookie;
    - a read-only token is tried where it matters: writes by someone who may write (a
      read-only token reading is a bearer token reading).

    `PROMPTPRO_TEST_FULL_MATRIX=1` runs every cell (about 1,700; some 18 minutes on 2 cores).
    """
    if os.environ.get("PROMPTPRO_TEST_FULL_MATRIX"):
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        name = item.nodeid.removeprefix("tests/api/test_access_matrix.py::")
        if name == item.nodeid:
            kept.append(item)
            continue
        params = getattr(item, "callspec", None)
        values = params.params if params is not None else {}
        credentials = values.get("credentials")
        actor = values.get("actor", values.get("role"))
        writing = getattr(values.get("endpoint"), "method", "GET") != "GET"
        on_postgres = values.get("database_url") == "postgresql"
        drop = (
            # PostgreSQL: the cookie column of who may reach whose objects at all.
            on_postgres
            and (
                credentials not in (None, "cookie")
                or not name.startswith(POSTGRES_MATRIX)
                or actor == "anonymous"
            )
        ) or (
            # A bearer token is a cookie with another way in: tried by the owner of it all,
            # and on the workspace tables; roles are the user's, whatever carries them.
            credentials == "bearer"
            and name.startswith(("test_access[", "test_access_by_role["))
            and actor != "owner"
        )
        drop = drop or (credentials == "read-only" and not (writing and actor in MAY_WRITE))
        (dropped if drop else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
