"""Request limits: a body larger than the limit is refused with a 413 problem, unread.

Pure ASGI, so it sees every request (API and pages) and counts the bytes as they arrive:
a declared Content-Length over the limit is refused at once, and a chunked body without
one is cut off as soon as it passes the limit, before anything holds it all in memory.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from promptpro.api.problems import problem

MAX_BODY_BYTES = 1024 * 1024  # 1 MB


class BodyTooLarge(Exception):
    """Raised to the app from `receive` when the body has passed the limit."""


def _declared_length(scope: Scope) -> int | None:
    """The Content-Length header's value, when there is a well-formed one."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class BodySizeLimitMiddleware:
    """Refuse request bodies over `max_bytes` with a 413 problem+json."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int = MAX_BODY_BYTES,
        overrides: Sequence[tuple[re.Pattern[str], int]] = (),
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # (path pattern, limit): routes that take larger bodies (a library import), and
        # bound them themselves as they read.
        self.overrides = tuple(overrides)

    def _limit(self, scope: Scope) -> int:
        path = scope.get("path", "")
        return next((n for p, n in self.overrides if p.fullmatch(path)), self.max_bytes)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Answer 413, naming the limit."""
        megabytes = limit / (1024 * 1024)
        response = problem(
            413,
            f"The request body is larger than the limit of {megabytes:g} MB.",
            slug="too-large",
            title="Request body too large",
        )
        await response(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, receive, send, limit)
            return

        received = 0
        exceeded = False
        answered = False

        async def receive_within_limit() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def send_unless_refused(message: Message) -> None:
            nonlocal answered
            if exceeded and not answered:
                return  # the app's answer to the cut-off body is replaced by the 413
            if message["type"] == "http.response.start":
                answered = True
            await send(message)

        try:
            await self.app(scope, receive_within_limit, send_unless_refused)
        except Exception:
            if not exceeded or answered:
                raise
        if exceeded and not answered:
            await self._refuse(scope, receive, send, limit)
