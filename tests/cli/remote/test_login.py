"""`promptpro login URL` checks the token and keeps it for the user alone; `PROMPTPRO_URL`
and `PROMPTPRO_TOKEN` override it; a refused token is exit code 3."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.support.remote import RemoteServer, promptpro


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_login_checks_the_token_and_keeps_it_readable_by_the_user_only(
    remote: RemoteServer,
) -> None:
    result = promptpro("login", remote.url, "--token", remote.token)
    assert result.exit_code == 0, result.output
    assert "as ada" in result.stderr

    config = Path(os.environ["XDG_CONFIG_HOME"]) / "promptpro" / "config.toml"
    assert mode(config) == 0o600
    assert mode(config.parent) == 0o700
    text = config.read_text()
    assert f'url = "{remote.url}"' in text
    assert remote.token in text

    listed = promptpro("prompts", "list", "--json")  # nothing in the environment
    assert listed.exit_code == 0, listed.output
    assert isinstance(json.loads(listed.stdout), list)

    logout = promptpro("logout", "--json")
    assert logout.exit_code == 0
    assert json.loads(logout.stdout) == {"loggedOut": True, "config": str(config)}
    assert not config.exists()
    assert "Not logged in" in promptpro("logout").stderr
    assert promptpro("prompts", "list").exit_code == 3


def test_login_asks_for_the_token_when_it_is_not_given(remote: RemoteServer) -> None:
    result = promptpro("login", remote.url, "--json", input=f"{remote.token}\n")
    assert result.exit_code == 0, result.output
    assert remote.token not in result.stdout  # the input was hidden, and is not echoed
    assert json.loads(result.stdout)["user"]["username"] == "ada"


def test_a_refused_token_is_exit_code_3_and_nothing_is_kept(remote: RemoteServer) -> None:
    result = promptpro("login", remote.url, "--token", "pp_not-a-real-token")
    assert result.exit_code == 3
    assert "refused this token" in result.stderr
    assert not (Path(os.environ["XDG_CONFIG_HOME"]) / "promptpro").exists()


def test_the_environment_overrides_the_saved_login(
    remote: RemoteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert promptpro("login", remote.url, "--token", remote.token).exit_code == 0

    monkeypatch.setenv("PROMPTPRO_URL", remote.url)
    monkeypatch.setenv("PROMPTPRO_TOKEN", "pp_revoked-long-ago")
    refused = promptpro("prompts", "list")
    assert refused.exit_code == 3
    assert "token from the environment (PROMPTPRO_TOKEN)" in refused.stderr

    monkeypatch.setenv("PROMPTPRO_TOKEN", remote.token)
    assert promptpro("prompts", "list").exit_code == 0


def test_without_a_login_the_commands_say_how_to_log_in(remote: RemoteServer) -> None:
    result = promptpro("prompts", "list")
    assert result.exit_code == 3
    assert "promptpro login URL" in result.stderr
    assert "PROMPTPRO_URL" in result.stderr
