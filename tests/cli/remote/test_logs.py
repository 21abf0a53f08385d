"""`promptpro logs`: the responses kept on the server, a prompt's or found by search."""

from __future__ import annotations

import json

from tests.support.remote import RemoteServer, promptpro


def run(server: RemoteServer, name: str, answer: str) -> None:
    server.fake.configure(text=answer)
    result = promptpro("run", name, "-v", "topic=x")
    assert result.exit_code == 0, result.output


def test_logs_lists_a_prompts_responses_newest_first_and_finds_them_by_text(
    server: RemoteServer,
) -> None:
    kept = server.prompt()
    other = server.prompt()
    run(server, kept["name"], "Quince blossoms fall")
    run(server, kept["name"], "Autumn quince ripens")
    run(server, other["name"], "Quince jam on toast")

    listed = promptpro("logs", "--prompt", kept["name"], "--json")
    assert listed.exit_code == 0, listed.output
    answers = [item["content"] for item in json.loads(listed.stdout)]
    assert answers == ["Autumn quince ripens", "Quince blossoms fall"]
    newest = promptpro("logs", "--prompt", kept["name"], "--limit", "1", "--json")
    assert [item["content"] for item in json.loads(newest.stdout)] == ["Autumn quince ripens"]

    found = promptpro("logs", "-q", "quince", "--json")
    assert {item["content"] for item in json.loads(found.stdout)} == {
        "Quince blossoms fall",
        "Autumn quince ripens",
        "Quince jam on toast",
    }
    of_one = promptpro("logs", "-q", "quince", "--prompt", other["name"], "--json")
    assert [item["content"] for item in json.loads(of_one.stdout)] == ["Quince jam on toast"]

    table = promptpro("logs", "-q", "jam")
    assert table.exit_code == 0, table.output
    assert other["name"] in table.stdout
    assert "openai/gpt-4o-mini" in table.stdout
    assert "completed" in table.stdout


def test_logs_alone_shows_your_latest_runs(server: RemoteServer) -> None:
    prompt = server.prompt()
    run(server, prompt["name"], "The very latest answer")

    latest = promptpro("logs", "--limit", "1", "--json")
    assert latest.exit_code == 0, latest.output
    [item] = json.loads(latest.stdout)
    assert (item["content"], item["promptId"]) == ("The very latest answer", prompt["id"])

    table = promptpro("logs", "--limit", "1")
    assert prompt["name"] in table.stdout
    assert "The very latest answer" in table.stdout
