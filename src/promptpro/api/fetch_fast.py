"""The fetch fast path: `GET /api/v1/prompts/by-name/{name}` answered from the caches alone.

Applications fetch their prompts on every call, and nearly every fetch is a cache hit
(token, membership, body and ETag all in this process). FastAPI's routing and dependency
resolution cost several times what the hit itself does (docs/PERFORMANCE.md, "fetch by
name"), so this pure ASGI middleware, the innermost of the app's, answers a hit before
the router sees it: a `GET` at the route's path, with `Authorization: Bearer` and a query
it reads exactly as FastAPI would, whose token, workspace, role and answer are all cached
(`services.tokens.cached_token`, `services.prompt_fetch.cached_fetch`) and with nothing to
write (the token's last use and the prompt's last fetch recorded within the minute).

Anything else — a miss, an error, a cookie, a HEAD, an odd query — goes on to the app,
unchanged, so every case but the hit keeps the route's behaviour. The hit's answer is built
by the route's own `fetched_response`, and the middlewares outside this one (request log,
metrics, gzip, security headers, body limit) treat it as they treat the route's:
`tests/api/test_fetch_fast.py` compares the two byte for byte.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from promptpro.api.fetch import fetched_response
from promptpro.api.metrics import ROUTE_TEMPLATE_KEY
from promptpro.services.prompt_fetch import Fetched, cached_fetch
from promptpro.services.tokens import cached_token

# The route's path (api/fetch.py's router under the app's /api/v1 prefix), and its
# template as the metrics name it.
PREFIX = "/api/v1/prompts/by-name/"
TEMPLATE = PREFIX + "{name}"
# The route's header limit: a longer If-None-Match is the route's 422.
MAX_IF_NONE_MATCH = 2000
QUERY_KEYS = frozenset({"label", "version", "workspaceId"})


def _whole_number(value: str) -> int | None:
    """A query's number when it is plain ASCII digits without a leading zero (read as
    FastAPI reads it); None for anything else, which the route decides on."""
    if value.isascii() and value.isdigit() and value[0] != "0" and len(value) <= 10:
        return int(value)
    return None


def _query(query_string: bytes) -> dict[str, str] | None:
    """label, version and workspaceId, as Starlette parses a query; None when a name we
    read comes twice (FastAPI would take the last one: leave that to it)."""
    found: dict[str, str] = {}
    if not query_string:
        return found
    for key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if key in QUERY_KEYS:
            if key in found:
                return None
            found[key] = value
    return found


def cached_answer(scope: Scope) -> tuple[Fetched, str | None] | None:
    """The cached answer to this fetch and its If-None-Match; None unless it is a hit."""
    if scope.get("root_path"):
        return None
    authorization = if_none_match = None
    for key, raw in scope["headers"]:
        if key == b"authorization":
            if authorization is not None:
                return None
            authorization = raw.decode("latin-1")
        elif key == b"if-none-match":
            if if_none_match is not None:
                return None
            if_none_match = raw.decode("latin-1")
    if authorization is None or (
        if_none_match is not None and len(if_none_match) > MAX_IF_NONE_MATCH
    ):
        return None
    scheme, _, secret = authorization.partition(" ")  # as deps._bearer_secret reads it
    if scheme.lower() != "bearer":
        return None
    query = _query(scope["query_string"])
    if query is None:
        return None
    version = workspace_id = None
    if "version" in query and (version := _whole_number(query["version"])) is None:
        return None
    if "workspaceId" in query and (workspace_id := _whole_number(query["workspaceId"])) is None:
        return None
    app = scope["app"]
    token = cached_token(secret.strip(), app.state.token_cache)
    if token is None:
        return None
    fetched = cached_fetch(
        app.state.fetch_cache,
        token.user.id,
        token.workspace_id,
        scope["path"][len(PREFIX) :],
        label=query.get("label"),
        version=version,
        workspace_id=workspace_id,
    )
    return None if fetched is None else (fetched, if_none_match)


class FetchFastPath:
    """Answer cache hits of fetch by name; hand every other request to the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and scope["path"].startswith(PREFIX)
            and (hit := cached_answer(scope)) is not None
        ):
            scope[ROUTE_TEMPLATE_KEY] = TEMPLATE  # for the metrics middleware
            await fetched_response(*hit)(scope, receive, send)
            return
        await self.app(scope, receive, send)
