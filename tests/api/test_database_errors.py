"""A lost database is a 503 to retry, and the connection stays usable; never a bare 500."""

from __future__ import annotations

import sqlite3
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from sqlalchemy.exc import InterfaceError, OperationalError, ProgrammingError

from promptpro.api.problems import PROBLEM_MEDIA_TYPE
from promptpro.config import Settings
from promptpro.storage import Storage
from tests.support.auth import register
from tests.support.live import serve
from tests.web.conftest import BROWSER_HEADERS

LOST: list[Exception] = [
    OperationalError("SELECT", None, ConnectionRefusedError(111, "Connection refused")),
    InterfaceError("SELECT", None, Exception("connection is closed")),
    OperationalError("UPDATE", None, sqlite3.OperationalError("database is locked")),
    asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    asyncpg.CannotConnectNowError("the database system is starting up"),
    ConnectionRefusedError(111, "Connect call failed"),
    OSError("Multiple exceptions: [Errno 111] Connect call failed"),
]


def failing_with(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    """Listing prompts raises `error`, as when the database goes away under a request."""

    async def fail(*_: Any, **__: Any) -> Any:
        raise error

    monkeypatch.setattr(Storage, "list_prompts", fail)


@pytest.mark.parametrize("error", LOST, ids=lambda e: type(e).__name__)
async def test_a_lost_database_is_a_503_with_retry_after(
    ada: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    failing_with(monkeypatch, error)

    # The in-process transport raises whatever the app re-raises: a handled error doesn't.
    response = await ada.get("/api/v1/prompts")

    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert int(response.headers["retry-after"]) > 0
    problem = response.json()
    assert problem["type"] == "/problems/database-unavailable"
    assert "refused" not in response.text and "closed" not in response.text
    monkeypatch.undo()
    assert (await ada.get("/api/v1/prompts")).status_code == 200  # the client goes on


async def test_another_database_error_is_a_logged_500_not_a_dropped_connection(
    ada: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing_with(monkeypatch, ProgrammingError("SELECT nonsense", None, Exception("syntax")))

    response = await ada.get("/api/v1/prompts")

    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert "nonsense" not in response.text


async def test_a_page_on_a_lost_database_is_a_styled_503_page(
    ada: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing_with(monkeypatch, LOST[0])

    response = await ada.get("/prompts", headers=BROWSER_HEADERS)

    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")
    assert 'data-testid="error-page"' in response.text
    assert "try again" in response.text
    assert int(response.headers["retry-after"]) > 0


async def test_a_keep_alive_connection_survives_a_lost_database(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a real server: the 503 leaves the connection open for the client's next request."""
    lost = [LOST[0]]

    async def once_lost(self: Storage, *args: Any, **kwargs: Any) -> Any:
        if lost:
            raise lost.pop()
        return await list_prompts(self, *args, **kwargs)

    list_prompts = Storage.list_prompts
    monkeypatch.setattr(Storage, "list_prompts", once_lost)
    with serve(settings) as base_url:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(base_url=base_url, limits=limits) as client:
            await register(client, "ada")
            first = await client.get("/api/v1/prompts")
            # A connection the server dropped would be replaced by a new one (from another
            # port): a client that reused it at once would have met a reset.
            second = await client.get("/api/v1/prompts")
            assert first.status_code == 503
            assert second.status_code == 200
            assert address(first) == address(second)  # one connection, kept open


def address(response: httpx.Response) -> object:
    """The client end of the connection that carried the response."""
    return response.extensions["network_stream"].get_extra_info("client_addr")
