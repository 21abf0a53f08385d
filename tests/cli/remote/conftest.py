"""The remote commands run with Typer's CliRunner against one real server for the session
(`tests.support.remote`), each test with its own empty config directory.

They run on SQLite only: what they check is the command line and the HTTP between it and
the server; the API and the SQL under it are tested on both databases in tests/api.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from promptpro.testing import FakeProviderServer
from tests.support.remote import RemoteServer, remote_server


@pytest.fixture(scope="session")
def live_remote(
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    fake_server: FakeProviderServer,
) -> Iterator[RemoteServer]:
    with remote_server(sqlite_template, tmp_path_factory.mktemp("remote"), fake_server) as server:
        yield server


@pytest.fixture
def remote(
    live_remote: RemoteServer,
    fake: FakeProviderServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> RemoteServer:
    """The live server, nobody logged in to it: an empty config directory of the test's
    own, no PROMPTPRO_URL/PROMPTPRO_TOKEN; the fake provider back to its default script."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("PROMPTPRO_URL", raising=False)
    monkeypatch.delenv("PROMPTPRO_TOKEN", raising=False)
    return live_remote


@pytest.fixture
def server(remote: RemoteServer, monkeypatch: pytest.MonkeyPatch) -> RemoteServer:
    """The live server, reached as ada through PROMPTPRO_URL and PROMPTPRO_TOKEN (as in CI)."""
    monkeypatch.setenv("PROMPTPRO_URL", remote.url)
    monkeypatch.setenv("PROMPTPRO_TOKEN", remote.token)
    return remote
