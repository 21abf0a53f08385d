"""Fixtures for the database tests: a blank database for the migration tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require_postgres
from tests.support import databases


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A blank database of each kind, for migrations to run on."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'blank.db'}"
        return
    url = databases.create_postgres_database(require_postgres(), migrated=False)
    try:
        yield url
    finally:
        databases.drop_postgres_database(url)
