"""`promptpro models update FILE` checks a catalogue and loads it for every server process;
`promptpro models show` says which one is in effect."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from promptpro.cli import app
from promptpro.config import get_settings
from promptpro.db.engine import create_engine
from promptpro.db.session import create_session_factory
from promptpro.providers.catalogue import (
    Catalogue,
    get_catalogue,
    install_catalogue,
    shipped_catalogue,
)
from promptpro.services.catalogue import CatalogueRefresher

runner = CliRunner()


def refreshed(url: str) -> Catalogue:
    """What a server process puts in effect at its next refresh."""

    async def refresh() -> Catalogue:
        engine = create_engine(url)
        try:
            return await CatalogueRefresher(create_session_factory(engine)).refresh()
        finally:
            await engine.dispose()

    return asyncio.run(refresh())


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PROMPTPRO_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()
    install_catalogue(None)  # the command puts what it loads in effect in this process too


def catalogue_file(tmp_path: Path, **changes: Any) -> Path:
    text = resources.files("promptpro.providers").joinpath("catalogue.json").read_text()
    data = json.loads(text) | changes
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(data))
    return path


def newer(tmp_path: Path) -> Path:
    data = json.loads(catalogue_file(tmp_path).read_text())
    data["as_of"] = "2030-01-01"
    data["providers"]["openai"][0]["input_usd_per_mtok"] = 99.0
    path = tmp_path / "newer.json"
    path.write_text(json.dumps(data))
    return path


def test_a_newer_catalogue_is_loaded_and_every_process_picks_it_up(
    env: str, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["models", "update", str(newer(tmp_path))])

    assert result.exit_code == 0, result.output
    assert "2030-01-01" in result.output
    install_catalogue(None)  # as another process, which has not seen it yet
    assert get_catalogue() is shipped_catalogue()
    in_effect = refreshed(env)
    assert str(in_effect.as_of) == "2030-01-01"
    assert get_catalogue().models("openai")[0].input_usd_per_mtok == 99.0
    shown = runner.invoke(app, ["models", "show"])
    assert "loaded catalogue of 2030-01-01" in shown.output


def test_show_names_the_shipped_catalogue_when_none_was_loaded(env: str) -> None:
    result = runner.invoke(app, ["models", "show"])

    assert result.exit_code == 0, result.output
    assert f"shipped catalogue of {shipped_catalogue().as_of}" in result.output


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"as_of": "someday"}, "as_of"),
        ({"providers": {"openai": [{"name": "x"}]}}, "providers/openai/0"),
        ({"providers": {}}, "should be non-empty"),
    ],
)
def test_a_malformed_catalogue_is_refused_and_nothing_changes(
    env: str, tmp_path: Path, changes: dict[str, Any], says: str
) -> None:
    result = runner.invoke(app, ["models", "update", str(catalogue_file(tmp_path, **changes))])

    assert result.exit_code == 1
    assert says in result.output
    assert "shipped catalogue" in runner.invoke(app, ["models", "show"]).output


def test_an_older_catalogue_needs_force(env: str, tmp_path: Path) -> None:
    older = catalogue_file(tmp_path, as_of="2020-01-01")

    refused = runner.invoke(app, ["models", "update", str(older)])
    assert refused.exit_code == 1
    assert "--force" in refused.output
    forced = runner.invoke(app, ["models", "update", str(older), "--force"])
    assert forced.exit_code == 0, forced.output


def test_a_file_that_cannot_be_read_is_said_so(env: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["models", "update", str(tmp_path / "missing.json")])

    assert result.exit_code == 1
    assert "Can't read" in result.output


def test_a_stored_catalogue_older_than_the_shipped_one_is_ignored(env: str, tmp_path: Path) -> None:
    runner.invoke(
        app, ["models", "update", str(catalogue_file(tmp_path, as_of="2020-01-01")), "--force"]
    )

    assert refreshed(env) is shipped_catalogue()
