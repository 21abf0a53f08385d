"""The access log: a request whose client went away is logged (as 499), never lost or a 500."""

from __future__ import annotations

import logging
import socket

import pytest
from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

from promptpro.config import Settings
from promptpro.logs import RequestLogMiddleware
from tests.support.live import serve

SCOPE: Scope = {"type": "http", "method": "POST", "path": "/things", "headers": []}


def receiving(*messages: Message) -> Receive:
    """A receive that hands out `messages`, then says the client is gone."""
    queue = list(messages)

    async def receive() -> Message:
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    return receive


async def sink(message: Message) -> None:
    """A send for a client that is gone (servers drop what is sent to one)."""


async def logged(
    app: object, receive: Receive, caplog: pytest.LogCaptureFixture, send: Send = sink
) -> str:
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="promptpro.access"):
        await RequestLogMiddleware(app)(SCOPE, receive, send)  # type: ignore[arg-type]
    [line] = [r.getMessage() for r in caplog.records if r.name == "promptpro.access"]
    return line


async def test_a_client_gone_while_its_body_was_read_is_a_499_not_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def reads_the_body(scope: Scope, receive: Receive, send: Send) -> None:
        await Request(scope, receive).body()  # raises ClientDisconnect

    receive = receiving({"type": "http.request", "body": b"{", "more_body": True})
    assert (await logged(reads_the_body, receive, caplog)).startswith("POST /things 499 ")


async def test_a_client_gone_before_the_answer_was_whole_is_a_499(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def answers_anyway(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()  # the disconnect, as a stream that listens for it sees it
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"late"})

    line = await logged(answers_anyway, receiving(), caplog)
    assert line.startswith("POST /things 499 ")


async def test_an_answer_sent_whole_keeps_its_status(caplog: pytest.LogCaptureFixture) -> None:
    async def answers(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        await receive()  # the client leaves afterwards: nothing was lost

    line = await logged(answers, receiving({"type": "http.request", "body": b""}), caplog)
    assert line.startswith("POST /things 201 ")


class Recorder(logging.Handler):
    """Keeps the records it is handed."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_form_posted_by_a_client_that_hangs_up_is_logged_as_499(settings: Settings) -> None:
    request = (
        b"POST /login HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nuser"
    )
    recorder = Recorder()
    root = logging.getLogger()
    try:
        with serve(settings) as url:  # (the app set logging up afresh: caplog can't see it)
            root.addHandler(recorder)
            port = int(url.rsplit(":", 1)[1])
            with socket.create_connection(("127.0.0.1", port)) as connection:
                connection.sendall(request)
            # The server notices when it reads on; it stops only after finishing the request.
    finally:
        root.removeHandler(recorder)
    lines = [r.getMessage() for r in recorder.records if r.name == "promptpro.access"]
    assert any(line.startswith("POST /login 499 ") for line in lines), lines
    assert not [r.getMessage() for r in recorder.records if r.levelno >= logging.ERROR]
