"""Logging: one line per request, without bodies, query strings or headers."""

from __future__ import annotations

import json
import logging
import re
import time
from datetime import UTC, datetime

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("promptpro.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and the traceback if any).

    Only the formatted message goes out, never the record's arguments or extras, so a line
    says no more than its text line would (and our messages never name a secret).
    """

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(level: str, log_format: str = "text") -> None:
    """Timestamped lines on stderr: plain text, or JSON objects (PROMPTPRO_LOG_FORMAT=json)."""
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    if log_format == "json":
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter())
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


# An invitation's token travels in its path (`/invitations/{token}`): never logged.
_PATH_SECRETS = re.compile(r"ppi_[^/]*")


def _printable(text: str) -> str:
    """`text` with control characters escaped, so a request path can't forge log lines."""
    if text.isprintable():  # nearly every path: one C call, not a loop in Python
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def loggable_path(path: str) -> str:
    """A request path as the log shows it: printable, with invitation tokens hidden."""
    return _printable(_PATH_SECRETS.sub("ppi_[hidden]", path))


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
                loggable_path(scope["path"]),
                CLIENT_CLOSED if gone else status,
                (time.perf_counter() - started) * 1000,
            )
