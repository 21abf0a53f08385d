"""Security headers on every response: a strict Content-Security-Policy and friends.

The pages load scripts and styles only from /static (no inline script, no `eval`, no
inline style attributes), so the policy can be strict: even if hostile HTML slipped past
the sanitiser, the browser would run none of it. A response that brings a policy of its
own keeps it: the API docs (`web/docs.py`) allow their one inline script by its hash.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # data: for the small SVG icons the stylesheet embeds; model output has no images.
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Links in model output lead to other sites: they learn nothing about where from.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
# Served over https (PROMPTPRO_HTTPS): browsers must never come back over plain http, for
# two years. No includeSubDomains: other sites of the domain are not ours to bind.
STRICT_TRANSPORT_SECURITY = "max-age=63072000"


def security_headers(path: str, *, https: bool = False) -> dict[str, str]:
    """The headers a response to `path` carries (unless it set them itself)."""
    headers = {**SECURITY_HEADERS, "Content-Security-Policy": CONTENT_SECURITY_POLICY}
    if https:
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    return headers


class SecurityHeadersMiddleware:
    """Add the security headers to every HTTP response (pure ASGI: streams pass untouched)."""

    def __init__(self, app: ASGIApp, *, https: bool = False) -> None:
        self.app = app
        self.https = https
        self.raw = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in security_headers("", https=https).items()
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.raw

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # What MutableHeaders would do (a list copy, each missing name appended in
                # lower case), without its per-header scans: this runs on every response.
                headers = message["headers"] = list(message["headers"])
                present = {name for name, _ in headers}
                headers.extend(pair for pair in extra if pair[0] not in present)
            await send(message)

        await self.app(scope, receive, send_with_headers)
