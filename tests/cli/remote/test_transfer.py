"""The progress bar the export/import commands will show while `Api.download`/`Api.upload`
move a file: fed by their callback, silent when stderr is not a terminal."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from promptpro.cli.remote.common import transfer_progress
from promptpro.client import Api


def test_a_download_feeds_the_progress_bar_which_stays_silent_in_scripts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    transport = httpx.MockTransport(lambda _: httpx.Response(200, content=b"z" * 100_000))
    api = Api("http://server.test", "pp_token", transport=transport)
    with api, transfer_progress("Exporting") as progress:
        api.download("/api/v1/workspaces/1/export", tmp_path / "out.json", progress=progress)
    assert (tmp_path / "out.json").stat().st_size == 100_000
    assert capsys.readouterr() == ("", "")
