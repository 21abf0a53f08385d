"""Logging: one line per request, without bodies, query strings or headers."""

from __future__ import annotations

import logging
import time

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("promptpro.access")


def configure_logging(level: str) -> None:
    """Plain, timestamped lines on stderr."""
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    # At DEBUG these print SQL parameters and HTTP exchanges: password hashes, CSRF tokens,
    # request bodies. Our own loggers say what matters without them.
    for noisy in (
        "aiosqlite",
        "sqlalchemy",
        "asyncpg",
        "httpx",
        "httpx2",
        "httpcore",
        "openai",
        "anthropic",
        "google_genai",
    ):
        logging.getLogger(noisy).setLevel(max(logging.getLevelName(level), logging.WARNING))


def _printable(text: str) -> str:
    """`text` with control characters escaped, so a request path can't forge log lines."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


# nginx's "client closed request": the client went away before its answer was complete.
CLIENT_CLOSED = 499


class RequestLogMiddleware:
    """Log method, path, status and duration; never the query (OIDC codes travel there).

    A request whose client went away before its answer was complete is logged as 499,
    whatever the app was answering; a `ClientDisconnect` raised while reading its body ends
    here, quietly (there is no one to answer, and it is no server error).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        complete = gone = False

        async def receive_and_watch() -> Message:
            nonlocal gone
            message = await receive()
            if message["type"] == "http.disconnect" and not complete:
                gone = True
            return message

        async def send_and_record(message: Message) -> None:
            nonlocal status, complete, gone
            if message["type"] == "http.response.start":
                status = message["status"]
            try:
                await send(message)
            except OSError:  # uvicorn's ClientDisconnected: the answer can't be written
                gone = not complete
                raise
            if message["type"] == "http.response.body" and not message.get("more_body"):
                complete = True

        try:
            await self.app(scope, receive_and_watch, send_and_record)
        except ClientDisconnect:
            gone = not complete
        finally:
            access_log.info(
                "%s %s %d %.1fms",
                scope["method"],
                _printable(scope["path"]),
                CLIENT_CLOSED if gone else status,
                (time.perf_counter() - started) * 1000,
            )
