"""Fetch by name: the labelled version as an application needs it, snippets resolved,
strong ETag and 304, names with folders, and a label moved in one process seen in another."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from tests.conftest import AppClientFactory
from tests.support.auth import create_token, register

PROMPTS = "/api/v1/prompts"
BY_NAME = f"{PROMPTS}/by-name"


async def make(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    created = await client.post(PROMPTS, json=body)
    assert created.status_code == 201, created.text
    result: dict[str, Any] = created.json()
    return result


async def test_names_default_from_titles_are_unique_and_may_hold_folders(
    ada: httpx.AsyncClient,
) -> None:
    first = await make(ada, title="Triage e-mail!", content="x")
    second = await make(ada, title="Triage e-mail?", content="x")
    assert (first["name"], second["name"]) == ("triage-e-mail", "triage-e-mail-2")
    nested = await make(ada, name="support/triage", title="T", content="x")
    assert nested["name"] == "support/triage"
    taken = await ada.post(PROMPTS, json={"name": "support/triage", "title": "T", "content": "x"})
    assert taken.status_code == 409
    assert taken.json()["errors"][0]["field"] == "name"
    for bad in ("/lead", "trail/", "a//b", "spa ce", "-dash", "a/../b"):
        refused = await ada.post(PROMPTS, json={"name": bad, "title": "T", "content": "x"})
        assert refused.status_code == 422, bad
        assert refused.json()["errors"][0]["field"] == "name"
    renamed = await ada.patch(f"{PROMPTS}/{first['id']}", json={"name": "support/first"})
    assert renamed.json()["name"] == "support/first"
    clash = await ada.patch(f"{PROMPTS}/{second['id']}", json={"name": "support/first"})
    assert clash.status_code == 409
    assert (await ada.patch(f"{PROMPTS}/{second['id']}", json={"name": None})).status_code == 422


async def test_fetch_gives_the_labelled_version_with_snippets_resolved_and_an_etag(
    ada: httpx.AsyncClient,
) -> None:
    tone = await make(ada, name="shared/tone", title="Tone", content="Be kind.")
    await ada.put(f"{PROMPTS}/{tone['id']}/labels/production", json={"version": 1})
    await ada.patch(f"{PROMPTS}/{tone['id']}", json={"content": "Be curt."})  # v2, unlabelled
    prompt = await make(
        ada,
        name="support/triage",
        title="Triage",
        content="{{> shared/tone}} Sort {{ticket}}. {{> shared/tone@v2}}",
        model="openai/gpt-4o-mini",
        parameters={"temperature": 0.2},
    )
    missing = await ada.get(f"{BY_NAME}/support/triage")
    assert missing.status_code == 404
    assert "production" in missing.json()["detail"]
    await ada.put(f"{PROMPTS}/{prompt['id']}/labels/production", json={"version": 1})

    fetched = await ada.get(f"{BY_NAME}/support/triage")
    assert fetched.status_code == 200, fetched.text
    body = fetched.json()
    assert body["text"] == "Be kind. Sort {{ticket}}. Be curt."
    assert (body["name"], body["type"], body["version"]) == ("support/triage", "text", 1)
    assert sorted(body["labels"]) == ["latest", "production"]
    assert (body["model"], body["parameters"]) == ("openai/gpt-4o-mini", {"temperature": 0.2})
    assert body["variables"] == ["ticket"]
    assert body["snippets"] == [{"name": "shared/tone", "version": 1}]
    etag = fetched.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert "no-cache" in fetched.headers["cache-control"]

    same = await ada.get(f"{BY_NAME}/support/triage", headers={"If-None-Match": etag})
    assert same.status_code == 304
    assert same.headers["etag"] == etag
    assert same.content == b""
    # A change to an included prompt changes the answer (and its ETag).
    await ada.put(f"{PROMPTS}/{tone['id']}/labels/production", json={"version": 2})
    changed = await ada.get(f"{BY_NAME}/support/triage", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.json()["text"].startswith("Be curt.")
    assert changed.headers["etag"] != etag

    by_version = (await ada.get(f"{BY_NAME}/shared/tone?version=1")).json()
    assert by_version["text"] == "Be kind."
    latest = (await ada.get(f"{BY_NAME}/shared/tone?label=latest")).json()
    assert (latest["version"], latest["labels"]) == (2, ["production", "latest"])
    # The prompt page learns that applications fetch it (for the rename warning).
    await asyncio.sleep(0.1)
    assert (await ada.get(f"{PROMPTS}/{prompt['id']}")).json()["lastFetchedAt"] is not None


async def test_a_chat_prompt_is_fetched_with_its_messages_schema_and_tools(
    ada: httpx.AsyncClient,
) -> None:
    await make(ada, name="shared/tone", title="Tone", content="Be kind.")
    schema = {"type": "object", "properties": {"queue": {"type": "string"}}}
    tools = [{"name": "lookup", "description": "Find a ticket", "parameters": {"type": "object"}}]
    await make(
        ada,
        name="support/chat",
        title="Chat",
        messages=[
            {"role": "system", "content": "{{> shared/tone}}"},
            {"role": "user", "content": "Sort {{ticket}}."},
        ],
        schema=schema,
        tools=tools,
    )

    fetched = (await ada.get(f"{BY_NAME}/support/chat?label=latest")).json()

    assert fetched["type"] == "chat"
    assert fetched["messages"] == [
        {"role": "system", "content": "Be kind."},
        {"role": "user", "content": "Sort {{ticket}}."},
    ]
    assert fetched["schema"] == schema
    assert [tool["name"] for tool in fetched["tools"]] == ["lookup"]
    assert fetched["variables"] == ["ticket"]
    assert fetched["snippets"] == [{"name": "shared/tone", "version": 1}]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{{> loop}}", "Snippet cycle: loop → loop"),
        ("{{> nowhere}}", "Missing snippet: nowhere"),
        ("{{> loop@v7}}", "Snippet cycle: loop → loop"),
        ("{{> other@staging}}", "Missing snippet: other@staging"),
    ],
)
async def test_a_cycle_or_a_missing_snippet_is_a_422_naming_it(
    ada: httpx.AsyncClient, content: str, words: str
) -> None:
    prompt = await make(ada, name="loop", title="Loop", content=content)
    response = await ada.get(f"{BY_NAME}/loop?label=latest")
    assert response.status_code == 422, response.text
    assert words in response.json()["detail"]
    assert prompt["name"] == "loop"


async def test_snippets_nest_at_most_five_deep(ada: httpx.AsyncClient) -> None:
    for depth in range(7):
        content = f"{{{{> s{depth + 1}}}}}" if depth < 6 else "end"
        await make(ada, name=f"s{depth}", title=f"S{depth}", content=content)
    deep = await ada.get(f"{BY_NAME}/s0?label=latest")
    assert deep.status_code == 422
    assert "deeper than 5" in deep.json()["detail"]
    ok = await ada.get(f"{BY_NAME}/s1?label=latest")
    assert ok.status_code == 200
    assert ok.json()["text"] == "end"


async def test_bad_fetches_are_clear_and_other_workspaces_are_not_found(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    await make(ada, name="mine", title="Mine", content="secret")
    assert (await ada.get(f"{BY_NAME}/mine?label=Bad!")).status_code == 422
    assert (await ada.get(f"{BY_NAME}/mine?label=latest&version=1")).status_code == 422
    assert (await ada.get(f"{BY_NAME}/mine?version=0")).status_code == 422
    workspace = (await ada.get(f"{BY_NAME}/mine?label=latest")).json()["workspaceId"]
    assert (
        await bob.get(f"{BY_NAME}/mine?label=latest&workspaceId={workspace}")
    ).status_code == 404
    assert (await bob.get(f"{BY_NAME}/mine?label=latest")).status_code == 404
    # A name that ends like another route still reaches fetch.
    await make(ada, name="run", title="Run", content="r")
    assert (await ada.get(f"{BY_NAME}/run?label=latest")).json()["text"] == "r"


async def test_a_token_fetches_from_its_users_personal_workspace(
    ada: httpx.AsyncClient, app_client: AppClientFactory
) -> None:
    await make(ada, name="app/prompt", title="T", content="hello")
    token = await create_token(ada)
    other = await app_client()
    headers = {"Authorization": f"Bearer {token}"}
    fetched = await other.get(f"{BY_NAME}/app/prompt?label=latest", headers=headers)
    assert fetched.status_code == 200
    assert fetched.json()["text"] == "hello"


async def test_a_label_moved_in_one_process_is_seen_by_another_within_a_second(
    app_client: AppClientFactory, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite runs one process: there is nobody else to tell")
    first, second = await app_client(), await app_client()
    await register(first, "ada")
    token = await create_token(first)
    headers = {"Authorization": f"Bearer {token}"}
    prompt = await make(first, name="p", title="P", content="one")
    await first.patch(f"{PROMPTS}/{prompt['id']}", json={"content": "two"})
    await first.put(f"{PROMPTS}/{prompt['id']}/labels/production", json={"version": 1})
    seen = await second.get(f"{BY_NAME}/p", headers=headers)
    assert seen.json()["version"] == 1  # now cached in the second app
    assert (await second.get(f"{BY_NAME}/p", headers=headers)).json()["version"] == 1
    await first.put(f"{PROMPTS}/{prompt['id']}/labels/production", json={"version": 2})
    started = time.monotonic()
    while (await second.get(f"{BY_NAME}/p", headers=headers)).json()["version"] != 2:
        assert time.monotonic() - started < 1.0, "the second process still serves version 1"
        await asyncio.sleep(0.02)
