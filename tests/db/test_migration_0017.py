"""Revision 0017 (uploads) goes up on a database with workspaces, down and up again."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from promptpro.db import migrate
from tests.db.sql import AT, run_all, tables


def test_uploads_go_up_down_and_up_again_keeping_the_workspaces(blank_url: str) -> None:
    asyncio.run(migrate.upgrade(blank_url, "0016"))
    run_all(
        blank_url,
        (
            "INSERT INTO users (id, username, created_at, updated_at) "
            "VALUES ('a', 'ada', :at, :at)",
            {"at": AT},
        ),
        (
            "INSERT INTO workspaces (id, name, personal_user_id, created_at, updated_at) "
            "VALUES (1, 'Personal', 'a', :at, :at)",
            {"at": AT},
        ),
    )
    asyncio.run(migrate.upgrade(blank_url, "0017"))
    assert "uploads" in tables(blank_url)
    insert = (
        "INSERT INTO uploads (id, workspace_id, created_by_id, media_type, sha256, size, data, "
        "created_at) VALUES (:id, 1, 'a', 'image/png', 'abc', 3, :data, :at)"
    )
    run_all(blank_url, (insert, {"id": "u1", "data": b"\x89PN", "at": AT}))
    assert run_all(blank_url, ("SELECT data FROM uploads", {})) == [(b"\x89PN",)]
    # The same bytes (hash) are one upload per workspace.
    with pytest.raises(sa.exc.IntegrityError):
        run_all(blank_url, (insert, {"id": "u2", "data": b"\x89PN", "at": AT}))
    # A workspace deleted takes its uploads with it.
    run_all(blank_url, ("DELETE FROM workspaces", {}))
    assert run_all(blank_url, ("SELECT count(*) FROM uploads", {})) == [(0,)]

    asyncio.run(migrate.downgrade(blank_url, "0016"))
    assert "uploads" not in tables(blank_url)
    assert run_all(blank_url, ("SELECT username FROM users", {})) == [("ada",)]

    asyncio.run(migrate.upgrade(blank_url, "0017"))
    assert run_all(blank_url, ("SELECT count(*) FROM uploads", {})) == [(0,)]
