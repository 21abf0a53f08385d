"""CSRF tokens: one random token per session, sent back on every unsafe cookie request.

A signed-in browser gets the token from `/api/v1/auth/session` (or the login/register
response) and sends it in the `X-CSRF-Token` header; HTML forms send it in the hidden
field `csrf_token`. Requests authenticated by a bearer token are exempt: a browser never
attaches one on its own, so another site cannot forge them.
"""

from __future__ import annotations

from promptpro.security.tokens import new_secret, same_secret

CSRF_HEADER = "X-CSRF-Token"
CSRF_FORM_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def new_csrf_token() -> str:
    """A fresh token for a new session."""
    return new_secret()


def needs_csrf_check(method: str) -> bool:
    """Whether a cookie-authenticated request with this method must carry the token."""
    return method.upper() not in SAFE_METHODS


def csrf_token_matches(expected: str, given: str | None) -> bool:
    """Whether the token sent is the session's (compared in constant time)."""
    return bool(given) and bool(expected) and same_secret(expected, given or "")
