"""`/metrics` for Prometheus, and the middleware that counts requests by route template."""

from __future__ import annotations

import hmac
import time

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from promptpro import metrics
from promptpro.api.problems import problem
from promptpro.config import Settings

router = APIRouter(include_in_schema=False)
UNMATCHED = "unmatched"
# A request answered before routing (api/fetch_fast.py) names its route template here.
ROUTE_TEMPLATE_KEY = "promptpro.route_template"


def _authorised(settings: Settings, authorization: str) -> bool:
    """Open when the settings say so, else only with the metrics token as a bearer token."""
    if settings.metrics_public:
        return True
    token = settings.metrics_token
    scheme, _, given = authorization.partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


@router.get("/metrics")
async def metrics_endpoint(request: Request) -> Response:
    """The process's (or, in multiprocess mode, every worker's) metrics."""
    settings: Settings = request.app.state.settings
    if not _authorised(settings, request.headers.get("authorization", "")):
        if not settings.metrics_token:
            # Closed: as if there were nothing here.
            return problem(404, "Not found.", slug="not-found")
        return problem(
            401,
            "The metrics need `Authorization: Bearer` with PROMPTPRO_METRICS_TOKEN.",
            slug="unauthenticated",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)


def _route_template(scope: Scope) -> str:
    """The matched route's template (`/api/v1/prompts/{prompt_id}`), never the raw path.

    FastAPI leaves the matched route, with its router's prefix, in the request's scope
    (`scope["fastapi"]["effective_route_context"]`; `scope["route"]` lacks the prefix); a
    mounted app (/static) is known by the endpoint it handed the request to.
    """
    named = scope.get(ROUTE_TEMPLATE_KEY)
    if isinstance(named, str):
        return named
    context = scope.get("fastapi", {}).get("effective_route_context")
    path = getattr(context, "path_format", None)
    if isinstance(path, str) and path:
        return path
    endpoint = scope.get("endpoint")
    app = scope.get("app")
    for route in getattr(app, "routes", ()):
        if isinstance(route, Mount) and route.app is endpoint:
            return f"{route.path}/{{path}}"
        if isinstance(route, Route) and route.endpoint is endpoint:
            return route.path_format
    return UNMATCHED


class MetricsMiddleware:
    """Count every HTTP request by method, route template and status, with its duration."""

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
            metrics.request_done(
                scope["method"], _route_template(scope), status, time.perf_counter() - started
            )
