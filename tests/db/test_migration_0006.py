"""Revision 0006 on a database with accounts: the oldest becomes the admin; down keeps them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from promptpro.db import migrate
from tests.db.sql import run


def test_the_oldest_account_becomes_admin_and_down_keeps_accounts(blank_url: str) -> None:
    asyncio.run(migrate.upgrade(blank_url, "0005"))
    for user_id, name, year in (("b", "bob", 2025), ("a", "ada", 2024), ("c", "cy", 2026)):
        run(
            blank_url,
            "INSERT INTO users (id, username, created_at, updated_at)"
            " VALUES (:id, :name, :at, :at)",
            id=user_id,
            name=name,
            at=datetime(year, 1, 1, tzinfo=UTC),
        )
    asyncio.run(migrate.upgrade(blank_url, "0006"))
    rows = run(blank_url, "SELECT username, is_admin, disabled FROM users")
    assert sorted((name, bool(a), bool(d)) for name, a, d in rows) == [
        ("ada", True, False),
        ("bob", False, False),
        ("cy", False, False),
    ]
    asyncio.run(migrate.downgrade(blank_url, "0005"))
    assert sorted(r[0] for r in run(blank_url, "SELECT username FROM users")) == [
        "ada",
        "bob",
        "cy",
    ]
    # The case-insensitive username index survived the round trip.
    with pytest.raises(sa.exc.IntegrityError):
        run(
            blank_url,
            "INSERT INTO users (id, username, created_at, updated_at)"
            " VALUES ('d', 'ADA', :at, :at)",
            at=datetime(2026, 1, 1, tzinfo=UTC),
        )


def test_an_empty_instance_has_no_admin_until_its_first_account(blank_url: str) -> None:
    asyncio.run(migrate.upgrade(blank_url, "0006"))
    assert run(blank_url, "SELECT count(*) FROM users WHERE is_admin") == [(0,)]
