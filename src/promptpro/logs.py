"""Logging: one line per request, without bodies, query strings or headers."""

from __future__ import annotations

import logging
import time

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


class RequestLogMiddleware:
    """Log method, path, status and duration; never the query (OIDC codes travel there)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            access_log.info(
                "%s %s %d %.1fms",
                scope["method"],
                _printable(scope["path"]),
                status,
                (time.perf_counter() - started) * 1000,
            )
