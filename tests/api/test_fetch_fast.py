"""The fetch fast path (`api/fetch_fast.py`) answers exactly as the route does.

Every request goes to the app twice, first through the ordinary middleware stack without
the fast path (which warms the caches), then through the app as served: status, raw
headers and body must be the same, and the fast path must have answered the cache hits
itself (and nothing else). Both stacks share one app, so one set of caches.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY
from starlette.types import Receive, Scope, Send

from promptpro.api import fetch_fast
from promptpro.api.fetch_fast import FetchFastPath
from promptpro.db.models import User
from promptpro.db.types import utcnow
from promptpro.security.tokens import hash_secret
from promptpro.services.tokens import TokenCache, cached_token
from promptpro.storage.access_tokens import TokenUser
from tests.conftest import ClientFactory
from tests.support.auth import bearer, create_token

PROMPTS = "/api/v1/prompts"
BY_NAME = f"{PROMPTS}/by-name"
TEMPLATE = f"{BY_NAME}/{{name}}"


@dataclass
class Pair:
    """The app without the fast path and as served, and what the fast path answered."""

    normal: httpx.AsyncClient
    fast: httpx.AsyncClient
    answered: list[bool]

    async def same(self, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
        """GET `path` on both; assert they agree; the answer (as served)."""
        expected = await self.normal.get(path, headers=headers)
        self.answered.clear()
        got = await self.fast.get(path, headers=headers)
        assert got.status_code == expected.status_code, got.text
        assert got.headers.raw == expected.headers.raw
        assert got.content == expected.content
        return got

    async def hit(self, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
        """As `same`, and the fast path answered it."""
        got = await self.same(path, headers)
        assert self.answered == [True], f"the fast path did not answer {path}"
        return got

    async def miss(self, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
        """As `same`, and the fast path left it to the route."""
        got = await self.same(path, headers)
        assert self.answered in ([], [False]), f"the fast path answered {path}"
        return got


@pytest.fixture
async def pair(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch, new_client: ClientFactory
) -> AsyncIterator[Pair]:
    served = app.user_middleware
    app.user_middleware = [m for m in served if m.cls is not FetchFastPath]  # type: ignore[comparison-overlap]
    stack = app.build_middleware_stack()
    app.user_middleware = served

    async def normal_app(scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = app  # as Starlette.__call__ sets it
        await stack(scope, receive, send)

    answered: list[bool] = []
    answer = fetch_fast.cached_answer

    def spy(scope: Scope) -> Any:
        found = answer(scope)
        answered.append(found is not None)
        return found

    monkeypatch.setattr(fetch_fast, "cached_answer", spy)
    transport = httpx.ASGITransport(app=normal_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as normal:
        yield Pair(normal, await new_client(), answered)


async def make(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    made = await client.post(PROMPTS, json=body)
    assert made.status_code == 201, made.text
    result: dict[str, Any] = made.json()
    return result


def requests_counted(status: str) -> float:
    labels = {"method": "GET", "route": TEMPLATE, "status": status}
    return REGISTRY.get_sample_value("promptpro_http_requests_total", labels) or 0.0


async def test_the_fast_path_answers_cache_hits_as_the_route_does_and_leaves_the_rest(
    ada: httpx.AsyncClient,
    bob: httpx.AsyncClient,
    pair: Pair,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tone = await make(ada, name="shared/tone", title="Tone", content="Be kind.")
    prompt = await make(ada, name="support/triage", title="T", content="{{> shared/tone}} {{x}}")
    await ada.patch(f"{PROMPTS}/{prompt['id']}", json={"content": "Version two " * 200})
    await ada.put(f"{PROMPTS}/{prompt['id']}/labels/production", json={"version": 1})
    await ada.put(f"{PROMPTS}/{tone['id']}/labels/production", json={"version": 1})
    token = bearer(await create_token(ada))
    made = await ada.post("/api/v1/tokens", json={"name": "reader", "readOnly": True})
    read_only = bearer(made.json()["token"])
    url = f"{BY_NAME}/support/triage"

    first = await pair.hit(url, token)
    assert first.status_code == 200 and first.json()["text"] == "Be kind. {{x}}"
    etag = first.headers["etag"]
    assert (await pair.hit(url, {**token, "If-None-Match": etag})).status_code == 304
    assert (await pair.hit(url, {**token, "If-None-Match": f'"x", W/{etag}'})).status_code == 304
    assert (await pair.hit(f"{url}?label=latest", token)).json()["version"] == 2
    assert (await pair.hit(f"{url}?version=2", token)).json()["version"] == 2
    # A body past gzip's threshold, compressed by the same middleware either way.
    for encoding in ("gzip", "identity"):
        big = await pair.hit(f"{url}?version=2", {**token, "Accept-Encoding": encoding})
        assert ("content-encoding" in big.headers) == (encoding == "gzip")
    assert (await pair.hit(url, read_only)).status_code == 200
    workspace = first.json()["workspaceId"]
    assert (await pair.hit(f"{url}?workspaceId={workspace}", token)).status_code == 200

    # Left to the route: errors, misses, other ways in, queries it reads otherwise.
    assert (await pair.miss(f"{BY_NAME}/support/nothing", token)).status_code == 404
    assert (await pair.miss(url, bearer("pp_unknown"))).status_code == 401
    assert (await pair.miss(url, {"Authorization": "Basic eDp5"})).status_code == 401
    assert (await pair.miss(url, {"Authorization": "Bearer "})).status_code == 401
    assert (await pair.miss(f"{url}?label=Bad!", token)).status_code == 422
    assert (await pair.miss(f"{url}?version=0", token)).status_code == 422
    assert (await pair.miss(f"{url}?version=1&label=production", token)).status_code == 422
    assert (await pair.miss(f"{url}?version=1&label=", token)).status_code == 422
    assert (await pair.miss(f"{url}?version=01", token)).json()["version"] == 1
    assert (await pair.miss(f"{url}?label=latest&label=production", token)).status_code == 200
    assert (await pair.miss(url, {**token, "If-None-Match": "x" * 2001})).status_code == 422
    assert (await pair.miss(url)).status_code == 401
    bobs_token = bearer(await create_token(bob))
    foreign = await pair.miss(f"{url}?workspaceId={workspace}", bobs_token)
    assert foreign.status_code == 404
    assert (await pair.miss(url, bobs_token)).status_code == 404

    # A label moved: a new body and ETag at once, and a hit again after that.
    await ada.put(f"{PROMPTS}/{prompt['id']}/labels/production", json={"version": 2})
    moved = await pair.same(url, {**token, "If-None-Match": etag})  # the route reloads it
    assert moved.status_code == 200 and moved.headers["etag"] != etag
    assert (await pair.hit(url, token)).json()["version"] == 2

    # The request log and the metrics count a hit as they count the route's answer.
    before = requests_counted("200")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="promptpro.access"):
        await pair.hit(url, token)
    lines = [re.sub(r" [\d.]+ms$", "", r.getMessage()) for r in caplog.records]
    assert lines == [f"GET {url} 200"] * 2
    assert requests_counted("200") - before == 2

    # A revoked token is refused at once, by the route.
    tokens = (await ada.get("/api/v1/tokens")).json()
    for listed in tokens:
        assert (await ada.delete(f"/api/v1/tokens/{listed['id']}")).status_code == 204
    assert (await pair.miss(url, token)).status_code == 401
    assert (await pair.miss(url, read_only)).status_code == 401


async def test_a_token_limited_to_a_workspace_fetches_from_it_and_sees_no_other(
    ada: httpx.AsyncClient, pair: Pair
) -> None:
    team = (await ada.post("/api/v1/workspaces", json={"name": "Team"})).json()["id"]
    await make(ada, name="p", title="Mine", content="personal")
    await make(ada, name="p", title="Team's", content="team", workspaceId=team)
    unlimited = bearer(await create_token(ada))
    made = await ada.post("/api/v1/tokens", json={"name": "team", "workspaceId": team})
    limited = bearer(made.json()["token"])
    # The user's personal workspace and role there are cached by the unlimited token first.
    personal = (await pair.hit(f"{BY_NAME}/p?label=latest", unlimited)).json()
    assert personal["text"] == "personal"

    assert (await pair.hit(f"{BY_NAME}/p?label=latest", limited)).json()["text"] == "team"
    url = f"{BY_NAME}/p?label=latest&workspaceId={personal['workspaceId']}"
    assert (await pair.miss(url, limited)).status_code == 404
    assert (await pair.hit(url, unlimited)).json()["text"] == "personal"


def entry(**changes: Any) -> TokenUser:
    user = User(id="u1", username="ada", disabled=False)
    fields: dict[str, Any] = {
        "token_id": 1,
        "expires_at": None,
        "last_used_at": utcnow(),
        "user": user,
        **changes,
    }
    return TokenUser(**fields)


@pytest.mark.parametrize(
    ("changes", "hit"),
    [
        ({}, True),
        ({"read_only": True, "workspace_id": 3}, True),
        ({"expires_at": utcnow() + timedelta(days=1)}, True),
        ({"expires_at": utcnow() - timedelta(seconds=1)}, False),  # the route's 401
        ({"user": User(id="u1", username="ada", disabled=True)}, False),  # the route's 401
        ({"last_used_at": None}, False),  # a use to record
        ({"last_used_at": utcnow() - timedelta(minutes=2)}, False),
    ],
)
def test_a_cached_token_is_trusted_only_when_the_route_would_need_nothing_else(
    changes: dict[str, Any], hit: bool
) -> None:
    cache = TokenCache()
    secret = "pp_" + "s" * 43
    cache.put(hash_secret(secret), entry(**changes))
    assert (cached_token(secret, cache) is not None) is hit
    assert cached_token("pp_other", cache) is None
    assert cached_token("not-a-token", cache) is None
