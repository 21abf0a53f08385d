"""The signed-in user's account: profile, password change, deletion of everything."""

from __future__ import annotations

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from promptpro.db.base import Base
from promptpro.schemas.library import CategoryCreate, PromptCreate
from promptpro.schemas.responses import ResponseCreate
from promptpro.storage import Storage
from tests.conftest import ClientFactory
from tests.support.auth import DEFAULT_PASSWORD, bearer, create_token, login, register

ME = "/api/v1/me"
PASSWORD = "/api/v1/me/password"


async def test_me_is_the_profile(client: httpx.AsyncClient) -> None:
    body = await register(client)
    response = await client.get(ME)
    assert response.status_code == 200
    assert response.json() == body["user"]
    assert set(response.json()) == {
        "id", "username", "email", "firstName", "lastName", "bio", "profileImageUrl",
        "isAdmin", "createdAt", "updatedAt",
    }  # fmt: skip


async def test_the_profile_can_be_edited(client: httpx.AsyncClient) -> None:
    await register(client)
    changes = {
        "username": "countess",
        "email": "ada@example.com",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "bio": "Notes on the Analytical Engine.",
        "profileImageUrl": "https://example.com/ada.png",
    }
    response = await client.patch(ME, json=changes)
    assert response.status_code == 200, response.text
    assert {key: response.json()[key] for key in changes} == changes
    cleared = await client.patch(ME, json={"bio": None})
    assert cleared.json()["bio"] is None
    assert cleared.json()["firstName"] == "Ada"


async def test_profile_conflicts_name_the_field(
    client: httpx.AsyncClient, new_client: ClientFactory
) -> None:
    bob = await new_client()
    await register(bob, "bob")
    await bob.patch(ME, json={"email": "bob@example.com"})
    await register(client, "ada")
    taken = await client.patch(ME, json={"username": "BOB"})
    assert taken.status_code == 409
    assert taken.json()["errors"][0]["field"] == "username"
    email = await client.patch(ME, json={"email": "Bob@Example.com"})
    assert email.status_code == 409
    assert email.json()["errors"][0]["field"] == "email"
    assert (await client.get(ME)).json()["username"] == "ada"


async def test_profile_input_is_validated(client: httpx.AsyncClient) -> None:
    await register(client)
    for body in (
        {"username": "no spaces"},
        {"username": None},
        {"email": "not-an-email"},
        {"bio": "x" * 5001},
        {"id": "someone-else"},
        {"profileImageUrl": "javascript:alert(1)"},
        {"profileImageUrl": "data:image/png;base64,AAAA"},
        {"profileImageUrl": "https://"},
        {"profileImageUrl": "//evil.example/x.png"},
    ):
        assert (await client.patch(ME, json=body)).status_code == 422, body
    for url in ("https://example.com/ada.png", "HTTP://example.com"):
        response = await client.patch(ME, json={"profileImageUrl": url})
        assert response.status_code == 200, url


async def test_changing_the_password_ends_the_other_sessions(
    client: httpx.AsyncClient, new_client: ClientFactory
) -> None:
    await register(client)
    laptop = await new_client()
    await login(laptop)
    token = await create_token(laptop)
    response = await client.post(
        PASSWORD, json={"currentPassword": DEFAULT_PASSWORD, "newPassword": "a new passphrase"}
    )
    assert response.status_code == 204
    assert (await client.get(ME)).status_code == 200  # this session goes on
    assert (await laptop.get(ME)).status_code == 401  # the other one is over
    assert (await laptop.get(ME, headers=bearer(token))).status_code == 401  # tokens too
    laptop.cookies.clear()
    wrong = await laptop.post(
        "/api/v1/auth/login", json={"username": "ada", "password": DEFAULT_PASSWORD}
    )
    assert wrong.status_code == 401
    await login(laptop, "ada", "a new passphrase")


async def test_a_wrong_current_password_changes_nothing(client: httpx.AsyncClient) -> None:
    await register(client)
    response = await client.post(
        PASSWORD, json={"currentPassword": "not my password", "newPassword": "a new passphrase"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "currentPassword"
    short = await client.post(
        PASSWORD, json={"currentPassword": DEFAULT_PASSWORD, "newPassword": "x"}
    )
    assert short.status_code == 422
    client.cookies.clear()
    await login(client)


async def test_guessing_the_current_password_is_rate_limited(client: httpx.AsyncClient) -> None:
    await register(client)
    statuses = [
        (
            await client.post(
                PASSWORD, json={"currentPassword": f"guess {n}", "newPassword": "a new one!"}
            )
        ).status_code
        for n in range(6)
    ]
    assert statuses == [422] * 5 + [429]


async def test_deleting_the_account_needs_the_password(client: httpx.AsyncClient) -> None:
    await register(client)
    assert (await client.delete(ME)).status_code == 422
    wrong = await client.request("DELETE", ME, json={"password": "not my password"})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "password"
    assert (await client.get(ME)).status_code == 200


async def _fill(app: FastAPI, user_id: str) -> None:
    """Give the user one of everything."""
    async with app.state.session_factory() as session, session.begin():
        storage = Storage(session)
        category = await storage.create_category(user_id, CategoryCreate(name="Poems"))
        prompt = await storage.create_prompt(
            user_id, PromptCreate(title="Ode", content="Write an ode.", category_id=category.id)
        )
        await storage.create_response(
            user_id, prompt.id, ResponseCreate(model="openai/gpt-4o-mini", content="O!")
        )
        await storage.save_api_keys(user_id, {"openai": "ciphertext"})


async def _rows(app: FastAPI) -> dict[str, int]:
    async with app.state.session_factory() as session:
        return {
            table.name: await session.scalar(sa.select(sa.func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


async def test_deleting_the_account_deletes_all_its_data(
    client: httpx.AsyncClient, new_client: ClientFactory, app: FastAPI
) -> None:
    bob = await new_client()
    bobs_id = (await register(bob, "bob"))["user"]["id"]
    await create_token(bob)
    await _fill(app, bobs_id)
    before = await _rows(app)
    ada = await register(client, "ada")
    await create_token(client)
    await _fill(app, ada["user"]["id"])
    response = await client.request("DELETE", ME, json={"password": DEFAULT_PASSWORD})
    assert response.status_code == 204
    assert 'promptpro_session=""' in response.headers["set-cookie"]
    # Only bob's rows are left (registrations count per address, not per user), and the
    # audit log, which outlives accounts (ada's token creation stays on record).
    assert await _rows(app) == {
        **before,
        "login_attempts": before["login_attempts"] + 1,
        "audit_events": before["audit_events"] + 1,
    }
    assert (await bob.get(ME)).status_code == 200
    client.cookies.clear()
    gone = await client.post(
        "/api/v1/auth/login", json={"username": "ada", "password": DEFAULT_PASSWORD}
    )
    assert gone.status_code == 401


async def test_a_token_can_delete_the_account_only_with_the_password(
    client: httpx.AsyncClient,
) -> None:
    await register(client)
    token = await create_token(client)
    client.cookies.clear()
    assert (await client.delete(ME, headers=bearer(token))).status_code == 422
    deleted = await client.request(
        "DELETE", ME, json={"password": DEFAULT_PASSWORD}, headers=bearer(token)
    )
    assert deleted.status_code == 204
    assert (await client.get(ME, headers=bearer(token))).status_code == 401


async def test_a_password_change_may_keep_the_access_tokens(
    client: httpx.AsyncClient, new_client: ClientFactory
) -> None:
    await register(client)
    kept = await create_token(client, "kept")
    response = await client.post(
        PASSWORD,
        json={
            "currentPassword": DEFAULT_PASSWORD,
            "newPassword": "a new passphrase",
            "revokeTokens": False,
        },
    )
    assert response.status_code == 204
    assert (await client.get(ME, headers=bearer(kept))).status_code == 200


async def test_a_password_change_by_token_revokes_the_others_but_that_one(
    client: httpx.AsyncClient, new_client: ClientFactory
) -> None:
    await register(client)
    script, other = await create_token(client, "script"), await create_token(client, "other")
    anonymous = await new_client()
    response = await anonymous.post(
        PASSWORD,
        json={"currentPassword": DEFAULT_PASSWORD, "newPassword": "a new passphrase"},
        headers=bearer(script),
    )
    assert response.status_code == 204
    assert (await anonymous.get(ME, headers=bearer(script))).status_code == 200
    assert (await anonymous.get(ME, headers=bearer(other))).status_code == 401
    assert (await client.get(ME)).status_code == 401  # every session: none made the request
