"""`promptpro keys`: generate a master key, rotate every stored key with a progress bar, status."""

from __future__ import annotations

import asyncio
import base64
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from promptpro.cli import app
from promptpro.config import get_settings
from promptpro.db.engine import create_engine
from promptpro.db.session import create_session_factory, unit_of_work
from promptpro.schemas.users import UserCreate
from promptpro.security.vault import Vault, key_id, key_id_of, parse_key
from promptpro.services.keys import KeyService
from promptpro.storage import Storage

runner = CliRunner()
KEY_A, KEY_B, KEY_C = os.urandom(32), os.urandom(32), os.urandom(32)
KEYS = {"ada": "sk-proj-AdaKey0123456789abcdef", "bob": "sk-ant-api03-BobKey0123456789ab"}


def text(*keys: bytes) -> str:
    return ",".join(base64.urlsafe_b64encode(key).decode() for key in keys)


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The command line pointed at the test database, the way DATABASE_URL points it."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PROMPTPRO_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


async def store_keys(url: str) -> None:
    """Ada's key under master key A; Bob's under B (with A still configured)."""
    engine = create_engine(url)
    try:
        factory = create_session_factory(engine)
        for (username, key), vault in zip(
            KEYS.items(), (Vault([KEY_A]), Vault([KEY_B, KEY_A])), strict=True
        ):
            async with unit_of_work(factory) as session:
                user = await Storage(session).create_user(UserCreate(username=username))
                provider = "openai" if key.startswith("sk-proj-") else "anthropic"
                await KeyService(Storage(session), vault, user.id).set_key(provider, key)
    finally:
        await engine.dispose()


async def stored(url: str, vault: Vault) -> dict[str, tuple[str | None, str]]:
    """Each user's stored key: the id of its master key, and its plaintext."""
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            storage = Storage(session)
            found = {}
            for row in await storage.list_all_api_keys():
                user = await storage.get_user(row.user_id)
                assert user is not None
                ciphertext = row.openai_key or row.anthropic_key
                assert ciphertext is not None
                provider = "openai" if row.openai_key else "anthropic"
                plaintext = vault.decrypt(ciphertext, user_id=row.user_id, provider=provider)
                found[user.username] = (key_id_of(ciphertext), plaintext)
            return found
    finally:
        await engine.dispose()


def test_generate_prints_a_new_master_key_and_what_to_do_with_it() -> None:
    first, second = (
        runner.invoke(app, ["keys", "generate"]),
        runner.invoke(app, ["keys", "generate"]),
    )
    assert first.exit_code == 0
    key = first.stdout.strip()
    assert len(parse_key(key)) == 32
    assert key != second.stdout.strip()
    assert key_id(parse_key(key)) in first.stderr
    assert "PROMPTPRO_ENCRYPTION_KEYS" in first.stderr
    assert "promptpro keys rotate" in first.stderr


def test_rotate_moves_every_row_to_the_first_key_with_a_progress_bar(
    cli_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(store_keys(cli_env))
    monkeypatch.setenv("PROMPTPRO_ENCRYPTION_KEYS", text(KEY_C, KEY_B, KEY_A))

    result = runner.invoke(app, ["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypting" in result.stdout
    assert "2/2 rows" in result.stdout
    assert f"Re-encrypted 2 of 2 key rows under master key {key_id(KEY_C)}." in result.stdout
    for key in KEYS.values():
        assert key not in result.output

    only_c = Vault([KEY_C])
    assert asyncio.run(stored(cli_env, only_c)) == {
        name: (key_id(KEY_C), key) for name, key in KEYS.items()
    }
    again = runner.invoke(app, ["keys", "rotate"])
    assert "Re-encrypted 0 of 2 key rows" in again.stdout


def test_rotate_changes_nothing_while_a_master_key_is_missing(
    cli_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(store_keys(cli_env))
    monkeypatch.setenv("PROMPTPRO_ENCRYPTION_KEYS", text(KEY_C, KEY_A))

    result = runner.invoke(app, ["keys", "rotate"])
    assert result.exit_code == 1
    assert "Nothing was re-encrypted" in result.stderr
    assert f"master key {key_id(KEY_B)}" in result.stderr
    assert "PROMPTPRO_ENCRYPTION_KEYS" in result.stderr
    all_keys = Vault([KEY_A, KEY_B])
    assert asyncio.run(stored(cli_env, all_keys)) == {
        "ada": (key_id(KEY_A), KEYS["ada"]),
        "bob": (key_id(KEY_B), KEYS["bob"]),
    }


def test_status_counts_stored_keys_per_master_key_and_flags_missing_ones(
    cli_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(store_keys(cli_env))
    monkeypatch.setenv("PROMPTPRO_ENCRYPTION_KEYS", text(KEY_C, KEY_A))

    result = runner.invoke(app, ["keys", "status"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert f"  {key_id(KEY_C)}  encrypts  0 stored keys" in lines
    assert f"  {key_id(KEY_A)}  decrypts  1 stored key" in lines
    assert f"  {key_id(KEY_B)}  MISSING   1 stored key" in lines
    assert "can't be used or rotated" in result.stdout


def test_rotate_refuses_a_database_without_the_current_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sqlite3.connect(tmp_path / "empty.db").close()
    monkeypatch.setenv("PROMPTPRO_ENCRYPTION_KEYS", text(KEY_A))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setenv("PROMPTPRO_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["keys", "rotate"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code != 0
    assert "promptpro db upgrade" in str(result.exception)


def test_a_malformed_master_key_is_one_readable_message(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "promptpro.db").close()
    result = subprocess.run(
        [sys.executable, "-m", "promptpro", "keys", "rotate"],
        capture_output=True,
        text=True,
        check=False,
        env={
            "PROMPTPRO_ENCRYPTION_KEYS": "hunter2",
            "PROMPTPRO_DATA_DIR": str(tmp_path),
            "PATH": "",
        },
    )
    assert result.returncode == 2
    assert "PROMPTPRO_ENCRYPTION_KEYS: entry 1" in result.stderr
    assert "hunter2" not in result.stderr
    assert "Traceback" not in result.stderr
