"""`promptpro.client` against a real server: cached, refreshed in the background when stale,
the stale copy or the fallback served when the server stops, and `compile`."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from promptpro.client import MissingVariable, Prompt, PromptNotAvailable, PromptPro
from promptpro.config import Settings
from tests.support.auth import DEFAULT_PASSWORD
from tests.support.live import serve


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def set_up(url: str) -> tuple[httpx.Client, str]:
    """Ada signed in on the live server, and a token of hers."""
    # Generous: registering pays argon2 on a loaded two-core CI machine (httpx's 5 s is not).
    http = httpx.Client(base_url=url, timeout=30)
    body = http.post(
        "/api/v1/auth/register", json={"username": "ada", "password": DEFAULT_PASSWORD}
    ).json()
    http.headers["X-CSRF-Token"] = body["csrfToken"]
    token = http.post("/api/v1/tokens", json={"name": "app"}).json()["token"]
    return http, token


def wait_for(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not check():
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_the_client_caches_refreshes_in_the_background_and_survives_the_server_stopping(
    settings: Settings,
) -> None:
    clock = Clock()
    with serve(settings) as url:
        http, token = set_up(url)
        prompt = http.post(
            "/api/v1/prompts",
            json={"name": "support/triage", "title": "T", "content": "Sort {{ticket}} now."},
        ).json()
        labels = f"/api/v1/prompts/{prompt['id']}/labels/production"
        assert http.put(labels, json={"version": 1}).status_code == 200
        client = PromptPro(url, token, clock=clock)

        first = client.get_prompt("support/triage", cache_ttl=60)
        assert (first.version, first.text, first.is_fallback) == (1, "Sort {{ticket}} now.", False)
        assert first.compile(ticket="#42") == "Sort #42 now."
        with pytest.raises(MissingVariable):
            first.compile()

        # A new production version: the cached copy is served until it is stale…
        http.patch(f"/api/v1/prompts/{prompt['id']}", json={"content": "Triage {{ticket}}."})
        assert http.put(labels, json={"version": 2}).status_code == 200
        assert client.get_prompt("support/triage").version == 1
        # …then served once more while a background refresh fetches the new one.
        clock.now += 61
        assert client.get_prompt("support/triage").version == 1
        wait_for(lambda: client.get_prompt("support/triage").version == 2)
        assert client.get_prompt("support/triage", version=1).text == "Sort {{ticket}} now."
        missing = client.get_prompt("nothing", fallback="Plain {{ticket}}.")
        assert (missing.is_fallback, missing.compile(ticket="x")) == (True, "Plain x.")
        http.close()

    # The server stopped: the copies kept are served however stale, a fallback otherwise.
    clock.now += 3600
    assert client.get_prompt("support/triage").text == "Triage {{ticket}}."
    time.sleep(0.2)  # the background refresh fails quietly
    assert client.get_prompt("support/triage").version == 2
    fallback = client.get_prompt("support/other", fallback=Prompt(name="x", text="fb"))
    assert fallback.text == "fb"
    with pytest.raises(PromptNotAvailable, match="can't be reached"):
        client.get_prompt("support/other")
    client.close()


def test_an_unchanged_prompt_is_revalidated_with_its_etag(settings: Settings) -> None:
    clock = Clock()
    seen: list[tuple[str | None, int]] = []

    class Recording(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = super().handle_request(request)
            seen.append((request.headers.get("if-none-match"), response.status_code))
            return response

    with serve(settings) as url:
        http, token = set_up(url)
        http.post("/api/v1/prompts", json={"name": "p", "title": "T", "content": "c"})
        client = PromptPro(url, token, clock=clock, transport=Recording())
        assert client.get_prompt("p", label="latest").text == "c"
        clock.now += 61
        client.get_prompt("p", label="latest")
        wait_for(lambda: len(seen) == 2)
        assert seen[0] == (None, 200)
        assert seen[1][0] is not None and seen[1][1] == 304
        client.close()
        http.close()
