"""Security headers on every response, and static files served versioned and cached."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
import pytest

from promptpro.web.static import IMMUTABLE, REVALIDATE, static_url, static_version
from tests.conftest import AppClientFactory
from tests.web.conftest import Browser


def directives(policy: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return {name: value for name, value in parts}


@pytest.mark.parametrize("path", ["/login", "/register", "/no/such/page", "/healthz"])
async def test_pages_and_the_api_carry_the_security_headers(browser: Browser, path: str) -> None:
    response = await browser.get(path)
    policy = directives(response.headers["content-security-policy"])
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert "unsafe-eval" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"


async def test_signed_in_pages_carry_them_too(ada_browser: Browser) -> None:
    for path in ("/prompts", "/settings/keys", "/prompts/new"):
        response = await ada_browser.get(path)
        assert response.status_code == 200
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_pages_have_no_inline_script_or_style(ada_browser: Browser) -> None:
    for path in ("/prompts", "/prompts/new", "/categories", "/settings", "/compare", "/login"):
        page = (await ada_browser.get(path)).text
        for tag in re.findall(r"<script\b[^>]*>", page):
            # Modules from /static, or inert JSON data blocks: nothing the CSP would refuse.
            assert 'src="/static/' in tag or 'type="application/json"' in tag, tag
        assert " style=" not in page
        assert not re.search(r"\son[a-z]+=", page)  # no inline event handlers


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_the_api_docs_load_their_assets_from_the_app_under_a_policy_without_cdn(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assets = re.findall(r'(?:href|src)="([^"]+)"', response.text)
    assert assets and all(asset.startswith("/docs-assets/") for asset in assets), assets
    for asset in assets:
        fetched = await client.get(asset)
        assert fetched.status_code == 200, asset
        assert len(fetched.content) > 1000 or asset.endswith(".png")
    header = response.headers["content-security-policy"]
    assert "http" not in header and "cdn" not in header
    policy = directives(header)
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy["script-src"]
    assert "unsafe-eval" not in policy["script-src"]
    # Each inline script is allowed by its hash, and nothing else is inline.
    inline = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    expected = {
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in inline
    }
    assert set(policy["script-src"].split()) == {"'self'", *expected}
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_static_urls_carry_the_content_hash_and_are_cached_for_a_year(
    browser: Browser,
) -> None:
    page = (await browser.get("/login")).text
    urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert urls and all(f"/static/{static_version()}/" in url for url in urls)
    for url in urls:
        response = await browser.get(url)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == IMMUTABLE


async def test_static_files_have_the_right_types(browser: Browser) -> None:
    css = await browser.get(static_url("css/base.css"))
    js = await browser.get(static_url("js/run.js"))
    assert css.headers["content-type"].startswith("text/css")
    assert "javascript" in js.headers["content-type"]


async def test_an_old_version_is_served_but_not_cached_forever(browser: Browser) -> None:
    response = await browser.get("/static/0123456789ab/css/base.css")
    assert response.status_code == 200
    assert response.headers["cache-control"] == REVALIDATE


async def test_a_missing_static_file_is_a_404(browser: Browser) -> None:
    response = await browser.get(static_url("css/nope.css"))
    assert response.status_code == 404


async def test_static_files_can_not_be_read_from_outside_the_directory(browser: Browser) -> None:
    response = await browser.get(f"/static/{static_version()}/../templating.py")
    assert response.status_code == 404
    assert "import" not in response.text


async def test_over_https_every_response_asks_for_https_from_now_on(
    app_client: AppClientFactory, client: httpx.AsyncClient
) -> None:
    secure = await app_client(base_url="https://testserver", https=True)
    for path in ("/login", "/healthz", "/api/v1/me", "/no/such/page", "/docs"):
        response = await secure.get(path)
        assert response.headers["strict-transport-security"] == "max-age=63072000", path
    # Over plain http it would mean nothing (and pin a site that may never have https).
    assert "strict-transport-security" not in (await client.get("/login")).headers
