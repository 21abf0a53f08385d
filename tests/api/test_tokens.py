"""Personal access tokens: shown once, stored hashed, bearer auth, revoke, expiry, owners."""

from __future__ import annotations

from datetime import timedelta

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from promptpro.db.models import AccessToken
from promptpro.db.types import utcnow
from promptpro.security.tokens import hash_secret
from tests.conftest import ClientFactory
from tests.support.auth import bearer, create_token, register

TOKENS = "/api/v1/tokens"


async def stored_tokens(app: FastAPI) -> list[AccessToken]:
    async with app.state.session_factory() as session:
        return list(await session.scalars(sa.select(AccessToken)))


async def set_column(app: FastAPI, token_id: int, **values: object) -> None:
    async with app.state.session_factory() as session, session.begin():
        await session.execute(
            sa.update(AccessToken).where(AccessToken.id == token_id).values(**values)
        )


async def test_the_secret_is_shown_once_and_only_its_hash_is_stored(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await register(client)
    response = await client.post(TOKENS, json={"name": "laptop", "expiresInDays": 30})
    assert response.status_code == 201
    created = response.json()
    secret = created["token"]
    assert secret.startswith("pp_")
    assert created["name"] == "laptop"
    assert created["lastUsedAt"] is None
    listed = (await client.get(TOKENS)).json()
    assert [token["id"] for token in listed] == [created["id"]]
    assert set(listed[0]) == {
        "id",
        "name",
        "createdAt",
        "lastUsedAt",
        "expiresAt",
        "workspaceId",
        "readOnly",
    }
    assert secret not in (await client.get(TOKENS)).text
    [row] = await stored_tokens(app)
    assert row.token_hash == hash_secret(secret)
    assert secret not in repr(vars(row))


async def test_a_token_authenticates_the_api(client: httpx.AsyncClient) -> None:
    await register(client)
    secret = await create_token(client)
    anonymous = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    async with anonymous:
        me = await anonymous.get("/api/v1/me", headers=bearer(secret))
        assert me.status_code == 200
        assert me.json()["username"] == "ada"
        assert (await anonymous.get(TOKENS, headers=bearer(secret))).status_code == 200


async def test_malformed_or_unknown_bearers_are_401(client: httpx.AsyncClient) -> None:
    await register(client)
    for header in ("Bearer pp_madeup", "Bearer ", "Basic YWRhOnB3", "Bearer sk-123", "pp_x"):
        response = await client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.headers["www-authenticate"] == "Bearer"


async def test_a_revoked_token_is_refused(client: httpx.AsyncClient) -> None:
    await register(client)
    secret = await create_token(client)
    [token] = (await client.get(TOKENS)).json()
    assert (await client.delete(f"{TOKENS}/{token['id']}")).status_code == 204
    assert (await client.get("/api/v1/me", headers=bearer(secret))).status_code == 401
    assert (await client.get(TOKENS)).json() == []
    assert (await client.delete(f"{TOKENS}/{token['id']}")).status_code == 404


async def test_an_expired_token_is_refused(client: httpx.AsyncClient, app: FastAPI) -> None:
    await register(client)
    secret = await create_token(client)
    [row] = await stored_tokens(app)
    await set_column(app, row.id, expires_at=utcnow() - timedelta(seconds=1))
    response = await client.get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


async def test_last_use_is_recorded_at_most_once_a_minute(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await register(client)
    secret = await create_token(client)
    await client.get("/api/v1/me", headers=bearer(secret))
    [first] = await stored_tokens(app)
    assert first.last_used_at is not None
    await client.get("/api/v1/me", headers=bearer(secret))
    [second] = await stored_tokens(app)
    assert second.last_used_at == first.last_used_at
    await set_column(app, first.id, last_used_at=first.last_used_at - timedelta(minutes=2))
    # As the two minutes would have: what the cache read is seconds old at most.
    app.state.token_cache.clear()
    await client.get("/api/v1/me", headers=bearer(secret))
    [third] = await stored_tokens(app)
    assert third.last_used_at is not None and third.last_used_at > first.last_used_at


async def test_another_users_tokens_are_invisible_and_not_found(
    client: httpx.AsyncClient, new_client: ClientFactory
) -> None:
    await register(client, "ada")
    bob = await new_client()
    await register(bob, "bob")
    await create_token(bob, "bobs")
    [bobs] = (await bob.get(TOKENS)).json()
    assert (await client.get(TOKENS)).json() == []
    assert (await client.delete(f"{TOKENS}/{bobs['id']}")).status_code == 404
    assert len((await bob.get(TOKENS)).json()) == 1


async def test_token_input_is_validated(client: httpx.AsyncClient) -> None:
    await register(client)
    for body in (
        {},
        {"name": ""},
        {"name": "x", "expiresInDays": 0},
        {"name": "x", "expiresInDays": True},
        {"name": "x", "extra": 1},
    ):
        assert (await client.post(TOKENS, json=body)).status_code == 422, body
    for bad_id in ("abc", "0", "99999999999999"):
        assert (await client.delete(f"{TOKENS}/{bad_id}")).status_code in (404, 422), bad_id


async def test_tokens_need_a_signed_in_user(client: httpx.AsyncClient) -> None:
    assert (await client.get(TOKENS)).status_code == 401
    assert (await client.post(TOKENS, json={"name": "x"})).status_code == 401
