"""`promptpro db` and the schema checks `promptpro serve` makes before it starts."""

import asyncio
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from promptpro.cli import app
from promptpro.cli.serve import prepare_database
from promptpro.config import load_settings
from promptpro.db import migrate
from promptpro.errors import ConfigurationError
from tests.conftest import require_postgres
from tests.support import databases
from tests.support.processes import loaded_modules

runner = CliRunner()


@pytest.fixture
def sqlite_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PROMPTPRO_DATA_DIR", str(tmp_path / "data"))
    from promptpro.config import get_settings

    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_db_upgrade_current_and_downgrade(sqlite_env: str, tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "cli.db").close()  # an empty database, as a new one is
    result = runner.invoke(app, ["db", "current"])
    assert "needs `promptpro db upgrade`" in result.output
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"Database at {migrate.head_revision()}" in result.output
    assert "up to date" in runner.invoke(app, ["db", "current"]).output
    result = runner.invoke(app, ["db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    assert "Database at base" in result.output


async def test_serve_migrates_sqlite_by_itself(tmp_path: Path) -> None:
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", data_dir=tmp_path)
    await prepare_database(settings, apply_migrations=False)
    assert await migrate.current_revision(settings.database_url) == migrate.head_revision()


def test_serve_refuses_an_outdated_postgresql_schema_naming_the_fix(tmp_path: Path) -> None:
    url = databases.create_postgres_database(require_postgres(), migrated=False)
    try:
        settings = load_settings(database_url=url, data_dir=tmp_path)
        with pytest.raises(ConfigurationError, match="promptpro db upgrade"):
            asyncio.run(prepare_database(settings, apply_migrations=False))
        asyncio.run(prepare_database(settings, apply_migrations=True))
        assert asyncio.run(migrate.current_revision(url)) == migrate.head_revision()
    finally:
        databases.drop_postgres_database(url)


async def test_an_unreachable_database_is_one_readable_error(tmp_path: Path) -> None:
    settings = load_settings(
        database_url="postgresql://someone:hunter2@127.0.0.1:9/nowhere", data_dir=tmp_path
    )
    with pytest.raises(ConfigurationError) as raised:
        await prepare_database(settings, apply_migrations=False)
    assert "127.0.0.1:9/nowhere" in raised.value.detail
    assert "hunter2" not in raised.value.detail


def test_python_dash_m_promptpro_is_the_command(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "promptpro", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "serve" in result.stdout
    assert "db" in result.stdout


def test_invalid_settings_exit_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "promptpro", "db", "current"],
        capture_output=True,
        text=True,
        check=False,
        env={"PROMPTPRO_LOG_LEVEL": "loud", "PROMPTPRO_DATA_DIR": str(tmp_path), "PATH": ""},
    )
    assert result.returncode == 2
    assert "PROMPTPRO_LOG_LEVEL" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_admin_commands_start_without_loading_any_providers_sdk() -> None:
    # `promptpro db current` or `keys status` answer in well under a second: the providers'
    # SDKs (two seconds of imports) load only where a run can happen (serve, worker).
    _, loaded = loaded_modules("import promptpro.cli.commands", ("openai", "anthropic", "google"))
    assert loaded == []
