"""Register, login, logout and the session over HTTP: cookies, rules, rate limits, logs."""

from __future__ import annotations

import logging

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from promptpro.api.problems import PROBLEM_MEDIA_TYPE
from promptpro.db.models import LoginAttempt, PasswordCredential, Session
from promptpro.db.session import SessionFactory
from promptpro.security import passwords
from promptpro.security.tokens import hash_secret
from tests.conftest import AppClientFactory
from tests.support.auth import DEFAULT_PASSWORD, bearer, create_token, login, register

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
LOGOUT = "/api/v1/auth/logout"
SESSION = "/api/v1/auth/session"
COOKIE = "promptpro_session"


async def count(factory: SessionFactory, table: type[object]) -> int:
    async with factory() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(table)) or 0


async def test_register_signs_in_and_returns_the_csrf_token(client: httpx.AsyncClient) -> None:
    response = await client.post(
        REGISTER,
        json={
            "username": "ada",
            "password": DEFAULT_PASSWORD,
            "email": "ada@example.com",
            "firstName": "Ada",
            "lastName": "Lovelace",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["user"]["username"] == "ada"
    assert body["user"]["firstName"] == "Ada"
    assert "password" not in response.text
    assert body["csrfToken"]
    session = await client.get(SESSION)
    assert session.status_code == 200
    assert session.json() == body


async def test_the_session_cookie_is_httponly_lax_and_host_wide(client: httpx.AsyncClient) -> None:
    response = await client.post(REGISTER, json={"username": "ada", "password": DEFAULT_PASSWORD})
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie
    assert "Domain" not in cookie


async def test_over_https_the_cookie_is_secure_with_the_host_prefix(
    app_client: AppClientFactory,
) -> None:
    client = await app_client("https://testserver", https=True)
    response = await client.post(REGISTER, json={"username": "ada", "password": DEFAULT_PASSWORD})
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"__Host-{COOKIE}=")
    assert "Secure" in cookie
    assert "Path=/" in cookie
    client.headers["X-CSRF-Token"] = response.json()["csrfToken"]
    assert (await client.get(SESSION)).status_code == 200
    assert (await client.post(LOGOUT)).status_code == 204
    assert (await client.get(SESSION)).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "ab", "password": DEFAULT_PASSWORD}, "username"),
        ({"username": "a" * 41, "password": DEFAULT_PASSWORD}, "username"),
        ({"username": "ada lovelace", "password": DEFAULT_PASSWORD}, "username"),
        ({"username": "ada/", "password": DEFAULT_PASSWORD}, "username"),
        ({"username": "ada", "password": "short"}, "password"),
        ({"username": "ada", "password": "x" * 1025}, "password"),
        ({"username": "ada", "password": DEFAULT_PASSWORD, "email": "nope"}, "email"),
        ({"username": "ada", "password": DEFAULT_PASSWORD, "admin": True}, "admin"),
    ],
)
async def test_register_validates_its_input(
    client: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    response = await client.post(REGISTER, json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert "set-cookie" not in response.headers


async def test_usernames_allow_letters_digits_dot_underscore_dash(
    client: httpx.AsyncClient,
) -> None:
    for name in ("a.b", "A_1-z", "x" * 40):
        response = await client.post(REGISTER, json={"username": name, "password": "p" * 1024})
        assert response.status_code == 201, response.text


async def test_a_username_is_taken_whatever_its_case(
    client: httpx.AsyncClient, new_client: object
) -> None:
    await register(client, "Ada")
    response = await client.post(REGISTER, json={"username": "aDA", "password": DEFAULT_PASSWORD})
    assert response.status_code == 409
    assert response.json()["errors"] == [
        {"field": "username", "message": "That username is taken."}
    ]


async def test_registration_can_be_turned_off(app_client: AppClientFactory, app: FastAPI) -> None:
    client = await app_client(registration_enabled=False)
    response = await client.post(REGISTER, json={"username": "ada", "password": DEFAULT_PASSWORD})
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/registration-closed"
    assert await count(app.state.session_factory, PasswordCredential) == 0
    providers = await client.get("/api/v1/auth/providers")
    assert providers.json() == {"registration": False, "oidc": None}


async def test_login_starts_a_new_session_and_ends_the_old_one(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await register(client)
    first = client.cookies[COOKIE]
    body = await login(client)
    second = client.cookies[COOKIE]
    assert second != first
    assert body["user"]["username"] == "ada"
    async with app.state.session_factory() as session:
        sids = set(await session.scalars(sa.select(Session.sid)))
    assert sids == {hash_secret(second)}
    assert (await client.get("/api/v1/me")).status_code == 200


async def test_a_planted_session_id_is_not_adopted_at_login(client: httpx.AsyncClient) -> None:
    await register(client)
    client.cookies.clear()
    response = await client.post(
        LOGIN,
        json={"username": "ada", "password": DEFAULT_PASSWORD},
        headers={"Cookie": f"{COOKIE}=chosen-by-an-attacker"},
    )
    assert response.status_code == 200
    assert response.cookies[COOKIE] != "chosen-by-an-attacker"


async def test_logout_deletes_the_session_row(client: httpx.AsyncClient, app: FastAPI) -> None:
    await register(client)
    old = client.cookies[COOKIE]
    response = await client.post(LOGOUT)
    assert response.status_code == 204
    assert await count(app.state.session_factory, Session) == 0
    client.cookies[COOKIE] = old  # replaying the old cookie gets nowhere
    assert (await client.get(SESSION)).status_code == 401
    assert (await client.get("/api/v1/me")).status_code == 401
    assert (await client.post(LOGOUT)).status_code == 204


async def test_not_signed_in_is_a_401_problem_asking_for_a_bearer(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(SESSION)
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["type"] == "/problems/unauthenticated"
    me = await client.get("/api/v1/me")
    assert me.status_code == 401
    assert me.headers["www-authenticate"] == "Bearer"


async def test_a_session_made_by_one_worker_is_valid_in_another(
    app_client: AppClientFactory,
) -> None:
    one, two = await app_client(), await app_client()
    await register(one)
    two.cookies[COOKIE] = one.cookies[COOKIE]
    two.headers["X-CSRF-Token"] = one.headers["X-CSRF-Token"]
    assert (await two.get("/api/v1/me")).json()["username"] == "ada"
    assert (await two.post(LOGOUT)).status_code == 204
    assert (await one.get("/api/v1/me")).status_code == 401


async def test_a_failed_login_says_the_same_whether_the_user_exists_or_not(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await register(client)
    client.cookies.clear()
    checks: list[str | None] = []
    real_verify = passwords.verify_password

    def spy(password_hash: str | None, password: str) -> bool:
        checks.append(password_hash)
        return real_verify(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", spy)
    wrong = await client.post(LOGIN, json={"username": "ada", "password": "not it at all"})
    unknown = await client.post(LOGIN, json={"username": "nobody", "password": "not it at all"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["detail"] == "Wrong username or password."
    # Both were checked by argon2 (the unknown user against the dummy hash): equal cost.
    assert len(checks) == 2 and checks[1] is None
    assert "set-cookie" not in wrong.headers


async def test_login_takes_json_only(client: httpx.AsyncClient) -> None:
    # A cross-site form can post text/plain without a preflight; that must not sign in.
    await register(client)
    client.cookies.clear()
    body = '{"username": "ada", "password": "correct horse battery"}'
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {"content-type": content_type} if content_type else {}
        response = await client.post(LOGIN, content=body, headers=headers)
        assert response.status_code == 422
        assert "set-cookie" not in response.headers


async def test_failed_logins_are_rate_limited_across_workers(
    app_client: AppClientFactory, app: FastAPI
) -> None:
    one, two = await app_client(), await app_client()
    await register(one)
    for client in (one, two, one, two, one):
        response = await client.post(LOGIN, json={"username": "ada", "password": "wrong-password"})
        assert response.status_code == 401
    limited = await two.post(LOGIN, json={"username": "ada", "password": DEFAULT_PASSWORD})
    assert limited.status_code == 429
    assert limited.json()["type"] == "/problems/rate-limited"
    assert 0 < int(limited.headers["retry-after"]) <= 15 * 60
    assert "set-cookie" not in limited.headers
    # Pair, username and address keys for each failure, and the registration.
    assert await count(app.state.session_factory, LoginAttempt) == 3 * 5 + 1


async def test_failures_per_address_are_limited_too(app_client: AppClientFactory) -> None:
    client = await app_client(login_failures_per_address=3)
    for name in ("a", "b", "c"):
        response = await client.post(LOGIN, json={"username": name, "password": "wrong-password"})
        assert response.status_code == 401
    limited = await client.post(LOGIN, json={"username": "d", "password": "wrong-password"})
    assert limited.status_code == 429
    assert "retry-after" in limited.headers


async def test_a_successful_login_clears_the_username_count(client: httpx.AsyncClient) -> None:
    await register(client)
    for _ in range(2):
        for _ in range(4):
            wrong = await client.post(LOGIN, json={"username": "ada", "password": "wrong-pass"})
            assert wrong.status_code == 401
        await login(client)


async def test_the_providers_say_how_to_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/auth/providers")
    assert response.json() == {"registration": True, "oidc": None}


async def test_no_secret_reaches_the_logs(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    # Everything at the level a server runs at, and all of our own loggers' debug lines.
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="promptpro")
    password = "a very secret passphrase"
    body = await register(client, "ada", password)
    cookie = client.cookies[COOKIE]
    await client.post(LOGIN, json={"username": "ada", "password": "wrong and secret"})
    body = await login(client, "ada", password)
    token = await create_token(client)
    assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 200
    await client.post(
        "/api/v1/me/password",
        json={"currentPassword": password, "newPassword": "another secret phrase"},
    )
    await client.post(LOGOUT)
    logged = caplog.text
    assert "POST /api/v1/auth/login 200" in logged  # the access log did run
    for secret in (
        password,
        "wrong and secret",
        "another secret phrase",
        cookie,
        body["csrfToken"],
        token,
        token.removeprefix("pp_"),
    ):
        assert secret not in logged
