"""A team workspace's own provider keys: admins set them, members' runs use them, nobody
reads them, and every answer says whose key paid (`keySource`)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from promptpro.providers.registry import ProviderRegistry
from promptpro.testing import FakeProviderServer
from tests.conftest import AppClientFactory, ClientFactory
from tests.providers.helpers import config_for
from tests.support.auth import register
from tests.support.runs import API_KEY, add_key, create_prompt, stream_run

WORKSPACES = "/api/v1/workspaces"
TEAM_KEY = "sk-proj-team0123456789abcdefTEAM"
NEW_TEAM_KEY = "sk-proj-team9876543210zyxwvuNEWK"


@pytest.fixture
async def fake_providers(app: FastAPI, fake: FakeProviderServer) -> AsyncIterator[None]:
    """The app's providers are the fake server (nobody has a key yet)."""
    await app.state.providers.aclose()
    app.state.providers = ProviderRegistry(config_for(fake))
    yield
    await app.state.providers.aclose()


async def team_with(owner: httpx.AsyncClient, members: dict[str, str]) -> int:
    """A team workspace of `owner` with the users named in `members` at their roles."""
    team = (await owner.post(WORKSPACES, json={"name": "Team"})).json()["id"]
    for username, role in members.items():
        added = await owner.post(
            f"{WORKSPACES}/{team}/members", json={"username": username, "role": role}
        )
        assert added.status_code == 201, added.text
    return int(team)


def keys_url(team: int, provider: str = "") -> str:
    return f"{WORKSPACES}/{team}/keys" + (f"/{provider}" if provider else "")


async def run(client: httpx.AsyncClient, prompt_id: int, **body: Any) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/prompts/{prompt_id}/run", json={"variables": {"topic": "tea"}, **body}
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def sent_key(fake: FakeProviderServer) -> str:
    """The key the last provider request carried (OpenAI's bearer header)."""
    assert fake.last_request is not None
    return fake.last_request.headers["authorization"].removeprefix("Bearer ")


# Setting, listing, removing


async def test_an_admin_sets_a_key_and_sees_only_its_hint(ada: httpx.AsyncClient) -> None:
    team = await team_with(ada, {})
    before = (await ada.get(keys_url(team))).json()
    assert [(k["provider"], k["configured"]) for k in before] == [
        ("openai", False),
        ("anthropic", False),
        ("gemini", False),
        ("xai", False),
    ]
    stored = await ada.put(keys_url(team, "openai"), json={"key": TEAM_KEY})
    assert stored.status_code == 200, stored.text
    assert stored.json()["hint"] == "sk-proj-…TEAM"
    listed = (await ada.get(keys_url(team))).json()
    assert listed[0]["configured"] is True
    assert listed[0]["hint"] == "sk-proj-…TEAM"
    for response in (stored, await ada.get(keys_url(team))):
        assert TEAM_KEY not in response.text
    # The workspace's key is not the user's: their own keys are untouched.
    mine = (await ada.get("/api/v1/keys")).json()
    assert not any(k["configured"] for k in mine)

    removed = await ada.delete(keys_url(team, "openai"))
    assert removed.status_code == 204
    assert (await ada.get(keys_url(team))).json()[0]["configured"] is False
    # Removing again changes nothing and is still 204.
    assert (await ada.delete(keys_url(team, "openai"))).status_code == 204


@pytest.mark.parametrize("role", ["editor", "viewer"])
async def test_editors_and_viewers_can_neither_read_nor_change_the_keys(
    role: str, ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    team = await team_with(ada, {"bob": role})
    await ada.put(keys_url(team, "openai"), json={"key": TEAM_KEY})
    for response in (
        await bob.get(keys_url(team)),
        await bob.put(keys_url(team, "openai"), json={"key": "sk-bobs-own-key-0123456789"}),
        await bob.delete(keys_url(team, "openai")),
    ):
        assert response.status_code == 403, response.text
        problem = response.json()
        assert problem["type"] == "/problems/role-required"
        assert "admin role" in problem["detail"]
        assert "TEAM" not in response.text
    assert (await ada.get(keys_url(team))).json()[0]["hint"] == "sk-proj-…TEAM"


async def test_a_workspace_admin_manages_keys_like_an_owner(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    team = await team_with(ada, {"bob": "admin"})
    assert (await bob.put(keys_url(team, "gemini"), json={"key": TEAM_KEY})).status_code == 200
    assert (await ada.get(keys_url(team))).json()[2]["configured"] is True
    assert (await bob.delete(keys_url(team, "gemini"))).status_code == 204


async def test_a_non_member_gets_404_and_learns_nothing(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    team = await team_with(ada, {})
    await ada.put(keys_url(team, "openai"), json={"key": TEAM_KEY})
    for response in (
        await bob.get(keys_url(team)),
        await bob.put(keys_url(team, "openai"), json={"key": "sk-bobs-own-key-0123456789"}),
        await bob.delete(keys_url(team, "openai")),
        await bob.get(keys_url(999999)),
    ):
        assert response.status_code == 404, response.text
    assert (await ada.get(keys_url(team))).json()[0]["hint"] == "sk-proj-…TEAM"


async def test_bad_input_is_a_clear_422_that_never_repeats_the_key(
    ada: httpx.AsyncClient,
) -> None:
    team = await team_with(ada, {})
    unknown = await ada.put(keys_url(team, "mistral"), json={"key": TEAM_KEY})
    assert unknown.status_code == 422
    assert TEAM_KEY not in unknown.text
    pasted = "sk-proj-with a space-0123456789"
    spaced = await ada.put(keys_url(team, "openai"), json={"key": pasted})
    assert spaced.status_code == 422
    assert pasted not in spaced.text
    assert "printable ASCII" in spaced.text
    short = await ada.put(keys_url(team, "openai"), json={"key": "sk-1"})
    assert short.status_code == 422
    missing = await ada.put(keys_url(team, "openai"), json={})
    assert missing.status_code == 422
    assert (await ada.get(keys_url(0))).status_code in (404, 422)
    assert (await ada.get(f"{WORKSPACES}/abc/keys")).status_code == 422


async def test_a_personal_workspace_has_no_keys_of_its_own(ada: httpx.AsyncClient) -> None:
    personal = (await ada.get(WORKSPACES)).json()[0]["id"]
    refused = await ada.put(keys_url(personal, "openai"), json={"key": TEAM_KEY})
    assert refused.status_code == 409
    assert "Settings" in refused.json()["detail"]


async def test_setting_and_removing_a_key_is_in_the_audit_log_with_its_workspace(
    ada: httpx.AsyncClient,
) -> None:
    team = await team_with(ada, {})
    await ada.put(keys_url(team, "openai"), json={"key": TEAM_KEY})
    await ada.delete(keys_url(team, "openai"))
    events = (await ada.get("/api/v1/me/audit")).json()["items"]
    keyed = [e for e in events if e["objectType"] == "workspace_api_key"]
    assert [(e["action"], e["workspaceId"], e["objectId"]) for e in keyed] == [
        ("key.removed", team, "openai"),
        ("key.set", team, "openai"),
    ]
    assert all("TEAM" not in e["summary"] for e in keyed)


async def test_deleting_the_workspace_deletes_its_keys(ada: httpx.AsyncClient) -> None:
    team = await team_with(ada, {})
    await ada.put(keys_url(team, "openai"), json={"key": TEAM_KEY})
    gone = await ada.request("DELETE", f"{WORKSPACES}/{team}", json={"confirm": "Team"})
    assert gone.status_code == 204
    assert (await ada.get(keys_url(team))).status_code == 404


# Runs on the workspace's key


async def test_a_member_runs_on_the_workspace_key_without_a_key_of_their_own(
    ada: httpx.AsyncClient,
    bob: httpx.AsyncClient,
    fake: FakeProviderServer,
    fake_providers: None,
) -> None:
    team = await team_with(ada, {"bob": "editor"})
    await ada.put(keys_url(team, "openai"), json={"key": TEAM_KEY})
    prompt = await create_prompt(ada, workspaceId=team)

    answer = await run(bob, prompt["id"])

    assert answer["status"] == "completed"
    assert answer["keySource"] == "workspace"
    assert sent_key(fake) == TEAM_KEY
    stored = (await ada.get(f"/api/v1/responses/{answer['id']}")).json()
    assert stored["keySource"] == "workspace"
    assert stored["runBy"] == (await bob.get("/api/v1/me")).json()["id"]


async def test_without_a_workspace_key_the_runner_pays_with_their_own(
    ada: httpx.AsyncClient,
    bob: httpx.AsyncClient,
    fake: FakeProviderServer,
    fake_providers: None,
) -> None:
    team = await team_with(ada, {"bob": "editor"})
    await add_key(bob, "openai")
    # The workspace has a key for another provider only.
    await ada.put(keys_url(team, "anthropic"), json={"key": TEAM_KEY})
    prompt = await create_prompt(ada, workspaceId=team)

    answer = await run(bob, prompt["id"])

    assert answer["keySource"] == "personal"
    assert sent_key(fake) == API_KEY


async def test_a_run_in_a_personal_workspace_is_personal(
    ada: httpx.AsyncClient, fake_providers: None
) -> None:
    await add_key(ada, "openai")
    prompt = await create_prompt(ada)
    assert (await run(ada, prompt["id"]))["keySource"] == "personal"


async def test_neither_key_is_a_clear_problem(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient, fake_providers: None
) -> None:
    team = await team_with(ada, {"bob": "editor"})
    prompt = await create_prompt(ada, workspaceId=team)
    response = await bob.post(
        f"/api/v1/prompts/{prompt['id']}/run", json={"variables": {"topic": "tea"}}
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/no-key"


async def test_a_replaced_or_removed_key_is_what_the_next_run_uses_in_every_process(
    ada: httpx.AsyncClient,
    bob: httpx.AsyncClient,
    fake: FakeProviderServer,
    fake_providers: None,
    app_client: AppClientFactory,
) -> None:
    team = await team_with(ada, {"bob": "editor"})
    await add_key(bob, "openai")
    await ada.put(keys_url(team, "openai"), json={"key": TEAM_KEY})
    prompt = await create_prompt(ada, workspaceId=team)
    assert (await run(bob, prompt["id"]))["keySource"] == "workspace"

    # Another worker process (another app on the same database) replaces the key...
    other = await app_client()
    await register(other, "carol")
    carol = (await other.get("/api/v1/me")).json()["id"]
    assert carol
    await ada.post(f"{WORKSPACES}/{team}/members", json={"username": "carol", "role": "admin"})
    replaced = await other.put(keys_url(team, "openai"), json={"key": NEW_TEAM_KEY})
    assert replaced.status_code == 200
    # ...and this one's next run uses the new key at once,
    await run(bob, prompt["id"])
    assert sent_key(fake) == NEW_TEAM_KEY
    # then, the key removed over there, the runner's own.
    assert (await other.delete(keys_url(team, "openai"))).status_code == 204
    answer = await run(bob, prompt["id"])
    assert answer["keySource"] == "personal"
    assert sent_key(fake) == API_KEY


async def test_compare_and_re_run_use_the_workspace_key_too(
    ada: httpx.AsyncClient,
    bob: httpx.AsyncClient,
    fake: FakeProviderServer,
    fake_providers: None,
) -> None:
    team = await team_with(ada, {"bob": "editor"})
    await ada.put(keys_url(team, "openai"), json={"key": TEAM_KEY})
    await ada.put(keys_url(team, "anthropic"), json={"key": TEAM_KEY})
    prompt = await create_prompt(ada, workspaceId=team)

    compared = await bob.post(
        f"/api/v1/prompts/{prompt['id']}/compare",
        json={
            "variables": {"topic": "x"},
            "models": ["openai/gpt-4o-mini", "anthropic/claude-x"],
        },
    )
    assert compared.status_code in (200, 201), compared.text
    assert [c["keySource"] for c in compared.json()] == ["workspace", "workspace"]

    first = await run(bob, prompt["id"])
    again = await bob.post(f"/api/v1/responses/{first['id']}/rerun", json={})
    assert again.status_code == 201, again.text
    assert again.json()["keySource"] == "workspace"
    assert sent_key(fake) == TEAM_KEY


async def test_the_stream_reports_the_key_source_in_its_answer(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient, fake_providers: None
) -> None:
    team = await team_with(ada, {"bob": "editor"})
    await ada.put(keys_url(team, "openai"), json={"key": TEAM_KEY})
    prompt = await create_prompt(ada, workspaceId=team)
    events = await stream_run(
        bob, f"/api/v1/prompts/{prompt['id']}/run", {"variables": {"topic": "x"}}
    )
    done = events[-1]
    assert done.name == "done"
    stored = (await bob.get(f"/api/v1/responses/{done.data['responseId']}")).json()
    assert stored["keySource"] == "workspace"


async def test_a_refused_workspace_key_never_leaves_in_the_problem_or_the_log(
    ada: httpx.AsyncClient,
    bob: httpx.AsyncClient,
    fake: FakeProviderServer,
    fake_providers: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    team = await team_with(ada, {"bob": "editor"})
    await ada.put(keys_url(team, "openai"), json={"key": TEAM_KEY})
    prompt = await create_prompt(ada, workspaceId=team)
    fake.configure(status=401, error_message=f"Incorrect API key provided: {TEAM_KEY}")
    caplog.set_level(logging.DEBUG)

    response = await bob.post(
        f"/api/v1/prompts/{prompt['id']}/run", json={"variables": {"topic": "x"}}
    )

    assert response.status_code == 502
    assert TEAM_KEY not in response.text
    assert TEAM_KEY[8:] not in response.text
    stored = (await ada.get(f"/api/v1/prompts/{prompt['id']}/responses")).json()
    assert TEAM_KEY[8:] not in str(stored)
    assert TEAM_KEY[8:] not in caplog.text


async def test_a_member_removed_while_their_run_streams_keeps_its_answer(
    ada: httpx.AsyncClient,
    bob: httpx.AsyncClient,
    fake: FakeProviderServer,
    fake_providers: None,
    new_client: ClientFactory,
) -> None:
    """A paid answer is never lost: the run's end is stored though its runner is gone."""
    import asyncio

    team = await team_with(ada, {"bob": "editor"})
    await add_key(bob, "openai")
    prompt = await create_prompt(ada, workspaceId=team)
    bob_id = (await bob.get("/api/v1/me")).json()["id"]
    fake.configure(chunks=4, chunk_delay=0.3)

    started = asyncio.create_task(
        stream_run(bob, f"/api/v1/prompts/{prompt['id']}/run", {"variables": {"topic": "x"}})
    )
    for _ in range(200):  # the provider has been asked: the run streams
        if fake.requests:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)
    removed = await ada.delete(f"{WORKSPACES}/{team}/members/{bob_id}")
    assert removed.status_code == 204
    events = await started

    assert events[-1].name == "done", events[-1]
    response_id = events[-1].data["responseId"]
    stored = (await ada.get(f"/api/v1/responses/{response_id}")).json()
    assert stored["status"] == "completed"
    assert stored["content"] == "Hello from the fake provider."
    assert stored["runBy"] == bob_id
    # Bob no longer sees it: he is not a member any more.
    assert (await bob.get(f"/api/v1/responses/{response_id}")).status_code == 404
