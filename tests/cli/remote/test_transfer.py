"""What the export/import commands will be made of: `Api.download`/`Api.upload` against
the real endpoints, and the progress bar their callback feeds (silent in scripts)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from promptpro.cli.remote.common import transfer_progress
from promptpro.client import Api
from tests.support.remote import RemoteServer


def test_a_download_feeds_the_progress_bar_which_stays_silent_in_scripts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    transport = httpx.MockTransport(lambda _: httpx.Response(200, content=b"z" * 100_000))
    api = Api("http://server.test", "pp_token", transport=transport)
    with api, transfer_progress("Exporting") as progress:
        api.download("/api/v1/workspaces/1/export", tmp_path / "out.json", progress=progress)
    assert (tmp_path / "out.json").stat().st_size == 100_000
    assert capsys.readouterr() == ("", "")


def test_the_client_moves_an_export_and_an_import_through_the_real_endpoints(
    server: RemoteServer, tmp_path: Path
) -> None:
    prompt = server.prompt()
    exported = tmp_path / "library.json"
    seen: list[tuple[int, int | None]] = []
    with Api(server.url, server.token) as api:
        workspace = api.workspace_id()
        assert workspace == prompt["workspaceId"]
        api.download(
            f"/api/v1/workspaces/{workspace}/export",
            exported,
            params={"format": "promptpro"},
            progress=lambda done, total: seen.append((done, total)),
        )
        assert prompt["name"] in exported.read_text()
        assert seen[-1][0] == exported.stat().st_size

        report = api.upload(
            f"/api/v1/workspaces/{workspace}/import",
            exported,
            params={"format": "promptpro", "dryRun": "true", "onConflict": "skip"},
            content_type="application/json",
        )
    assert report["dryRun"] is True
    assert prompt["name"] in json.dumps(report["skipped"] + report["conflicts"])
