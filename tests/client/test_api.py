"""`promptpro.client.Api`, the HTTP layer of the remote commands: problems become `ApiError`
with their title, detail and fields; runs are read as server-sent events; files go both ways
in chunks with progress (what export/import will be made of). On a mock transport: the live
server is exercised by tests/cli/remote."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from promptpro.client import Api, ApiError, RunEvent, ServerUnreachable
from promptpro.client.api import parse_sse

Handler = Callable[[httpx.Request], httpx.Response]


def api(handler: Handler) -> Api:
    return Api("http://server.test/", "pp_token", transport=httpx.MockTransport(handler))


def test_requests_carry_the_token_and_a_problem_becomes_an_api_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer pp_token"
        problem = {
            "type": "/problems/validation",
            "title": "Invalid input",
            "status": 422,
            "detail": "Missing template variable: text.",
            "errors": [{"field": "variables.text", "message": "Missing template variable."}],
        }
        return httpx.Response(
            422, json=problem, headers={"Content-Type": "application/problem+json"}
        )

    with pytest.raises(ApiError) as caught:
        api(handler).get("/api/v1/anything")
    error = caught.value
    assert (error.status, error.title, error.type) == (422, "Invalid input", "/problems/validation")
    assert error.errors[0]["field"] == "variables.text"
    assert str(error) == "Invalid input: Missing template variable: text."


def test_an_answer_that_is_not_a_problem_still_gives_a_status_and_a_title() -> None:
    with pytest.raises(ApiError) as caught:
        api(lambda _: httpx.Response(502, text="<html>bad gateway")).me()
    error = caught.value
    assert (error.status, error.title, error.detail) == (502, "Bad Gateway", "")


def test_a_server_that_cannot_be_reached_is_server_unreachable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(ServerUnreachable, match=r"server\.test can't be reached"):
        api(handler).me()


def test_pages_follow_the_cursor_and_stop_at_the_limit() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        seen.append(cursor)
        start = int(cursor or 0)
        items = [{"id": n} for n in range(start, start + 2)]
        return httpx.Response(200, json={"items": items, "nextCursor": str(start + 2)})

    ids = [item["id"] for item in api(handler).prompts(limit=5)]
    assert ids == [0, 1, 2, 3, 4]
    assert seen == [None, "2", "4"]


def test_server_sent_events_are_parsed_and_keepalives_skipped() -> None:
    stream = (
        'event: start\ndata: {"responseId":7}\n\n'
        ": keep-alive\n\n"
        'event: delta\ndata: {"responseId":7,"text":"Hi\\n"}\n\n'
        'event: done\ndata: {"responseId":7,"response":{"id":7}}\n\n'
    )
    assert list(parse_sse(iter(stream.split("\n")))) == [
        RunEvent("start", {"responseId": 7}),
        RunEvent("delta", {"responseId": 7, "text": "Hi\n"}),
        RunEvent("done", {"responseId": 7, "response": {"id": 7}}),
    ]


def test_a_run_asks_for_the_event_stream() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Accept"] == "text/event-stream"
        assert json.loads(request.content) == {"variables": {"topic": "tea"}}
        body = 'event: delta\ndata: {"text":"Hi"}\n\n'
        return httpx.Response(200, text=body, headers={"Content-Type": "text/event-stream"})

    events = list(api(handler).run(3, {"variables": {"topic": "tea"}}))
    assert events == [RunEvent("delta", {"text": "Hi"})]


def test_a_download_is_written_in_chunks_with_progress(tmp_path: Path) -> None:
    payload = b"x" * 200_000

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.params["format"] == "promptpro"
        return httpx.Response(200, content=payload)

    progress: list[tuple[int, int | None]] = []
    target = tmp_path / "export.json"
    api(handler).download(
        "/api/v1/workspaces/1/export",
        target,
        params={"format": "promptpro"},
        progress=lambda done, total: progress.append((done, total)),
    )
    assert target.read_bytes() == payload
    assert progress[-1] == (200_000, 200_000)
    assert len(progress) > 1


def test_a_failed_download_leaves_no_file(tmp_path: Path) -> None:
    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"title": "Not found", "status": 404})

    with pytest.raises(ApiError):
        api(handler).download("/api/v1/workspaces/9/export", tmp_path / "export.json")
    assert list(tmp_path.iterdir()) == []


def test_an_upload_sends_the_file_in_chunks_with_its_length(tmp_path: Path) -> None:
    source = tmp_path / "import.json"
    source.write_bytes(b"y" * 150_000)

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Content-Length"] == "150000"
        assert "Transfer-Encoding" not in request.headers
        assert request.url.params["dryRun"] == "true"
        assert request.read() == source.read_bytes()
        return httpx.Response(200, json={"created": 3})

    progress: list[tuple[int, int | None]] = []
    report = api(handler).upload(
        "/api/v1/workspaces/1/import",
        source,
        params={"format": "promptpro", "dryRun": "true"},
        content_type="application/json",
        progress=lambda done, total: progress.append((done, total)),
    )
    assert report == {"created": 3}
    assert progress[-1] == (150_000, 150_000)


def test_the_default_workspace_is_the_personal_one_or_the_only_one_seen() -> None:
    listed = [{"id": 4, "personal": False}, {"id": 9, "personal": True}]
    assert api(lambda _: httpx.Response(200, json=listed)).workspace_id() == 9
    assert api(lambda _: httpx.Response(200, json=listed[:1])).workspace_id() == 4
    assert api(lambda _: httpx.Response(200, json=[])).workspace_id(7) == 7
    with pytest.raises(ApiError):
        api(lambda _: httpx.Response(200, json=[])).workspace_id()
