"""One app's routes, built once per test process instead of once per app.

FastAPI (0.165) builds each route's request handling lazily, per app, the first time the
router matches against it: a new app's first request costs 150-450 ms (a 404 walks every
route). Every test makes a new app (`create_app`), so the suite paid that some 5,000 times.
The built context depends only on the route (a module-level object, shared by every app of
the process) and on how its router was included, which `create_app` does the same way each
time; so a test process builds it once. PromptPro sets no `dependency_overrides`, the one
thing a context takes from the app it was built for.

Tests only: a server makes its app once.
"""

from __future__ import annotations

from typing import Any

from fastapi import routing

_built: dict[tuple[int, str], Any] = {}


def share_route_contexts() -> None:
    """Cache `_EffectiveRouteContext.from_api_route` per (route, path) in this process;
    nothing happens if FastAPI no longer has it (the suite is then only slower)."""
    context_class = getattr(routing, "_EffectiveRouteContext", None)
    original = getattr(context_class, "from_api_route", None)
    if context_class is None or original is None or getattr(original, "shared", False):
        return

    def from_api_route(*, original_route: Any, include_context: Any) -> Any:
        key = (id(original_route), include_context.path_for(original_route))
        built = _built.get(key)
        if built is None or built.original_route is not original_route:
            built = original(original_route=original_route, include_context=include_context)
            _built[key] = built
        return built

    from_api_route.shared = True  # type: ignore[attr-defined]
    context_class.from_api_route = staticmethod(from_api_route)
