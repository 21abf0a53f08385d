"""`promptpro serve`: how it starts uvicorn, and the setups it refuses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from promptpro.cli import app
from promptpro.config import get_settings
from promptpro.errors import ConfigurationError

runner = CliRunner()


@pytest.fixture
def started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """uvicorn replaced by a recorder, on a SQLite database; the options it was given."""
    calls: list[dict[str, Any]] = []

    class Recorder:
        """Stands in for the one-process server: notes its options, serves nothing."""

        def __init__(self, config: Any, announce: Any) -> None:
            calls.append({"timeout_worker_healthcheck": config.timeout_worker_healthcheck})
            self.started = True

        def run(self) -> None:
            """Nothing to serve."""

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    monkeypatch.setenv("PROMPTPRO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr("promptpro.cli.serve.uvicorn.run", lambda *a, **kw: calls.append(kw))
    monkeypatch.setattr("promptpro.cli.serve.AnnouncingServer", Recorder)
    get_settings.cache_clear()
    yield calls
    get_settings.cache_clear()


def test_workers_get_the_health_check_time_the_settings_give(
    started: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMPTPRO_WORKER_HEALTHCHECK_SECONDS", "90")
    get_settings.cache_clear()

    result = runner.invoke(app, ["serve"])

    assert result.exit_code == 0, result.output
    assert started[0]["timeout_worker_healthcheck"] == 90


def test_the_default_health_check_time_outlasts_a_slow_import(
    started: list[dict[str, Any]],
) -> None:
    assert runner.invoke(app, ["serve"]).exit_code == 0
    assert started[0]["timeout_worker_healthcheck"] >= 30  # uvicorn's own is 5 s


def test_several_workers_on_sqlite_are_refused_saying_why(started: list[dict[str, Any]]) -> None:
    result = runner.invoke(app, ["serve", "--workers", "2"])

    # `promptpro` (cli.main) prints a ConfigurationError's detail and exits with 2.
    assert isinstance(result.exception, ConfigurationError)
    assert "one worker process" in result.exception.detail
    assert "PostgreSQL" in result.exception.detail
    assert not started
