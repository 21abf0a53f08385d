"""Signing in, registering and signing out in the pages."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from tests.conftest import AppClientFactory
from tests.support.auth import DEFAULT_PASSWORD
from tests.web.conftest import BROWSER_HEADERS, Browser, field_error, hidden, text_of


async def test_a_fresh_visit_leads_to_creating_an_account(browser: Browser) -> None:
    response = await browser.get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/register"
    page = await browser.get("/register")
    assert page.status_code == 200
    assert page.text.count("<h1") == 1
    assert 'action="/register"' in page.text
    assert 'href="/login"' in page.text


async def test_the_sign_in_page_links_to_registration(browser: Browser) -> None:
    page = (await browser.get("/login")).text
    assert 'href="/register"' in page
    assert "Sign in with" not in page  # no OIDC configured


async def test_registering_signs_in_and_opens_the_library(browser: Browser) -> None:
    response = await browser.sign_up("ada")
    assert response.headers["location"] == "/prompts"
    home = await browser.get("/")
    assert home.headers["location"] == "/prompts"
    library = await browser.get("/prompts")
    assert "Your library is empty" in text_of(library.text)


async def test_register_errors_show_next_to_their_field_keeping_the_input(
    browser: Browser,
) -> None:
    form = await browser.get("/register")
    response = await browser.client.post(
        "/register",
        data={
            "csrf_token": hidden(form.text, "csrf_token"),
            "username": "a!",
            "password": "short",
            "email": "not-an-email",
            "firstName": "Ada",
        },
    )
    assert response.status_code == 422
    assert field_error(response.text, "username")
    assert field_error(response.text, "password") == "String should have at least 8 characters"
    assert field_error(response.text, "email")
    assert field_error(response.text, "firstName") is None
    assert 'value="a!"' in response.text and 'value="Ada"' in response.text
    assert "short" not in response.text  # a password is never sent back


async def test_a_taken_username_is_named(browser: Browser, bob_browser: Browser) -> None:
    form = await browser.get("/register")
    response = await browser.client.post(
        "/register",
        data={
            "csrf_token": hidden(form.text, "csrf_token"),
            "username": "BOB",
            "password": "x" * 9,
        },
    )
    assert response.status_code == 409
    assert field_error(response.text, "username")


async def test_a_sign_in_form_without_its_token_is_refused(browser: Browser) -> None:
    await browser.sign_up("ada")
    await browser.client.post("/logout", data={"csrf_token": browser.csrf})
    response = await browser.client.post(
        "/login", data={"username": "ada", "password": DEFAULT_PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 400
    assert "expired" in text_of(response.text)
    assert (await browser.get("/prompts")).status_code == 303  # still signed out


async def test_another_site_can_not_sign_a_browser_in(app: FastAPI, browser: Browser) -> None:
    await browser.sign_up("ada")
    # A cross-site form post carries no SameSite=Strict cookie, so no form token.
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as victim:
        response = await victim.post(
            "/login", data={"username": "ada", "password": DEFAULT_PASSWORD, "csrf_token": ""}
        )
        assert response.status_code == 400
        assert "promptpro_session" not in response.cookies


async def test_the_sign_in_form_token_cookie_is_strict_and_http_only(browser: Browser) -> None:
    response = await browser.get("/login")
    cookie = response.headers["set-cookie"].lower()
    assert "samesite=strict" in cookie and "httponly" in cookie


async def test_wrong_credentials_say_so_keeping_the_username(ada_browser: Browser) -> None:
    await ada_browser.client.post("/logout", data={"csrf_token": ada_browser.csrf})
    response = await ada_browser.sign_in("ada", "wrong password")
    assert response.status_code == 401
    assert "Wrong username or password." in text_of(response.text)
    assert 'value="ada"' in response.text
    # The password is what to type again: it has the focus, not the username.
    assert re.search(r'<input id="f-password"[^>]*\bautofocus\b', response.text)
    assert not re.search(r'<input id="f-username"[^>]*\bautofocus\b', response.text)


async def test_the_sign_in_form_first_focuses_the_username(browser: Browser) -> None:
    response = await browser.get("/login")
    assert re.search(r'<input id="f-username"[^>]*\bautofocus\b', response.text)
    assert not re.search(r'<input id="f-password"[^>]*\bautofocus\b', response.text)


async def test_signing_in_goes_back_where_the_user_was_going(ada_browser: Browser) -> None:
    await ada_browser.client.post("/logout", data={"csrf_token": ada_browser.csrf})
    page = await ada_browser.get("/settings/keys")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/settings/keys"
    response = await ada_browser.sign_in("ada", next_path="/settings/keys")
    assert response.status_code == 303
    assert response.headers["location"] == "/settings/keys"


async def test_next_never_leads_off_the_site(ada_browser: Browser) -> None:
    await ada_browser.client.post("/logout", data={"csrf_token": ada_browser.csrf})
    for target in ("//evil.example", "https://evil.example", "/\\evil.example", "javascript:x"):
        response = await ada_browser.sign_in("ada", next_path=target)
        assert response.headers["location"] == "/prompts", target
        await ada_browser.client.post("/logout", data={"csrf_token": ada_browser.csrf})


async def test_a_signed_in_visit_to_sign_in_goes_straight_on(ada_browser: Browser) -> None:
    response = await ada_browser.get("/login?next=/categories")
    assert response.headers["location"] == "/categories"
    assert (await ada_browser.get("/register")).headers["location"] == "/prompts"


async def test_signing_out_ends_the_session(ada_browser: Browser) -> None:
    response = await ada_browser.client.post("/logout", data={"csrf_token": ada_browser.csrf})
    assert response.headers["location"] == "/login?done=signed-out"
    assert (await ada_browser.get("/prompts")).status_code == 303
    page = await ada_browser.get("/login?done=signed-out")
    assert "You are signed out." in text_of(page.text)


async def test_signing_out_needs_the_csrf_token(ada_browser: Browser) -> None:
    response = await ada_browser.client.post("/logout", data={"csrf_token": "nope"})
    assert response.status_code == 403
    assert (await ada_browser.get("/prompts")).status_code == 200


async def test_an_expired_session_sends_a_form_to_sign_in_and_back(
    ada_browser: Browser,
) -> None:
    page = await ada_browser.get("/categories")
    ada_browser.client.cookies.set("promptpro_session", "expired-or-unknown")
    response = await ada_browser.client.post(
        "/categories",
        data={"csrf_token": ada_browser.csrf, "name": "Work"},
        headers={"Referer": "http://testserver/categories"},
    )
    assert page.status_code == 200
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/categories"


async def test_registration_can_be_turned_off(app_client: AppClientFactory) -> None:
    closed = await app_client(registration_enabled=False)
    closed.headers.update(BROWSER_HEADERS)
    assert (await closed.get("/")).headers["location"] == "/login"
    login = await closed.get("/login")
    assert 'href="/register"' not in login.text
    page = await closed.get("/register")
    assert page.status_code == 403
    assert "turned off" in text_of(page.text)
    response = await closed.post(
        "/register",
        data={
            "csrf_token": hidden(login.text, "csrf_token"),
            "username": "eve",
            "password": "x" * 10,
        },
    )
    assert response.status_code == 403
    assert "turned off" in text_of(response.text)


async def test_an_oidc_provider_gets_its_button(app_client: AppClientFactory) -> None:
    client = await app_client(
        oidc_issuer="https://id.example", oidc_client_id="promptpro", oidc_name="Example ID"
    )
    page = (await client.get("/login", headers=BROWSER_HEADERS)).text
    assert "Sign in with Example ID" in page
    assert 'href="/auth/oidc/login"' in page


async def test_the_forms_say_when_to_try_again_past_a_limit(app_client: AppClientFactory) -> None:
    strict = await app_client(registrations_per_address=1, login_failures_per_pair=1)
    strict.headers.update(BROWSER_HEADERS)
    browser = Browser(strict)
    await browser.sign_up("ada")
    await strict.post("/logout", data={"csrf_token": browser.csrf})
    assert (await browser.sign_in("ada", "wrong password")).status_code == 401
    refused = await browser.sign_in("ada")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "try again later" in text_of(refused.text)
    form = await browser.get("/register")
    another = await strict.post(
        "/register",
        data={
            "csrf_token": hidden(form.text, "csrf_token"),
            "username": "bob",
            "password": "p" * 8,
        },
    )
    assert another.status_code == 429
    assert int(another.headers["retry-after"]) > 0
    assert 'value="bob"' in another.text
