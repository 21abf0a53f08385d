"""Never lose data on upgrade: `serve` copies SQLite before migrating it; backup and restore."""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from typer.testing import CliRunner

from promptpro.cli import app
from promptpro.cli.serve import AnnouncingServer, prepare_database
from promptpro.config import get_settings, load_settings
from promptpro.db import backup, migrate
from tests.support.live import free_port

runner = CliRunner()


def usernames(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT username FROM users ORDER BY 1")]


def add_user(path: Path, name: str) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO users (id, username, created_at, updated_at) "
            "VALUES (?, ?, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
            (name, name),
        )


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """A PromptPro SQLite database at the newest revision, with one user, ada."""
    path = tmp_path / "data" / "promptpro.db"
    path.parent.mkdir()
    asyncio.run(migrate.upgrade(f"sqlite+aiosqlite:///{path}"))
    add_user(path, "ada")
    return path


@pytest.fixture
def env(database: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The command line on `database`, found through PROMPTPRO_DATA_DIR as the server finds it."""
    monkeypatch.setenv("PROMPTPRO_DATA_DIR", str(database.parent))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield database
    get_settings.cache_clear()


async def test_serve_copies_the_database_before_a_pending_migration_only(tmp_path: Path) -> None:
    path = tmp_path / "promptpro.db"
    url = f"sqlite:///{path}"
    settings = load_settings(database_url=url, data_dir=tmp_path)
    await migrate.upgrade(settings.database_url, "0001")
    add_user(path, "ada")

    await prepare_database(settings, apply_migrations=False)
    copies = backup.automatic_backups(path)
    assert [copy.name.split("-")[1] for copy in copies] == ["0001"]
    assert backup.promptpro_revision(copies[0]) == "0001"
    assert usernames(copies[0]) == ["ada"]
    assert await migrate.current_revision(settings.database_url) == migrate.head_revision()

    await prepare_database(settings, apply_migrations=False)  # nothing pending: no copy
    assert backup.automatic_backups(path) == copies


async def test_a_new_database_has_nothing_to_copy(tmp_path: Path) -> None:
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'new.db'}", data_dir=tmp_path)
    await prepare_database(settings, apply_migrations=False)
    assert backup.automatic_backups(tmp_path / "new.db") == []


def test_only_the_newest_copies_are_kept(database: Path) -> None:
    made = [backup.backup_before(database, "0002", keep=3) for _ in range(5)]
    assert backup.automatic_backups(database) == made[-3:]
    assert all(path.parent == database.parent / "backups" for path in made)
    assert made[-1].name.startswith("promptpro-0002-")


def test_backup_then_restore_brings_the_data_back(env: Path, tmp_path: Path) -> None:
    copy = tmp_path / "saved.db"
    result = runner.invoke(app, ["backup", str(copy)])
    assert result.exit_code == 0, result.output
    assert usernames(copy) == ["ada"]
    add_user(env, "bob")

    result = runner.invoke(app, ["restore", str(copy), "--yes"])
    assert result.exit_code == 0, result.output
    assert usernames(env) == ["ada"]
    # What the database held just before is kept too.
    (before,) = backup.automatic_backups(env)
    assert usernames(before) == ["ada", "bob"]


def test_restore_brings_back_a_lost_or_damaged_database(env: Path, tmp_path: Path) -> None:
    copy = tmp_path / "saved.db"
    runner.invoke(app, ["backup", str(copy)])
    env.write_bytes(b"garbage where the database was")
    assert runner.invoke(app, ["restore", str(copy), "--yes"]).exit_code == 0
    assert usernames(env) == ["ada"]
    (damaged,) = backup.automatic_backups(env)
    assert damaged.read_bytes() == b"garbage where the database was"
    for path in env.parent.glob("promptpro.db*"):
        path.unlink()
    result = runner.invoke(app, ["restore", str(copy), "--yes"])
    assert result.exit_code == 0, result.output
    assert usernames(env) == ["ada"]


def test_backup_never_overwrites_a_file(env: Path, tmp_path: Path) -> None:
    existing = tmp_path / "keep.txt"
    existing.write_text("mine")
    result = runner.invoke(app, ["backup", str(existing)])
    assert result.exit_code != 0
    assert existing.read_text() == "mine"


def test_restore_asks_first(env: Path, tmp_path: Path) -> None:
    copy = tmp_path / "saved.db"
    runner.invoke(app, ["backup", str(copy)])
    add_user(env, "bob")
    result = runner.invoke(app, ["restore", str(copy)], input="n\n")
    assert result.exit_code != 0
    assert "Replace everything" in result.output
    assert usernames(env) == ["ada", "bob"]


@pytest.mark.parametrize("content", [b"not a database at all", None])
def test_restore_refuses_what_is_not_a_promptpro_database(
    env: Path, tmp_path: Path, content: bytes | None
) -> None:
    other = tmp_path / "other.db"
    if content is None:
        with sqlite3.connect(other) as connection:
            connection.execute("CREATE TABLE notes (text TEXT)")
    else:
        other.write_bytes(content)
    result = runner.invoke(app, ["restore", str(other), "--yes"])
    assert result.exit_code != 0
    assert "not a PromptPro database" in str(result.exception)
    assert usernames(env) == ["ada"]


def test_restore_refuses_while_a_server_uses_the_database(env: Path, tmp_path: Path) -> None:
    copy = tmp_path / "saved.db"
    runner.invoke(app, ["backup", str(copy)])
    with backup.serving(env):
        result = runner.invoke(app, ["restore", str(copy), "--yes"])
    assert result.exit_code != 0
    assert "stop it first" in str(result.exception)
    assert runner.invoke(app, ["restore", str(copy), "--yes"]).exit_code == 0


def test_backup_on_postgresql_names_pg_dump(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://someone@127.0.0.1:9/nowhere")
    get_settings.cache_clear()
    result = runner.invoke(app, ["backup", str(tmp_path / "x.db")])
    get_settings.cache_clear()
    assert result.exit_code != 0
    assert "pg_dump" in str(result.exception)


@pytest.mark.parametrize(
    "command", [["keys", "status"], ["sessions", "purge"], ["db", "current"], ["backup", "x.db"]]
)
def test_admin_commands_without_a_database_say_where_they_looked_and_create_nothing(
    tmp_path: Path, command: list[str]
) -> None:
    nowhere = tmp_path / "nowhere"
    result = subprocess.run(
        [sys.executable, "-m", "promptpro", *command],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={"PROMPTPRO_DATA_DIR": str(nowhere), "PATH": os.environ.get("PATH", "")},
    )
    assert result.returncode == 2
    assert f"No PromptPro database at {nowhere / 'promptpro.db'}" in result.stderr
    assert "PROMPTPRO_DATA_DIR" in result.stderr
    assert "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr
    assert not nowhere.exists()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("promptpro 0.")


def test_serve_announces_its_address_only_once_it_listens() -> None:
    port = free_port()
    listening_when_announced: list[bool] = []

    async def empty_app(scope: object, receive: object, send: object) -> None:
        """An ASGI app without lifespan support (uvicorn then skips it)."""

    config = uvicorn.Config(empty_app, host="127.0.0.1", port=port, log_config=None)

    def announce() -> None:
        with socket.socket() as probe:
            listening_when_announced.append(probe.connect_ex(("127.0.0.1", port)) == 0)
        server.should_exit = True

    server = AnnouncingServer(config, announce)
    thread = threading.Thread(target=server.run)
    thread.start()
    thread.join(timeout=30)
    assert listening_when_announced == [True]
