"""A lost database is a 503 to retry, and the connection stays usable; never a bare 500."""

from __future__ import annotations

import sqlite3
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from sqlalchemy.exc import InterfaceError, OperationalError, ProgrammingError

from promptpro.api.problems import PROBLEM_MEDIA_TYPE
from promptpro.storage import Storage
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
