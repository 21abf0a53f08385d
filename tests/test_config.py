"""Settings come from the environment; what is left unset is filled from the data directory."""

import logging
from pathlib import Path

import pytest

from promptpro.config import load_settings, normalise_database_url
from promptpro.errors import ConfigurationError


def test_the_default_database_is_a_sqlite_file_in_the_data_directory(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data")
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'data' / 'promptpro.db'}"
    assert (tmp_path / "data").is_dir()


def test_database_url_is_read_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.example/promptpro")
    settings = load_settings(data_dir=tmp_path)
    assert settings.database_url == "postgresql+asyncpg://u@db.example/promptpro"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h/d", "postgresql+asyncpg://u@h/d"),
        ("postgres://u@h/d", "postgresql+asyncpg://u@h/d"),
        ("sqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("postgresql+asyncpg://u@h/d", "postgresql+asyncpg://u@h/d"),
    ],
)
def test_pasted_database_urls_get_the_async_driver(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


def test_a_missing_secret_key_is_generated_once_and_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        first = load_settings(data_dir=tmp_path)
    assert len(first.secret_key) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert "generated one" in caplog.text
    assert first.secret_key not in caplog.text
    assert load_settings(data_dir=tmp_path).secret_key == first.secret_key


def test_a_secret_key_from_the_environment_is_used_as_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMPTPRO_SECRET_KEY", "k" * 40)
    assert load_settings(data_dir=tmp_path).secret_key == "k" * 40
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PROMPTPRO_LOG_LEVEL", "loud"),
        ("DATABASE_URL", "mysql://root@localhost/x"),
        ("PROMPTPRO_SECRET_KEY", "short"),
        ("PROMPTPRO_RUN_TIMEOUT", "-1"),
    ],
)
def test_invalid_settings_stop_with_one_message_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as raised:
        load_settings(data_dir=tmp_path)
    assert variable in raised.value.detail
    assert "Traceback" not in raised.value.detail


def test_an_unusable_data_directory_is_a_configuration_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ConfigurationError, match="PROMPTPRO_DATA_DIR"):
        load_settings(data_dir=blocker / "data")


def test_the_public_url_defaults_to_the_served_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROMPTPRO_PUBLIC_URL", raising=False)
    monkeypatch.delenv("HOST", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    assert load_settings(data_dir=tmp_path).public_url == "http://127.0.0.1:8000"
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "9000")
    assert load_settings(data_dir=tmp_path).public_url == "http://127.0.0.1:9000"
    monkeypatch.setenv("HOST", "::1")
    assert load_settings(data_dir=tmp_path, https=True).public_url == "https://[::1]:9000"
    monkeypatch.setenv("PROMPTPRO_PUBLIC_URL", "https://prompts.example.com/")
    assert load_settings(data_dir=tmp_path).public_url == "https://prompts.example.com"


@pytest.mark.parametrize("bad", ["prompts.example.com", "ftp://x.example", "https://x/?a=1"])
def test_a_public_url_that_is_not_a_web_address_is_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ConfigurationError, match="PROMPTPRO_PUBLIC_URL"):
        load_settings(data_dir=tmp_path, public_url=bad)
