"""Own OpenAI-compatible endpoints: kept per user or workspace, keys bound to their host,
their models run as `<endpoint-name>/<model>` everywhere, keys tested without echoing."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from promptpro.providers.registry import ProviderRegistry
from promptpro.testing import FakeProviderServer
from tests.conftest import ClientFactory
from tests.providers.helpers import config_for
from tests.support.auth import register
from tests.support.runs import add_key, create_prompt, stream_run

KEY = "sk-own-endpoint-Qw8Er5Ty2Ui9"
NEW_KEY = "sk-own-endpoint-Zx1Cv4Bn7Mm0"


@pytest.fixture
async def private_ok(app: FastAPI, fake: FakeProviderServer) -> AsyncIterator[FakeProviderServer]:
    """Providers on the fake server, private addresses allowed (it listens on loopback)."""
    await app.state.providers.aclose()
    config = dataclasses.replace(config_for(fake), allow_private_endpoints=True)
    app.state.providers = ProviderRegistry(config)
    yield fake
    await app.state.providers.aclose()


async def add_endpoint(client: httpx.AsyncClient, url: str, **fields: Any) -> dict[str, Any]:
    body = {"name": "local", "baseUrl": url, **fields}
    response = await client.post("/api/v1/endpoints", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def keys_sent(fake: FakeProviderServer) -> list[tuple[str, str | None]]:
    """(Host header, Authorization header) of every request the fake received."""
    return [(r.headers.get("host", ""), r.headers.get("authorization")) for r in fake.requests]


# Keeping endpoints


async def test_an_endpoint_is_added_listed_and_shows_only_a_hint_of_its_key(
    ada: httpx.AsyncClient, private_ok: FakeProviderServer
) -> None:
    created = await add_endpoint(
        ada, private_ok.openai_base_url, key=KEY, models=[{"name": "llama3"}]
    )
    assert created["name"] == "local"
    assert created["keyConfigured"] is True
    assert created["keyHint"] == "sk-…Ui9"[:0] + created["keyHint"]  # a hint, shown
    assert KEY not in str(created)
    assert created["models"] == [
        {"name": "llama3", "inputUsdPerMtok": None, "outputUsdPerMtok": None}
    ]
    listed = (await ada.get("/api/v1/endpoints")).json()
    assert [e["id"] for e in listed] == [created["id"]]
    assert KEY not in (await ada.get(f"/api/v1/endpoints/{created['id']}")).text


async def test_two_endpoints_of_one_workspace_may_not_share_a_name(
    ada: httpx.AsyncClient, private_ok: FakeProviderServer
) -> None:
    await add_endpoint(ada, private_ok.openai_base_url)
    again = await ada.post(
        "/api/v1/endpoints", json={"name": "local", "baseUrl": private_ok.openai_base_url}
    )
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "name"


@pytest.mark.parametrize("name", ["openai", "anthropic", "gemini", "xai"])
async def test_a_built_in_providers_name_is_refused(ada: httpx.AsyncClient, name: str) -> None:
    response = await ada.post(
        "/api/v1/endpoints", json={"name": name, "baseUrl": "https://llm.example.com/v1"}
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:11434/v1",
        "http://[::1]:11434/v1",
        "http://2130706433/v1",
        "http://169.254.169.254/latest",
        "http://metadata.google.internal/computeMetadata",
        "ftp://llm.example.com/v1",
        "http://user:pass@llm.example.com/v1",
    ],
)
async def test_a_base_url_the_guard_refuses_is_a_422(ada: httpx.AsyncClient, url: str) -> None:
    response = await ada.post("/api/v1/endpoints", json={"name": "x", "baseUrl": url})
    assert response.status_code == 422, response.text
    assert (await ada.get("/api/v1/endpoints")).json() == []


async def test_metadata_addresses_stay_refused_when_private_ones_are_allowed(
    ada: httpx.AsyncClient, private_ok: FakeProviderServer
) -> None:
    for url in ("http://169.254.169.254/v1", "http://[fd00:ec2::254]/v1"):
        response = await ada.post("/api/v1/endpoints", json={"name": "x", "baseUrl": url})
        assert response.status_code == 422, response.text


async def test_endpoints_are_audited(
    ada: httpx.AsyncClient, private_ok: FakeProviderServer
) -> None:
    created = await add_endpoint(ada, private_ok.openai_base_url, key=KEY)
    assert (await ada.delete(f"/api/v1/endpoints/{created['id']}")).status_code == 204
    events = (await ada.get("/api/v1/me/audit")).json()
    actions = [event["action"] for event in events.get("items", events)]
    for action in ("endpoint.created", "endpoint.key_set", "endpoint.deleted"):
        assert action in actions
    assert KEY not in str(events)


# A key goes only to the host it was saved for


async def test_moving_the_base_url_to_another_host_asks_for_the_key_again(
    ada: httpx.AsyncClient, private_ok: FakeProviderServer
) -> None:
    fake = private_ok
    created = await add_endpoint(ada, fake.openai_base_url, key=KEY, models=[{"name": "m"}])
    elsewhere = f"http://localhost:{fake.port}/v1"  # the same fake, under another host name
    moved = await ada.patch(f"/api/v1/endpoints/{created['id']}", json={"baseUrl": elsewhere})
    assert moved.status_code == 422
    assert moved.json()["errors"][0]["field"] == "key"
    assert (await ada.get(f"/api/v1/endpoints/{created['id']}")).json()["baseUrl"] == (
        fake.openai_base_url
    )
    # Moved without the key: runs there carry none.
    moved = await ada.patch(
        f"/api/v1/endpoints/{created['id']}", json={"baseUrl": elsewhere, "key": None}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["keyConfigured"] is False
    prompt = await create_prompt(ada, model="local/m")
    run = await ada.post(f"/api/v1/prompts/{prompt['id']}/run", json={"variables": {"topic": "x"}})
    assert run.status_code == 201, run.text
    await ada.post(f"/api/v1/endpoints/{created['id']}/verify")
    sent = keys_sent(fake)
    assert sent and all(host.startswith("localhost") for host, _ in sent)
    assert all(KEY not in (auth or "") for _, auth in sent)
    # A new key for the new host is sent there.
    await ada.patch(f"/api/v1/endpoints/{created['id']}", json={"key": NEW_KEY})
    await ada.post(f"/api/v1/prompts/{prompt['id']}/run", json={"variables": {"topic": "x"}})
    assert fake.last_request.headers["authorization"] == f"Bearer {NEW_KEY}"


async def test_a_new_base_url_with_a_new_key_is_taken(
    ada: httpx.AsyncClient, private_ok: FakeProviderServer
) -> None:
    created = await add_endpoint(ada, private_ok.openai_base_url, key=KEY)
    elsewhere = f"http://localhost:{private_ok.port}/v1"
    moved = await ada.patch(
        f"/api/v1/endpoints/{created['id']}", json={"baseUrl": elsewhere, "key": NEW_KEY}
    )
    assert moved.status_code == 200
    assert (await ada.post(f"/api/v1/endpoints/{created['id']}/verify")).json()["status"] == (
        "valid"
    )
    assert private_ok.last_request.headers["authorization"] == f"Bearer {NEW_KEY}"


# Running an endpoint's models


async def test_an_endpoints_model_runs_with_its_key_and_no_price(
    ada: httpx.AsyncClient, private_ok: FakeProviderServer
) -> None:
    await add_endpoint(ada, private_ok.openai_base_url, key=KEY, models=[{"name": "llama3"}])
    prompt = await create_prompt(ada, model="local/llama3")
    run = await ada.post(f"/api/v1/prompts/{prompt['id']}/run", json={"variables": {"topic": "x"}})
    assert run.status_code == 201, run.text
    body = run.json()
    assert body["status"] == "completed"
    assert body["model"] == "local/llama3"
    assert body["costUsd"] is None
    request = private_ok.last_request
    assert request.body["model"] == "llama3"
    assert request.headers["authorization"] == f"Bearer {KEY}"


async def test_an_endpoints_model_is_priced_when_a_price_is_entered(
    ada: httpx.AsyncClient, private_ok: FakeProviderServer
) -> None:
    models = [{"name": "m", "inputUsdPerMtok": 1.0, "outputUsdPerMtok": 2.0}]
    await add_endpoint(ada, private_ok.openai_base_url, models=models)
    prompt = await create_prompt(ada, model="local/m")
    run = await ada.post(f"/api/v1/prompts/{prompt['id']}/run", json={"variables": {"topic": "x"}})
    # The fake reports 12 input and 7 output tokens.
    assert run.json()["costUsd"] == pytest.approx((12 * 1.0 + 7 * 2.0) / 1_000_000)
    assert "authorization" not in private_ok.last_request.headers  # no key, no header


async def test_an_endpoints_model_streams_and_compares_beside_a_built_in_one(
    ada: httpx.AsyncClient, private_ok: FakeProviderServer
) -> None:
    await add_key(ada, "openai")
    await add_endpoint(ada, private_ok.openai_base_url, key=KEY)
    prompt = await create_prompt(ada, model="local/qwen")
    events = await stream_run(
        ada, f"/api/v1/prompts/{prompt['id']}/run", {"variables": {"topic": "x"}}
    )
    assert events[-1].name == "done", events
    compared = await ada.post(
        f"/api/v1/prompts/{prompt['id']}/compare",
        json={"models": ["local/qwen", "openai/gpt-4o-mini"], "variables": {"topic": "x"}},
    )
    assert compared.status_code == 201, compared.text
    assert {run["status"] for run in compared.json()} == {"completed"}


async def test_an_unknown_endpoint_name_is_an_unknown_model(
    ada: httpx.AsyncClient, private_ok: FakeProviderServer
) -> None:
    refused = await ada.post(
        "/api/v1/prompts", json={"title": "t", "content": "c", "model": "nowhere/m"}
    )
    assert refused.status_code == 422
    prompt = await create_prompt(ada)
    run = await ada.post(
        f"/api/v1/prompts/{prompt['id']}/run",
        json={"model": "nowhere/m", "variables": {"topic": "x"}},
    )
    assert run.status_code == 422
    assert private_ok.requests == []


async def test_another_users_endpoint_is_not_reachable_by_name(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient, private_ok: FakeProviderServer
) -> None:
    await add_endpoint(ada, private_ok.openai_base_url, key=KEY)
    prompt = await create_prompt(bob)
    run = await bob.post(
        f"/api/v1/prompts/{prompt['id']}/run",
        json={"model": "local/m", "variables": {"topic": "x"}},
    )
    assert run.status_code == 422
    assert private_ok.requests == []


async def test_without_the_private_setting_a_run_on_loopback_is_refused_before_any_request(
    app: FastAPI, ada: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    # Saved while allowed; the instance then turned the setting off.
    await app.state.providers.aclose()
    app.state.providers = ProviderRegistry(
        dataclasses.replace(config_for(fake), allow_private_endpoints=True)
    )
    await add_endpoint(ada, fake.openai_base_url)
    await app.state.providers.aclose()
    app.state.providers = ProviderRegistry(config_for(fake))
    prompt = await create_prompt(ada, model="local/m")
    run = await ada.post(f"/api/v1/prompts/{prompt['id']}/run", json={"variables": {"topic": "x"}})
    assert run.status_code == 422, run.text
    assert "loopback" in run.json()["detail"]
    assert fake.requests == []
    await app.state.providers.aclose()


# Discovering models and testing keys


async def test_discover_adds_the_listed_models_and_keeps_entered_prices(
    ada: httpx.AsyncClient, private_ok: FakeProviderServer
) -> None:
    private_ok.models = ["llama3", "qwen", "bad name"]
    models = [{"name": "llama3", "inputUsdPerMtok": 0.5, "outputUsdPerMtok": 0.5}]
    created = await add_endpoint(ada, private_ok.openai_base_url, key=KEY, models=models)
    found = await ada.post(f"/api/v1/endpoints/{created['id']}/discover")
    assert found.status_code == 200, found.text
    assert found.json()["models"] == [
        {"name": "llama3", "inputUsdPerMtok": 0.5, "outputUsdPerMtok": 0.5},
        {"name": "qwen", "inputUsdPerMtok": None, "outputUsdPerMtok": None},
    ]
    assert private_ok.last_request.path == "/v1/models"


async def test_a_redirect_to_a_metadata_address_is_not_followed(
    ada: httpx.AsyncClient, private_ok: FakeProviderServer
) -> None:
    private_ok.redirect_models_to = "http://169.254.169.254/latest/meta-data/"
    created = await add_endpoint(ada, private_ok.openai_base_url)
    found = await ada.post(f"/api/v1/endpoints/{created['id']}/discover")
    assert found.status_code == 502
    assert "not followed" in found.json()["detail"]
    checked = (await ada.post(f"/api/v1/endpoints/{created['id']}/verify")).json()
    assert checked["status"] == "unreachable"
    assert len(private_ok.requests) == 2  # one each; nothing went where the redirect said


@pytest.mark.parametrize("provider", ["openai", "anthropic", "gemini", "xai"])
async def test_a_provider_key_is_tested_valid_or_refused_never_echoed(
    ada: httpx.AsyncClient, private_ok: FakeProviderServer, provider: str
) -> None:
    await add_key(ada, provider, KEY)
    valid = await ada.post(f"/api/v1/keys/{provider}/verify")
    assert valid.status_code == 200, valid.text
    assert valid.json()["status"] == "valid"
    private_ok.refuse_key(KEY)
    refused = await ada.post(f"/api/v1/keys/{provider}/verify")
    assert refused.json()["status"] == "refused"
    assert refused.json()["detail"]
    assert KEY not in refused.text


async def test_testing_a_key_that_is_not_stored_says_so(
    ada: httpx.AsyncClient, private_ok: FakeProviderServer
) -> None:
    response = await ada.post("/api/v1/keys/openai/verify")
    assert response.status_code >= 400
    assert private_ok.requests == []


async def test_an_endpoint_whose_server_is_gone_is_unreachable(
    ada: httpx.AsyncClient, private_ok: FakeProviderServer
) -> None:
    created = await add_endpoint(ada, "http://127.0.0.1:9/v1", key=KEY)
    checked = await ada.post(f"/api/v1/endpoints/{created['id']}/verify")
    assert checked.json()["status"] == "unreachable"
    assert KEY not in checked.text


# A workspace's endpoints


async def test_workspace_admins_manage_its_endpoints_and_members_run_them(
    ada: httpx.AsyncClient, new_client: ClientFactory, private_ok: FakeProviderServer
) -> None:
    team = (await ada.post("/api/v1/workspaces", json={"name": "Team"})).json()["id"]
    bob = await new_client()
    await register(bob, "bob")
    await ada.post(f"/api/v1/workspaces/{team}/members", json={"username": "bob", "role": "editor"})
    body = {"name": "shared", "baseUrl": private_ok.openai_base_url, "key": KEY}
    refused = await bob.post(f"/api/v1/workspaces/{team}/endpoints", json=body)
    assert refused.status_code == 403
    created = await ada.post(f"/api/v1/workspaces/{team}/endpoints", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["workspaceId"] == team
    listed = (await bob.get(f"/api/v1/workspaces/{team}/endpoints")).json()
    assert [e["name"] for e in listed] == ["shared"]
    assert (await bob.delete(f"/api/v1/endpoints/{created.json()['id']}")).status_code == 403
    prompt = await create_prompt(bob, model="shared/m", workspaceId=team)
    run = await bob.post(f"/api/v1/prompts/{prompt['id']}/run", json={"variables": {"topic": "x"}})
    assert run.status_code == 201, run.text
    assert private_ok.last_request.headers["authorization"] == f"Bearer {KEY}"
    carol = await new_client()
    await register(carol, "carol")
    assert (await carol.get(f"/api/v1/workspaces/{team}/endpoints")).status_code == 404
    assert (await carol.get(f"/api/v1/endpoints/{created.json()['id']}")).status_code == 404
