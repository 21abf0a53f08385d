"""Settings: profile, password, provider keys (hints only), access tokens, account deletion."""

from __future__ import annotations

import re

from tests.support.auth import DEFAULT_PASSWORD
from tests.web.conftest import Browser, field_error, hidden, text_of

KEY = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"


async def test_the_profile_saves_and_names_a_taken_username(
    ada_browser: Browser, bob_browser: Browser
) -> None:
    await ada_browser.get("/settings")
    response = await ada_browser.post(
        "/settings/profile", {"username": "ada", "email": "ada@example.com", "firstName": "Ada"}
    )
    assert response.headers["location"] == "/settings?done=profile"
    page = await ada_browser.get("/settings?done=profile")
    assert 'value="ada@example.com"' in page.text and "Your profile is saved." in text_of(page.text)
    taken = await ada_browser.post("/settings/profile", {"username": "bob", "bio": "kept"})
    assert taken.status_code == 409
    assert field_error(taken.text, "username")
    assert ">kept</textarea>" in taken.text
    bad = await ada_browser.post("/settings/profile", {"username": "ada", "email": "nope"})
    assert bad.status_code == 422 and field_error(bad.text, "email")


async def test_changing_the_password_checks_the_current_one(ada_browser: Browser) -> None:
    await ada_browser.get("/settings")
    wrong = await ada_browser.post(
        "/settings/password", {"currentPassword": "wrong", "newPassword": "new password 1"}
    )
    assert wrong.status_code == 422
    assert field_error(wrong.text, "currentPassword") == "That is not your current password."
    short = await ada_browser.post(
        "/settings/password", {"currentPassword": DEFAULT_PASSWORD, "newPassword": "short"}
    )
    assert field_error(short.text, "newPassword") == "String should have at least 8 characters"
    ok = await ada_browser.post(
        "/settings/password",
        {"currentPassword": DEFAULT_PASSWORD, "newPassword": "new password 1"},
    )
    assert ok.headers["location"] == "/settings?done=password"
    await ada_browser.client.post("/logout", data={"csrf_token": ada_browser.csrf})
    assert (await ada_browser.sign_in("ada", "new password 1")).status_code == 303


async def test_keys_show_only_a_hint(ada_browser: Browser) -> None:
    page = await ada_browser.get("/settings/keys")
    assert page.text.count('data-testid="key-item"') == 4
    saved = await ada_browser.post("/settings/keys/openai", {"key": KEY})
    assert saved.headers["location"] == "/settings/keys?done=key-saved"
    page = await ada_browser.get("/settings/keys")
    assert KEY not in page.text
    assert "sk-proj-…6789" in page.text
    assert 'data-provider="openai" data-configured="true"' in page.text
    new = await ada_browser.get("/prompts/new")
    assert '<optgroup label="OpenAI">' in new.text  # no longer marked as lacking a key


async def test_a_bad_key_is_refused_without_being_repeated(ada_browser: Browser) -> None:
    await ada_browser.get("/settings/keys")
    response = await ada_browser.post("/settings/keys/anthropic", {"key": "sk-ant two words"})
    assert response.status_code == 422
    message = re.search(r'id="f-key-anthropic-error" data-error-for="key" >([^<]+)<', response.text)
    assert message and "printable ASCII" in message.group(1)
    assert "two words" not in response.text
    assert 'id="f-key-anthropic"' in response.text


async def test_removing_a_key(ada_browser: Browser) -> None:
    await ada_browser.get("/settings/keys")
    await ada_browser.post("/settings/keys/gemini", {"key": "AIza" + "x" * 30})
    response = await ada_browser.post("/settings/keys/gemini/delete", {})
    assert response.headers["location"] == "/settings/keys?done=key-removed"
    page = await ada_browser.get("/settings/keys")
    assert 'data-provider="gemini" data-configured="false"' in page.text
    assert (await ada_browser.post("/settings/keys/nope", {"key": KEY})).status_code == 404


async def test_a_token_secret_is_shown_once_and_revoking_refuses_it(
    ada_browser: Browser, bob_browser: Browser
) -> None:
    page = await ada_browser.get("/settings/tokens")
    response = await ada_browser.post(
        "/settings/tokens",
        {"name": "laptop", "expiresInDays": "30", "form_token": hidden(page.text, "form_token")},
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    match = re.search(r'value="(pp_[^"]+)" readonly data-testid="token-secret"', response.text)
    assert match
    secret = match.group(1)
    assert 'data-copy="#token-secret"' in response.text
    bearer = {"Authorization": f"Bearer {secret}"}
    assert (await ada_browser.client.get("/api/v1/me", headers=bearer)).status_code == 200
    listing = await ada_browser.get("/settings/tokens")
    assert secret not in listing.text and "laptop" in listing.text
    token_id = re.search(r'data-token-id="(\d+)"', listing.text)
    assert token_id
    revoke = f"/settings/tokens/{token_id.group(1)}/revoke"
    assert (await bob_browser.post(revoke, {})).status_code == 404  # not his: not "revoked"
    assert (await ada_browser.client.get("/api/v1/me", headers=bearer)).status_code == 200
    revoked = await ada_browser.post(f"/settings/tokens/{token_id.group(1)}/revoke", {})
    assert revoked.headers["location"] == "/settings/tokens?done=token-revoked"
    assert (await ada_browser.client.get("/api/v1/me", headers=bearer)).status_code == 401


async def test_a_token_form_sent_twice_makes_one_token(ada_browser: Browser) -> None:
    page = await ada_browser.get("/settings/tokens")
    form = {"name": "once", "form_token": hidden(page.text, "form_token")}
    assert (await ada_browser.post("/settings/tokens", form)).status_code == 200
    again = await ada_browser.post("/settings/tokens", form)
    assert again.headers["location"] == "/settings/tokens?done=token-again"
    assert len((await ada_browser.client.get("/api/v1/tokens")).json()) == 1
    bad = await ada_browser.post("/settings/tokens", {"name": "", "expiresInDays": "99999"})
    assert bad.status_code == 422
    assert field_error(bad.text, "name") and field_error(bad.text, "expiresInDays")


async def test_deleting_the_account_needs_the_typed_confirmation_and_password(
    ada_browser: Browser,
) -> None:
    page = await ada_browser.get("/settings/account")
    assert "Type your username, ada, to confirm" in text_of(page.text)
    unconfirmed = await ada_browser.post(
        "/settings/account/delete", {"confirm": "ad", "password": DEFAULT_PASSWORD}
    )
    assert unconfirmed.status_code == 422 and field_error(unconfirmed.text, "confirm")
    wrong = await ada_browser.post(
        "/settings/account/delete", {"confirm": "ada", "password": "wrong"}
    )
    assert wrong.status_code == 422
    assert field_error(wrong.text, "password") == "That is not your current password."
    deleted = await ada_browser.post(
        "/settings/account/delete", {"confirm": "ada", "password": DEFAULT_PASSWORD}
    )
    assert deleted.headers["location"] == "/login?done=account-deleted"
    assert (await ada_browser.get("/prompts")).status_code == 303
    assert (await ada_browser.sign_in("ada")).status_code == 401


async def test_settings_pages_have_labelled_fields_and_one_heading(ada_browser: Browser) -> None:
    for path in ("/settings", "/settings/keys", "/settings/tokens", "/settings/account"):
        page = (await ada_browser.get(path)).text
        assert page.count("<h1") == 1, path
        for field_id in re.findall(r'<(?:input|textarea|select) id="([^"]+)"', page):
            assert f'for="{field_id}"' in page, (path, field_id)


async def test_the_password_form_revokes_the_access_tokens_unless_unticked(
    ada_browser: Browser,
) -> None:
    page = await ada_browser.get("/settings")
    assert re.search(
        r'<input type="checkbox" id="f-revokeTokens" name="revokeTokens"[^>]* checked', page.text
    )
    assert '<label for="f-revokeTokens">' in page.text

    async def new_token() -> str:
        made = await ada_browser.client.post(
            "/api/v1/tokens", json={"name": "cli"}, headers={"X-CSRF-Token": ada_browser.csrf}
        )
        secret: str = made.json()["token"]
        return secret

    async def works(secret: str) -> bool:
        me = await ada_browser.client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {secret}"}
        )
        return me.status_code == 200

    kept = await new_token()
    unticked = await ada_browser.post(
        "/settings/password", {"currentPassword": DEFAULT_PASSWORD, "newPassword": "new password 1"}
    )
    assert unticked.headers["location"] == "/settings?done=password"
    assert await works(kept)
    ticked = await ada_browser.post(
        "/settings/password",
        {
            "currentPassword": "new password 1",
            "newPassword": "new password 2",
            "revokeTokens": "on",
        },
    )
    assert ticked.headers["location"] == "/settings?done=password"
    assert not await works(kept)
