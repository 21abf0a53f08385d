"""Where the command line keeps its login: the user's config directory, readable by them
only; `PROMPTPRO_URL` and `PROMPTPRO_TOKEN` override it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from promptpro.client import config


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("PROMPTPRO_URL", raising=False)
    monkeypatch.delenv("PROMPTPRO_TOKEN", raising=False)
    return tmp_path


def test_a_login_is_saved_for_the_user_alone_and_read_back(home: Path) -> None:
    path = config.save("prompts.example.com/", 'pp_a"quoted\\token')
    assert path == home / "promptpro" / "config.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    credentials = config.load()
    assert credentials.url == "https://prompts.example.com"
    assert credentials.token == 'pp_a"quoted\\token'
    assert credentials.source == str(path)

    path.chmod(0o644)  # saving again tightens a file someone loosened
    config.save("https://other.example.com", "pp_new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config.forget() == path
    assert config.forget() is None


def test_the_environment_overrides_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    config.save("https://saved.example.com", "pp_saved")
    monkeypatch.setenv("PROMPTPRO_URL", "http://ci.internal:8000")
    monkeypatch.setenv("PROMPTPRO_TOKEN", "pp_ci")
    assert config.load() == config.Credentials(
        "http://ci.internal:8000", "pp_ci", "the environment"
    )

    monkeypatch.delenv("PROMPTPRO_TOKEN")  # one of them: the other comes from the file
    assert config.load().token == "pp_saved"
    assert config.load().url == "http://ci.internal:8000"


def test_without_a_login_load_says_what_to_do() -> None:
    with pytest.raises(config.NotLoggedIn, match="promptpro login URL"):
        config.load()


def test_a_broken_file_is_named(home: Path) -> None:
    path = home / "promptpro" / "config.toml"
    path.parent.mkdir()
    path.write_text("url = [unclosed")
    with pytest.raises(config.BadConfig, match="not valid TOML"):
        config.load()
