"""The API docs work with no internet: Swagger UI and ReDoc come from the app itself, under
a Content-Security-Policy that a CDN or a stray inline script would break (the watch fails
the test on any console error or failed request)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Watch

pytestmark = pytest.mark.browser
# ReDoc's menu footer always shows Redocly's logo from their CDN; the page's policy blocks
# it before any request leaves (ReDoc then drops the image), which the browser reports.
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def test_swagger_ui_shows_the_api_offline(page: Page) -> None:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("PromptPro")
    expect(page.get_by_text("/api/v1/prompts/{prompt_id}/run").first).to_be_visible()
    base = page.url.removesuffix("/docs")
    assert all(url.startswith(base) for url in seen), seen


def test_redoc_shows_the_api_offline(page: Page, watch: Watch) -> None:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.goto("/redoc")
    expect(page.get_by_role("heading", level=1).first).to_contain_text("PromptPro")
    expect(page.get_by_text("/api/v1/prompts/{prompt_id}/run").first).to_be_attached()
    base = page.url.removesuffix("/redoc")
    assert all(url.startswith((base, "blob:")) for url in seen if url != REDOCLY_LOGO), seen
    blocked = [problem for problem in watch.problems if REDOCLY_LOGO in problem]
    assert blocked == [problem for problem in watch.problems if "cdn" in problem]
    assert all("Content Security Policy" in p or p.endswith(": csp") for p in blocked), blocked
    watch.problems = [problem for problem in watch.problems if problem not in blocked]
