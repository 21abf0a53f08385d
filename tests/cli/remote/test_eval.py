"""`promptpro eval run`: the CI gate. It evaluates a prompt on a test set on the server,
prints the summary, writes JUnit XML and JSON, and exits 5 under --fail-under."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from tests.support.remote import RemoteServer, promptpro


def answers_set(server: RemoteServer, workspace: int, expected: str) -> dict[str, Any]:
    """A test set of two rows whose answers must contain `expected`."""
    body = {
        "name": f"answers-{workspace}",
        "workspaceId": workspace,
        "assertions": [{"type": "contains", "value": expected}],
    }
    created = server.http.post("/api/v1/test-sets", json=body)
    assert created.status_code == 201, created.text
    for topic in ("tea", "rain"):
        row = server.http.post(
            f"/api/v1/test-sets/{created.json()['id']}/rows", json={"variables": {"topic": topic}}
        )
        assert row.status_code == 201, row.text
    result: dict[str, Any] = created.json()
    return result


def test_a_passing_evaluation_exits_0_and_writes_junit_and_json(
    server: RemoteServer, tmp_path: Path
) -> None:
    team = server.workspace()
    prompt = server.prompt(workspaceId=team)
    server.label(prompt, "production", 1)
    tests = answers_set(server, team, "the fake provider")
    junit, report = tmp_path / "junit.xml", tmp_path / "report.json"

    result = promptpro(
        "eval", "run", "-w", str(team), "--test-set", tests["name"],
        "--prompt", f"{prompt['name']}@production", "--model", "openai/gpt-4o-mini",
        "--fail-under", "0.9", "--junit", str(junit), "--json", str(report),
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "Pass rate 100.0%" in result.stdout
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("2", "0")
    written = json.loads(report.read_text())
    assert written["passRate"] == 1.0 and len(written["cells"]) == 2


def test_an_evaluation_under_the_threshold_exits_5_naming_the_failures(
    server: RemoteServer, tmp_path: Path
) -> None:
    team = server.workspace()
    prompt = server.prompt(workspaceId=team)
    tests = answers_set(server, team, "words the fake never says")
    junit = tmp_path / "junit.xml"

    result = promptpro(
        "eval", "run", "-w", str(team), "-t", str(tests["id"]), "-p", prompt["name"],
        "-m", "openai/gpt-4o-mini", "--fail-under", "0.5", "--junit", str(junit),
    )  # fmt: skip

    assert result.exit_code == 5, result.output
    assert "Pass rate 0.0%" in result.stdout
    failures = ET.parse(junit).getroot().iter("failure")
    assert all("contains" in (failure.get("message") or "") for failure in failures)


def test_an_unknown_test_set_exits_4(server: RemoteServer) -> None:
    prompt = server.prompt()

    result = promptpro(
        "eval", "run", "-t", "no-such-set", "-p", prompt["name"], "-m", "openai/gpt-4o-mini"
    )

    assert result.exit_code == 4
    assert "no-such-set" in result.stderr
