"""`promptpro run NAME -v key=value`: the answer streamed to stdout as it arrives, a variable
read from stdin, a label's version, and an exit code for each way it can go wrong."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from promptpro.cli.remote.run import follow
from promptpro.client import Api, RunEvent
from tests.support.remote import RemoteServer, promptpro

FAKE_TEXT = "Hello from the fake provider."


def test_run_streams_the_answer_to_stdout(server: RemoteServer) -> None:
    server.fake.configure(text="Green tea,\nsteam rising", chunks=4)
    prompt = server.prompt()

    result = promptpro("run", prompt["name"], "-v", "topic=tea")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Green tea,\nsteam rising\n"  # a final line break is added
    request = server.fake.last_request
    assert request is not None
    assert request.body["stream"] is True  # streamed from the provider, not waited for
    assert "Write a haiku about tea." in json.dumps(request.body)


def test_a_variable_can_be_read_from_stdin(server: RemoteServer) -> None:
    prompt = server.prompt(content="Summarise: {{text}} ({{tone}})")
    document = "Line one.\nLine two, with = and {{braces}}.\n"

    result = promptpro(
        "run", prompt["name"], "-v", "text=-", "-v", "tone=dry", "--json", input=document
    )
    assert result.exit_code == 0, result.output
    stored = json.loads(result.stdout)
    assert stored["status"] == "completed"
    assert stored["content"] == FAKE_TEXT
    assert stored["variables"] == {"text": document, "tone": "dry"}
    assert stored["renderedInput"] == f"Summarise: {document} (dry)"


def test_a_label_runs_the_version_it_points_at_on_the_model_asked_for(
    server: RemoteServer,
) -> None:
    prompt = server.prompt(content="Old wording about {{topic}}.")
    server.change(prompt, "New wording about {{topic}}.")
    server.label(prompt, "production", 1)

    result = promptpro(
        "run", prompt["name"], "-v", "topic=x", "-l", "production", "-m", "openai/gpt-4o", "--json"
    )
    assert result.exit_code == 0, result.output
    stored = json.loads(result.stdout)
    assert (stored["renderedInput"], stored["model"]) == ("Old wording about x.", "openai/gpt-4o")


def test_a_missing_variable_is_exit_code_2_before_anything_runs(server: RemoteServer) -> None:
    prompt = server.prompt(content="Translate {{text}} into {{language}}.")
    server.fake.reset()

    result = promptpro("run", prompt["name"], "-v", "text=hello")
    assert result.exit_code == 2
    assert "needs variable language" in result.stderr
    assert "-v language=" in result.stderr
    assert result.stdout == ""
    assert server.fake.requests == []

    malformed = promptpro("run", prompt["name"], "-v", "text")
    assert malformed.exit_code == 2
    assert "key=value" in malformed.stderr

    unknown_model = promptpro(
        "run", prompt["name"], "-v", "text=a", "-v", "language=b", "-m", "nosuch/model"
    )
    assert unknown_model.exit_code == 2  # the server's 422, named
    assert "Error:" in unknown_model.stderr
    assert server.fake.requests == []


def test_a_failed_run_is_exit_code_1_and_says_why(server: RemoteServer) -> None:
    server.fake.configure(status=400, error_message="This model is not for you.")
    prompt = server.prompt()

    result = promptpro("run", prompt["name"], "-v", "topic=tea")
    assert result.exit_code == 1, result.output
    assert "Run failed:" in result.stderr
    assert "Kept as response" in result.stderr

    as_json = promptpro("run", prompt["name"], "-v", "topic=tea", "--json")
    assert as_json.exit_code == 1
    body = json.loads(as_json.stdout)
    assert body["response"]["status"] == "failed"
    assert body["problem"]["status"] >= 400


def test_an_unknown_prompt_is_exit_code_4(server: RemoteServer) -> None:
    result = promptpro("run", "no/such-prompt")
    assert result.exit_code == 4
    assert result.stdout == ""


def test_ctrl_c_stops_the_run_on_the_server(capsys: pytest.CaptureFixture[str]) -> None:
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(f"{request.method} {request.url.path}")
        return httpx.Response(202, json={"id": 7, "status": "cancelled"})

    def events() -> Iterator[RunEvent]:
        yield RunEvent("start", {"responseId": 7})
        yield RunEvent("delta", {"responseId": 7, "text": "Half an ans"})
        raise KeyboardInterrupt

    api = Api("http://server.test", "pp_token", transport=httpx.MockTransport(handler))
    assert follow(api, events(), as_json=False) == 1
    assert asked == ["POST /api/v1/responses/7/cancel"]
    output = capsys.readouterr()
    assert output.out == "Half an ans\n"
    assert "response 7 is kept as cancelled" in output.err
