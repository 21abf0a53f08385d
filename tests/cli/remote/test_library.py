"""`promptpro export|import|pull|push`: a workspace's library as files, through the API; each
test in a team workspace of its own, so that it sees only its prompts."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.remote import RemoteServer, promptpro


def test_export_then_import_into_another_workspace_carries_the_prompts_once(
    server: RemoteServer, tmp_path: Path
) -> None:
    source, target = server.workspace(), server.workspace()
    server.prompt(content="Sort {{ticket}}.", name="support/triage", workspaceId=source)
    file = tmp_path / "library.json"

    exported = promptpro("export", str(file), "-w", str(source), "--json")
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.stdout)["bytes"] == file.stat().st_size
    assert json.loads(file.read_text())["prompts"][0]["name"] == "support/triage"

    dry = promptpro("import", str(file), "-w", str(target), "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["counts"]["created"] >= 1
    done = promptpro("import", str(file), "-w", str(target))
    assert done.exit_code == 0, done.output
    assert "support/triage" in done.stdout
    again = promptpro("import", str(file), "-w", str(target), "--json")
    assert json.loads(again.stdout)["counts"]["created"] == 0  # the same file changes nothing


def test_import_needs_a_format_it_can_tell(server: RemoteServer, tmp_path: Path) -> None:
    file = tmp_path / "library.txt"
    file.write_text("{}")

    result = promptpro("import", str(file))

    assert result.exit_code == 2
    assert "--format" in result.stderr


def test_pull_writes_the_folder_and_push_shows_the_diff_then_makes_a_version(
    server: RemoteServer, tmp_path: Path
) -> None:
    team = server.workspace()
    prompt = server.prompt(content="Sort {{ticket}}.", name="support/triage", workspaceId=team)
    folder = tmp_path / "library"

    pulled = promptpro("pull", str(folder), "-w", str(team))
    assert pulled.exit_code == 0, pulled.output
    file = folder / "support" / "triage.md"
    assert "Sort {{ticket}}." in file.read_text()
    assert promptpro("pull", str(folder), "-w", str(team)).stderr.startswith("0 written, 1")

    file.write_text(file.read_text().replace("Sort {{ticket}}.", "Sort {{ticket}} by urgency."))
    preview = promptpro("push", str(folder), "-w", str(team), "--dry-run")
    assert preview.exit_code == 0, preview.output
    assert "-Sort {{ticket}}." in preview.stdout
    assert "+Sort {{ticket}} by urgency." in preview.stdout
    assert server.http.get(f"/api/v1/prompts/{prompt['id']}").json()["content"] == (
        "Sort {{ticket}}."
    )

    pushed = promptpro("push", str(folder), "-w", str(team), "--yes")
    assert pushed.exit_code == 0, pushed.output
    now = server.http.get(f"/api/v1/prompts/{prompt['id']}").json()
    assert now["content"] == "Sort {{ticket}} by urgency."
    nothing = promptpro("push", str(folder), "-w", str(team), "--yes")
    assert "Nothing to push." in nothing.stderr
