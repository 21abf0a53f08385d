"""Revision 0011 adds `endpoints` (names unique per workspace, any case); down removes it
and leaves everything else as it was."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from promptpro.db import migrate
from tests.db.sql import AT, run


def add_endpoint(url: str, name: str) -> None:
    run(
        url,
        "INSERT INTO endpoints (workspace_id, name, base_url, models, created_at, updated_at)"
        " VALUES (1, :name, 'http://localhost:11434/v1', '[]', :at, :at)",
        name=name,
        at=AT,
    )


def test_endpoints_come_and_go_with_0011(blank_url: str) -> None:
    url = blank_url
    asyncio.run(migrate.upgrade(url, "0007"))
    run(
        url,
        "INSERT INTO users (id, username, created_at, updated_at) VALUES ('a', 'ada', :at, :at)",
        at=AT,
    )
    run(
        url,
        "INSERT INTO workspaces (id, name, personal_user_id, created_at, updated_at)"
        " VALUES (1, 'Personal', 'a', :at, :at)",
        at=AT,
    )
    asyncio.run(migrate.upgrade(url, "0011"))
    add_endpoint(url, "ollama")
    with pytest.raises(sa.exc.IntegrityError):
        add_endpoint(url, "OLLAMA")
    assert run(url, "SELECT name FROM endpoints") == [("ollama",)]
    # Deleting the workspace deletes its endpoints.
    run(url, "DELETE FROM workspaces WHERE id = 1")
    assert run(url, "SELECT count(*) FROM endpoints") == [(0,)]
    asyncio.run(migrate.downgrade(url, "0007"))
    with pytest.raises(sa.exc.DBAPIError):
        run(url, "SELECT count(*) FROM endpoints")
    assert run(url, "SELECT username FROM users") == [("ada",)]
    asyncio.run(migrate.upgrade(url, "0011"))
    assert run(url, "SELECT count(*) FROM endpoints") == [(0,)]
