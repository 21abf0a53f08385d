"""Errors as pages for people, problems for programs; never a stack trace."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from promptpro.api.problems import PROBLEM_MEDIA_TYPE
from tests.web.conftest import BROWSER_HEADERS, Browser, text_of


async def test_an_unknown_address_is_a_styled_404_page(browser: Browser) -> None:
    response = await browser.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert 'data-testid="error-page"' in response.text
    assert response.text.count("<h1") == 1
    assert 'href="/prompts"' in response.text
    assert "/static/" in response.text  # styled


async def test_programs_still_get_problems(client: httpx.AsyncClient) -> None:
    for path in ("/no/such/page", "/api/v1/prompts/1"):
        response = await client.get(path)
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE, path
    response = await client.get("/api/v1/nope", headers=BROWSER_HEADERS)
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE


async def test_page_routes_answer_html_whatever_the_client_accepts(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/prompts/999999")
    assert response.status_code == 303  # to sign in, not a 401 problem
    assert response.headers["location"] == "/login?next=/prompts/999999"


async def test_non_numeric_ids_are_not_found(ada_browser: Browser) -> None:
    for path in ("/prompts/abc", "/prompts/1.5/edit", "/prompts/-1", "/categories/x/delete"):
        response = await ada_browser.get(path)
        assert response.status_code in (404, 405), path
        assert 'data-testid="error-page"' in response.text
    huge = await ada_browser.get("/prompts/99999999999999999999999")
    assert huge.status_code == 404


async def test_a_wrong_method_is_a_page_too(browser: Browser) -> None:
    response = await browser.client.delete("/login")
    assert response.status_code == 405
    assert 'data-testid="error-page"' in response.text


async def test_a_crash_is_a_500_page_without_details(app: FastAPI) -> None:
    @app.get("/prompts/crash/now")
    async def crash() -> None:
        raise RuntimeError("secret internals sk-123")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=BROWSER_HEADERS
    ) as raw:
        response = await raw.get("/prompts/crash/now")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "sk-123" not in response.text and "Traceback" not in response.text
    assert "Something went wrong" in text_of(response.text)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_an_over_large_form_is_refused_not_a_500(ada_browser: Browser) -> None:
    response = await ada_browser.post("/prompts/new", {"title": "t", "content": "x" * 2_000_000})
    assert response.status_code == 413


async def test_a_signed_in_users_404_page_has_the_normal_menu(ada_browser: Browser) -> None:
    for path in ("/no/such/page", "/prompts/999999"):
        response = await ada_browser.get(path)
        assert response.status_code == 404, path
        assert 'aria-label="Main"' in response.text, path
        assert 'data-testid="sign-out"' in response.text, path
        assert f'name="csrf_token" value="{ada_browser.csrf}"' in response.text, path
        assert 'href="/login"' not in response.text, path  # already signed in


async def test_a_404_page_for_nobody_signed_in_offers_to_sign_in(browser: Browser) -> None:
    response = await browser.get("/no/such/page")
    assert response.status_code == 404
    assert 'aria-label="Main"' not in response.text
    assert 'href="/login"' in response.text
