"""/api/v1/keys: each user's provider keys, shown only as hints, never echoed anywhere."""

from __future__ import annotations

import base64
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from promptpro.api.problems import PROBLEM_MEDIA_TYPE
from promptpro.app import create_app
from promptpro.config import Settings
from promptpro.deps import KeyServiceDep
from promptpro.errors import ConfigurationError
from tests.support.auth import bearer, create_token, register

OPENAI_KEY = "sk-proj-Tg5Wm8Qz1Xc4Vb7Nn0Lk3Jh6"
ANTHROPIC_KEY = "sk-ant-api03-Fd2Sa5Pq8Wo1Ei4Ru7Ty0"
PROVIDERS = ["openai", "anthropic", "gemini", "xai"]


def master_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """An app started with these settings, and a client talking to it."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield app, client


async def keys_of(client: httpx.AsyncClient, **headers: str) -> dict[str, dict[str, object]]:
    response = await client.get("/api/v1/keys", headers=headers)
    assert response.status_code == 200, response.text
    return {entry["provider"]: entry for entry in response.json()}


# Reading and writing one's keys


async def test_a_new_user_has_no_key_for_any_provider(client: httpx.AsyncClient) -> None:
    await register(client)
    response = await client.get("/api/v1/keys")
    assert response.status_code == 200
    assert response.json() == [
        {"provider": p, "configured": False, "hint": None, "updatedAt": None, "error": None}
        for p in PROVIDERS
    ]


async def test_a_key_is_set_and_shown_only_as_a_hint(client: httpx.AsyncClient) -> None:
    await register(client)
    response = await client.put("/api/v1/keys/openai", json={"key": OPENAI_KEY})
    assert response.status_code == 200
    body = response.json()
    assert body["provider"] == "openai"
    assert body["configured"] is True
    assert body["hint"] == "sk-proj-…" + OPENAI_KEY[-4:]
    assert body["updatedAt"] is not None
    assert OPENAI_KEY not in response.text
    listed = await keys_of(client)
    assert listed["openai"] == body
    assert listed["anthropic"]["configured"] is False


async def test_a_key_is_replaced_and_removed(client: httpx.AsyncClient) -> None:
    await register(client)
    await client.put("/api/v1/keys/anthropic", json={"key": ANTHROPIC_KEY})
    replaced = await client.put("/api/v1/keys/anthropic", json={"key": "sk-ant-api03-Another0987"})
    assert replaced.json()["hint"] == "sk-ant-…0987"
    assert (await client.delete("/api/v1/keys/anthropic")).status_code == 204
    assert (await keys_of(client))["anthropic"]["configured"] is False
    assert (await client.delete("/api/v1/keys/anthropic")).status_code == 204


async def test_an_unknown_provider_is_a_422_naming_the_known_ones(
    client: httpx.AsyncClient,
) -> None:
    await register(client)
    for response in (
        await client.put("/api/v1/keys/mistral", json={"key": OPENAI_KEY}),
        await client.delete("/api/v1/keys/mistral"),
    ):
        assert response.status_code == 422
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
        assert "'openai', 'anthropic', 'gemini' or 'xai'" in response.json()["detail"]
        assert OPENAI_KEY not in response.text


# Who may do what


async def test_anonymous_requests_are_refused(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get("/api/v1/keys"),
        await client.put("/api/v1/keys/openai", json={"key": OPENAI_KEY}),
        await client.delete("/api/v1/keys/openai"),
    ):
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE


async def test_each_user_sees_and_removes_only_their_own_keys(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as ada,
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as bob,
    ):
        await register(ada, "ada")
        await register(bob, "bob")
        await ada.put("/api/v1/keys/openai", json={"key": OPENAI_KEY})
        assert (await keys_of(bob))["openai"]["configured"] is False
        assert (await bob.delete("/api/v1/keys/openai")).status_code == 204
        assert (await keys_of(ada))["openai"]["hint"] == "sk-proj-…" + OPENAI_KEY[-4:]
        await bob.put("/api/v1/keys/openai", json={"key": "sk-proj-BobsOwn01234567890"})
        assert (await keys_of(ada))["openai"]["hint"] == "sk-proj-…" + OPENAI_KEY[-4:]
        assert (await keys_of(bob))["openai"]["hint"] == "sk-proj-…7890"


async def test_a_cookie_session_needs_its_csrf_token_to_change_keys(
    client: httpx.AsyncClient,
) -> None:
    await register(client)
    token = client.headers.pop("X-CSRF-Token")
    assert (await client.put("/api/v1/keys/openai", json={"key": OPENAI_KEY})).status_code == 403
    assert (await client.delete("/api/v1/keys/openai")).status_code == 403
    assert (await client.get("/api/v1/keys")).status_code == 200
    client.headers["X-CSRF-Token"] = token
    assert (await client.put("/api/v1/keys/openai", json={"key": OPENAI_KEY})).status_code == 200


async def test_a_personal_access_token_works_without_csrf(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await register(client)
    secret = await create_token(client)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as cli:
        put = await cli.put(
            "/api/v1/keys/xai", json={"key": "xai-Abcdefghijkl0123456789"}, headers=bearer(secret)
        )
        assert put.status_code == 200
        assert (await keys_of(cli, **bearer(secret)))["xai"]["hint"] == "xai-…6789"
        assert (await cli.delete("/api/v1/keys/xai", headers=bearer(secret))).status_code == 204


# Bad keys


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "sk-1234",  # too short
        "sk-proj-Secret1234567" + "x" * 500,  # too long
        "sk-proj-Secret1234567\x00",
        "sk-proj-Secret 1234567",
        "sk-proj-Secret1234567\n",
        "\tsk-proj-Secret1234567",
        "sk-proj-Secret\u200b1234567",  # a zero-width space from a paste
    ],
    ids=["empty", "short", "long", "nul", "space", "newline", "tab", "zero-width"],
)
async def test_a_bad_key_is_a_422_that_does_not_echo_it(
    client: httpx.AsyncClient, bad: str
) -> None:
    await register(client)
    response = await client.put("/api/v1/keys/openai", json={"key": bad})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    problem = response.json()
    assert [error["field"] for error in problem["errors"]] == ["key"]
    assert "Secret" not in response.text
    assert "1234" not in response.text
    assert (await keys_of(client))["openai"]["configured"] is False


@pytest.mark.parametrize(
    "body",
    [{}, {"key": 12345678}, {"key": None}, {"key": OPENAI_KEY, "extra": OPENAI_KEY}, [OPENAI_KEY]],
    ids=["missing", "number", "null", "extra field", "not an object"],
)
async def test_a_malformed_body_is_a_422_that_does_not_echo_it(
    client: httpx.AsyncClient, body: object
) -> None:
    await register(client)
    response = await client.put("/api/v1/keys/openai", json=body)
    assert response.status_code == 422
    assert OPENAI_KEY not in response.text
    assert "12345678" not in response.text


async def test_a_body_that_is_not_json_is_a_422_that_does_not_echo_it(
    client: httpx.AsyncClient,
) -> None:
    await register(client)
    response = await client.put(
        "/api/v1/keys/openai",
        content=f'{{"key": "{OPENAI_KEY}"',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert OPENAI_KEY not in response.text


# Never shown, never logged


async def test_no_key_appears_in_any_response_or_log_line(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await register(client)
    bodies = [
        (await client.put("/api/v1/keys/openai", json={"key": OPENAI_KEY})).text,
        (await client.put("/api/v1/keys/anthropic", json={"key": ANTHROPIC_KEY})).text,
        (await client.get("/api/v1/keys")).text,
        (await client.put("/api/v1/keys/openai", json={"key": OPENAI_KEY + " "})).text,
        (await client.delete("/api/v1/keys/openai")).text,
        (await client.get("/api/v1/keys")).text,
    ]
    assert "PUT /api/v1/keys/openai 200" in caplog.text  # the log is being captured
    for key in (OPENAI_KEY, ANTHROPIC_KEY):
        secret_part = key[8:-4]
        for seen in [*bodies, caplog.text]:
            assert secret_part not in seen


# A stored key that can't be decrypted


async def test_a_key_whose_master_key_is_gone_is_a_clear_problem_never_a_crash(
    settings: Settings,
) -> None:
    old, new = master_key(), master_key()
    async with running(settings.model_copy(update={"encryption_keys": old})) as (_, client):
        await register(client)
        secret = await create_token(client)
        await client.put("/api/v1/keys/openai", json={"key": OPENAI_KEY})

    async with running(settings.model_copy(update={"encryption_keys": new})) as (app, client):

        @app.get("/test/use-key/{provider}")
        async def use_key(provider: str, keys: KeyServiceDep) -> dict[str, int]:
            """Stands in for a run: it needs the plaintext key."""
            return {"length": len(await keys.decrypted_key(provider))}

        listed = await keys_of(client, **bearer(secret))
        assert listed["openai"]["configured"] is True
        assert listed["openai"]["hint"] is None
        assert "PROMPTPRO_ENCRYPTION_KEYS" in str(listed["openai"]["error"])

        response = await client.get("/test/use-key/openai", headers=bearer(secret))
        assert response.status_code == 503
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
        problem = response.json()
        assert problem["type"] == "/problems/key-unavailable"
        assert problem["provider"] == "openai"
        assert "Restore that key in PROMPTPRO_ENCRYPTION_KEYS" in problem["detail"]
        assert OPENAI_KEY[8:-4] not in response.text

        # Saving the key again is the user's own way out.
        await client.put("/api/v1/keys/openai", json={"key": OPENAI_KEY}, headers=bearer(secret))
        assert (await client.get("/test/use-key/openai", headers=bearer(secret))).json() == {
            "length": len(OPENAI_KEY)
        }

    both = settings.model_copy(update={"encryption_keys": f"{new},{old}"})
    async with running(both) as (_, client):
        assert (await keys_of(client, **bearer(secret)))["openai"]["error"] is None


def test_the_app_refuses_to_start_with_a_malformed_master_key(settings: Settings) -> None:
    with pytest.raises(ConfigurationError, match="PROMPTPRO_ENCRYPTION_KEYS: entry 1"):
        create_app(settings.model_copy(update={"encryption_keys": "hunter2"}))


async def test_the_openapi_document_lists_the_providers_and_hides_the_key(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()
    put = document["paths"]["/api/v1/keys/{provider}"]["put"]
    (provider,) = put["parameters"]
    assert (
        document["components"]["schemas"][provider["schema"]["$ref"].split("/")[-1]]["enum"]
        == PROVIDERS
    )
    key = document["components"]["schemas"]["KeyUpdate"]["properties"]["key"]
    assert key["writeOnly"] is True
    assert (key["minLength"], key["maxLength"]) == (8, 512)
