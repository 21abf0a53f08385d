"""Settings pages: your own endpoints (add, discover, test, delete) and "Test key"."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from promptpro.providers.registry import ProviderRegistry
from promptpro.testing import FakeProviderServer
from tests.providers.helpers import config_for
from tests.web.conftest import Browser, field_error, team_of, text_of

KEY = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"


@pytest.fixture
async def fake_providers(
    app: FastAPI, fake: FakeProviderServer
) -> AsyncIterator[FakeProviderServer]:
    """Providers on the fake server, private addresses allowed (it listens on loopback)."""
    await app.state.providers.aclose()
    app.state.providers = ProviderRegistry(
        dataclasses.replace(config_for(fake), allow_private_endpoints=True)
    )
    yield fake
    await app.state.providers.aclose()


async def test_an_endpoint_is_added_discovered_tested_and_deleted(
    ada_browser: Browser, fake_providers: FakeProviderServer
) -> None:
    page = await ada_browser.get("/settings/endpoints")
    assert 'data-testid="no-endpoints"' in page.text
    added = await ada_browser.post(
        "/settings/endpoints",
        {"name": "ollama", "baseUrl": fake_providers.openai_base_url, "key": KEY, "models": ""},
    )
    assert added.headers["location"] == "/settings/endpoints?done=endpoint-added"
    page = await ada_browser.get("/settings/endpoints")
    assert 'data-endpoint="ollama"' in page.text and KEY not in page.text
    endpoint_id = re.search(r"/settings/endpoints/(\d+)/discover", page.text)
    assert endpoint_id
    base = f"/settings/endpoints/{endpoint_id.group(1)}"
    assert (await ada_browser.post(f"{base}/discover", {})).status_code == 303
    page = await ada_browser.get("/settings/endpoints")
    assert "ollama/fake-model-1" in text_of(page.text)
    tested = await ada_browser.post(f"{base}/verify", {})
    assert 'data-status="valid"' in tested.text
    fake_providers.refuse_key(KEY)
    tested = await ada_browser.post(f"{base}/verify", {})
    assert 'data-status="refused"' in tested.text and KEY not in tested.text
    assert (await ada_browser.post(f"{base}/delete", {})).status_code == 303
    assert 'data-testid="no-endpoints"' in (await ada_browser.get("/settings/endpoints")).text


async def test_a_refused_address_is_named_on_its_field(ada_browser: Browser) -> None:
    await ada_browser.get("/settings/endpoints")
    response = await ada_browser.post(
        "/settings/endpoints", {"name": "meta", "baseUrl": "http://169.254.169.254/latest"}
    )
    assert response.status_code == 422
    assert field_error(response.text, "baseUrl")
    assert 'value="http://169.254.169.254/latest"' in response.text


async def test_test_key_says_whether_the_provider_takes_the_key(
    ada_browser: Browser, fake_providers: FakeProviderServer
) -> None:
    await ada_browser.get("/settings/keys")
    await ada_browser.post("/settings/keys/openai", {"key": KEY})
    page = await ada_browser.get("/settings/keys")
    assert 'action="/settings/keys/openai/verify"' in page.text
    assert 'action="/settings/keys/anthropic/verify"' not in page.text  # no key, no test
    tested = await ada_browser.post("/settings/keys/openai/verify", {})
    assert 'data-status="valid"' in tested.text
    fake_providers.refuse_key(KEY)
    tested = await ada_browser.post("/settings/keys/openai/verify", {})
    assert 'data-status="refused"' in tested.text
    assert KEY not in tested.text


async def test_the_endpoints_page_has_labelled_fields_and_one_heading(ada_browser: Browser) -> None:
    page = (await ada_browser.get("/settings/endpoints")).text
    assert page.count("<h1") == 1
    for field_id in re.findall(r'<(?:input|textarea|select) id="([^"]+)"', page):
        assert f'for="{field_id}"' in page, field_id


async def test_an_endpoints_models_are_in_the_model_picker(
    ada_browser: Browser, fake_providers: FakeProviderServer
) -> None:
    await ada_browser.post(
        "/settings/endpoints",
        {"name": "ollama", "baseUrl": fake_providers.openai_base_url, "models": "llama3, qwen"},
    )

    editor = await ada_browser.get("/prompts/new")

    assert 'label="ollama (own endpoint)"' in editor.text
    assert 'value="ollama/llama3"' in editor.text and 'value="ollama/qwen"' in editor.text


async def test_a_team_workspaces_endpoints_are_managed_by_its_admins_and_seen_by_members(
    ada_browser: Browser, bob_browser: Browser, fake_providers: FakeProviderServer
) -> None:
    team = await team_of(ada_browser, {"bob": "editor"})
    url = f"/workspaces/{team}/settings/endpoints"
    page = await ada_browser.get(url)
    assert f'href="{url}" data-testid="ws-tab" aria-current="page">Endpoints<' in page.text

    added = await ada_browser.post(
        url, {"name": "shared", "baseUrl": fake_providers.openai_base_url, "models": "llama3"}
    )

    assert added.headers["location"] == f"{url}?done=endpoint-added"
    listed = (await ada_browser.client.get(f"/api/v1/workspaces/{team}/endpoints")).json()
    assert [endpoint["name"] for endpoint in listed] == ["shared"]
    assert 'data-testid="no-endpoints"' in (await ada_browser.get("/settings/endpoints")).text
    seen = await bob_browser.get(url)  # an editor sees them, and may not change them
    assert 'data-endpoint="shared"' in seen.text
    assert 'data-testid="endpoint-form"' not in seen.text
    assert 'data-testid="endpoints-view-only"' in seen.text
    refused = await bob_browser.post(
        url, {"name": "mine", "baseUrl": fake_providers.openai_base_url, "models": ""}
    )
    assert refused.status_code == 403
