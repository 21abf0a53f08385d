"""OpenID Connect end to end against a real provider (oidc-provider-mock) on loopback."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from promptpro.db.models import OidcIdentity, Session, User
from tests.conftest import AppClientFactory
from tests.support.auth import register

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # it imports authlib.jose
    from oidc_provider_mock import run_server_in_thread

# The provider (in its thread) uses Authlib APIs that Authlib itself deprecates.
pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning:authlib.oidc.core.grants._legacy"
)

LOGIN = "/auth/oidc/login"
CALLBACK = "/auth/oidc/callback"


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    """A real OpenID Connect provider on a free loopback port, in a thread."""
    with run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
async def client(app_client: AppClientFactory, issuer: str) -> httpx.AsyncClient:
    return await app_client(
        oidc_issuer=issuer,
        oidc_client_id="promptpro",
        oidc_client_secret="client-secret",
        oidc_name="Mock ID",
    )


def _with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query)) | changes
    return urlunsplit(parts._replace(query=urlencode(query)))


async def _set_claims(issuer: str, sub: str, claims: Mapping[str, object]) -> None:
    async with httpx.AsyncClient() as provider:
        response = await provider.put(f"{issuer}/users/{sub}", json=claims)
        assert response.status_code == 204


async def _begin(client: httpx.AsyncClient) -> str:
    """Start signing in; the provider's authorization URL."""
    response = await client.get(LOGIN)
    assert response.status_code == 302, response.text
    return response.headers["location"]


async def _authorize(authorization_url: str, sub: str) -> str:
    """Sign in at the provider as `sub`; the callback URL it sends the browser to."""
    async with httpx.AsyncClient() as browser:
        response = await browser.post(authorization_url, data={"sub": sub})
    assert response.status_code == 302, response.text
    return response.headers["location"]


async def _callback(client: httpx.AsyncClient, url: str) -> httpx.Response:
    parts = urlsplit(url)
    assert parts.path == CALLBACK
    return await client.get(f"{parts.path}?{parts.query}")


async def _user_sessions(client: httpx.AsyncClient) -> int:
    app: FastAPI = client._transport.app  # type: ignore[attr-defined]
    async with app.state.session_factory() as session:
        query = sa.select(sa.func.count()).select_from(Session).where(Session.user_id.is_not(None))
        return await session.scalar(query) or 0


async def _count(client: httpx.AsyncClient, model: type[object]) -> int:
    app: FastAPI = client._transport.app  # type: ignore[attr-defined]
    async with app.state.session_factory() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


async def test_sign_in_creates_the_user_and_a_session(
    client: httpx.AsyncClient, issuer: str
) -> None:
    claims = {
        "preferred_username": "ada",
        "email": "ada@example.com",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "picture": "https://example.com/ada.png",
    }
    await _set_claims(issuer, "replit-1", claims)
    authorization_url = await _begin(client)
    query = dict(parse_qsl(urlsplit(authorization_url).query))
    assert query["code_challenge_method"] == "S256"
    assert query["code_challenge"] and query["nonce"] and query["state"]
    assert query["redirect_uri"] == "http://testserver/auth/oidc/callback"
    pending_cookie = client.cookies["promptpro_session"]
    response = await _callback(client, await _authorize(authorization_url, "replit-1"))
    assert response.status_code == 302, response.text
    assert response.headers["location"] == "/"
    assert client.cookies["promptpro_session"] != pending_cookie  # a fresh session id
    session = await client.get("/api/v1/auth/session")
    assert session.status_code == 200
    user = session.json()["user"]
    assert user["id"] == "replit-1"
    assert (user["username"], user["email"]) == ("ada", "ada@example.com")
    assert (user["firstName"], user["lastName"]) == ("Ada", "Lovelace")
    assert user["profileImageUrl"] == "https://example.com/ada.png"
    assert await _count(client, Session) == 1  # the pending sign-in's row is gone


async def test_signing_in_again_is_the_same_user_and_a_taken_name_gets_digits(
    client: httpx.AsyncClient, issuer: str
) -> None:
    await register(client, "grace")
    client.cookies.clear()
    await _set_claims(issuer, "sub-grace", {"preferred_username": "Grace", "given_name": "G"})
    for given_name in ("G", "Grace"):
        await _set_claims(
            issuer, "sub-grace", {"preferred_username": "Grace", "given_name": given_name}
        )
        response = await _callback(client, await _authorize(await _begin(client), "sub-grace"))
        assert response.status_code == 302
    user = (await client.get("/api/v1/me")).json()
    assert (user["id"], user["username"], user["firstName"]) == ("sub-grace", "Grace2", "Grace")
    assert await _count(client, User) == 2
    assert await _count(client, OidcIdentity) == 1


async def test_a_tampered_state_is_refused(client: httpx.AsyncClient, issuer: str) -> None:
    callback_url = await _authorize(await _begin(client), "mallory")
    response = await _callback(client, _with_query(callback_url, state="forged"))
    assert response.status_code == 400
    assert response.json()["type"] == "/problems/sign-in-failed"
    assert "state" in response.json()["detail"]
    assert await _user_sessions(client) == 0
    assert await _count(client, User) == 0
    # The pending sign-in is used up: the genuine callback can't be replayed after that.
    assert (await _callback(client, callback_url)).status_code == 400


async def test_a_wrong_nonce_is_refused(client: httpx.AsyncClient, issuer: str) -> None:
    authorization_url = _with_query(await _begin(client), nonce="not-the-one-we-sent")
    response = await _callback(client, await _authorize(authorization_url, "mallory"))
    assert response.status_code == 400
    assert response.json()["type"] == "/problems/sign-in-failed"
    assert await _user_sessions(client) == 0
    assert await _count(client, User) == 0


async def test_a_callback_without_a_pending_sign_in_is_refused(
    client: httpx.AsyncClient, issuer: str
) -> None:
    callback_url = await _authorize(await _begin(client), "mallory")
    client.cookies.clear()  # another browser: the victim of a login-CSRF attempt
    response = await _callback(client, callback_url)
    assert response.status_code == 400
    assert await _count(client, User) == 0


async def test_the_provider_saying_no_is_a_clear_400(client: httpx.AsyncClient) -> None:
    query = dict(parse_qsl(urlsplit(await _begin(client)).query))
    response = await client.get(
        CALLBACK, params={"state": query["state"], "error": "access_denied"}
    )
    assert response.status_code == 400
    assert "access_denied" in response.json()["detail"]


async def test_a_browser_whose_sign_in_fails_is_shown_why_on_the_sign_in_page(
    client: httpx.AsyncClient, issuer: str
) -> None:
    callback_url = await _authorize(await _begin(client), "mallory")
    parts = urlsplit(_with_query(callback_url, state="forged"))
    response = await client.get(
        f"{parts.path}?{parts.query}", headers={"Accept": "text/html,application/xhtml+xml"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login?sign_in_failed=state"
    assert "promptpro_session" not in client.cookies  # the pending sign-in is over

    page = await client.get(response.headers["location"])
    assert page.status_code == 200
    assert "not the one this browser started" in page.text
    assert await _count(client, User) == 0


async def test_the_sign_in_page_ignores_a_reason_it_does_not_know(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/login?sign_in_failed=<script>alert(1)</script>")
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text
    assert 'role="alert"' not in page.text


async def test_the_providers_endpoint_offers_oidc(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/auth/providers")
    assert response.json() == {
        "registration": True,
        "oidc": {"name": "Mock ID", "loginUrl": LOGIN},
    }


async def test_without_configuration_the_endpoints_are_404(
    app_client: AppClientFactory,
) -> None:
    client = await app_client()
    assert (await client.get(LOGIN)).status_code == 404
    assert (await client.get(CALLBACK, params={"state": "x", "code": "y"})).status_code == 404


async def test_an_unreachable_provider_is_a_503_not_a_crash(app_client: AppClientFactory) -> None:
    client = await app_client(oidc_issuer="http://127.0.0.1:9", oidc_client_id="promptpro")
    response = await client.get(LOGIN)
    assert response.status_code == 503
    assert "set-cookie" not in response.headers


async def test_the_redirect_uri_is_the_public_url_whatever_the_host_header(
    app_client: AppClientFactory, issuer: str
) -> None:
    client = await app_client(
        oidc_issuer=issuer, oidc_client_id="promptpro", public_url="https://prompts.example.com"
    )
    response = await client.get(LOGIN, headers={"Host": "evil.example"})
    assert response.status_code == 302
    query = dict(parse_qsl(urlsplit(response.headers["location"]).query))
    assert query["redirect_uri"] == "https://prompts.example.com/auth/oidc/callback"


async def test_starting_a_sign_in_keeps_the_session_of_someone_signed_in(
    client: httpx.AsyncClient, issuer: str
) -> None:
    await register(client, "grace")
    cookie = client.cookies["promptpro_session"]
    # A link from another site starts a sign-in: nobody is signed out by it.
    authorization_url = await _begin(client)
    assert client.cookies["promptpro_session"] == cookie
    assert (await client.get("/api/v1/auth/session")).json()["user"]["username"] == "grace"
    # A failed callback leaves them signed in as before...
    callback_url = await _authorize(authorization_url, "sub-x")
    refused = await _callback(client, _with_query(callback_url, state="forged"))
    assert refused.status_code == 400
    assert (await client.get("/api/v1/auth/session")).json()["user"]["username"] == "grace"
    # ...and a successful one signs in with a new session id.
    await _set_claims(issuer, "sub-x", {"preferred_username": "xavier"})
    response = await _callback(client, await _authorize(await _begin(client), "sub-x"))
    assert response.status_code == 302
    assert client.cookies["promptpro_session"] != cookie
    assert (await client.get("/api/v1/auth/session")).json()["user"]["username"] == "xavier"
    assert await _user_sessions(client) == 1
