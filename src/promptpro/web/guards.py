"""Form guards: CSRF for the sign-in forms, and "submitted twice, handled once".

Signed-in forms carry the session's CSRF token (checked by `deps.verify_csrf`). The
sign-in and register forms come before any session, so they use a double-submit token:
a random value in a SameSite=Strict cookie and the same value in the form. Another site
can make a browser post a form but can neither read nor send that cookie, so it can't
sign a victim into the attacker's account (login CSRF).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from promptpro.config import Settings
from promptpro.security.csrf import csrf_token_matches
from promptpro.security.tokens import new_secret

FORM_COOKIE = "promptpro_form"
SECURE_FORM_COOKIE = "__Host-promptpro_form"
FORM_TOKEN_FIELD = "form_token"  # noqa: S105  (a field name: a create form's idempotency token)
MAX_FORM_TOKEN_LENGTH = 100


def form_cookie_name(settings: Settings) -> str:
    """The sign-in form cookie's name (host-only and Secure over https)."""
    return SECURE_FORM_COOKIE if settings.https else FORM_COOKIE


def sign_in_form_token(request: Request, settings: Settings) -> str:
    """The browser's sign-in form token, or a new one (to be set by `keep_sign_in_token`)."""
    return request.cookies.get(form_cookie_name(settings)) or new_secret()


def keep_sign_in_token(response: Response, settings: Settings, token: str) -> None:
    """Give the browser the sign-in form token as a cookie other sites can't send."""
    response.set_cookie(
        form_cookie_name(settings),
        token,
        path="/",
        secure=settings.https,
        httponly=True,
        samesite="strict",
    )


def sign_in_token_matches(request: Request, settings: Settings, sent: str) -> bool:
    """Whether a posted sign-in form carries the token of this browser's cookie."""
    cookie = request.cookies.get(form_cookie_name(settings))
    return cookie is not None and csrf_token_matches(cookie, sent)


@dataclass
class Claim:
    """A create form being handled: `done_url` is set once it has been (then: go there)."""

    done_url: str | None = None


class FormOnce:
    """Remembers which create forms this process handled, and where each one led.

    A double click posts the same form twice, with the same random `form_token`. The
    second request waits for the first and is sent where the first went, so one object
    is created. This holds within one process; across worker processes the pages'
    script (which disables a form's button once it is submitted) is the guard.
    """

    def __init__(self, ttl_seconds: float = 600, max_entries: int = 10_000) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._done: dict[tuple[str, str], tuple[float, str]] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._waiting: dict[tuple[str, str], int] = {}

    def _forget_old(self, now: float) -> None:
        expired = [key for key, (at, _) in self._done.items() if now - at > self.ttl]
        for key in expired:
            del self._done[key]
        while len(self._done) > self.max_entries:
            del self._done[next(iter(self._done))]

    @asynccontextmanager
    async def claim(self, owner: str, token: str) -> AsyncIterator[Claim]:
        """Handle the form once: the claim says where to go if it was handled already."""
        token = token[:MAX_FORM_TOKEN_LENGTH]
        if not token:
            yield Claim()
            return
        key = (owner, token)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                now = time.monotonic()
                self._forget_old(now)
                seen = self._done.get(key)
                claim = Claim(seen[1] if seen else None)
                was_done = claim.done_url is not None
                yield claim
                if not was_done and claim.done_url is not None:
                    self._done[key] = (now, claim.done_url)
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key], self._locks[key]


def new_form_token() -> str:
    """A fresh idempotency token for a create form."""
    return new_secret()[:32]
