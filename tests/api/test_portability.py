"""Export and import of a workspace's library in our own format, over the API."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from tests.conftest import AppClientFactory, ClientFactory
from tests.support.auth import create_token, register

SCHEMA = json.loads(
    (Path(__file__).parents[2] / "docs" / "promptpro-export.schema.json").read_text()
)
OPENAI_KEY = "sk-test-" + "k" * 40
PROMPTS = "/api/v1/prompts"


async def personal(client: httpx.AsyncClient) -> int:
    workspace_id: int = (await client.get("/api/v1/workspaces")).json()[0]["id"]
    return workspace_id


async def team(client: httpx.AsyncClient, name: str = "Team") -> int:
    response = await client.post("/api/v1/workspaces", json={"name": name})
    assert response.status_code == 201, response.text
    workspace_id: int = response.json()["id"]
    return workspace_id


async def new_prompt(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post(PROMPTS, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def fill_library(client: httpx.AsyncClient, workspace_id: int) -> None:
    """A small library with a bit of everything the format carries."""
    category = await client.post(
        "/api/v1/categories",
        json={"name": "Support", "description": "Mail", "workspaceId": workspace_id},
    )
    assert category.status_code == 201, category.text
    greeting = await new_prompt(
        client,
        workspaceId=workspace_id,
        name="snippets/greeting",
        title="Greeting",
        content="Hello {{name}}.",
    )
    triage = await new_prompt(
        client,
        workspaceId=workspace_id,
        name="support/triage",
        title="Triage",
        content="{{> snippets/greeting@production}} Sort this: {{mail}}",
        categoryId=category.json()["id"],
        tags=["Email", "triage"],
        model="openai/gpt-4o-mini",
        parameters={"temperature": 0.2, "maxTokens": 300},
    )
    changed = await client.patch(
        f"{PROMPTS}/{triage['id']}",
        json={"content": "{{> snippets/greeting}} Sort: {{mail}}", "message": "shorter"},
    )
    assert changed.status_code == 200, changed.text
    for prompt_id, label, version in (
        (triage["id"], "production", 1),
        (triage["id"], "staging", 2),
    ):
        moved = await client.put(
            f"{PROMPTS}/{prompt_id}/labels/{label}", json={"version": version, "note": "ship"}
        )
        assert moved.status_code == 200, moved.text
    await client.put(f"{PROMPTS}/{triage['id']}/labels/production", json={"version": 2})
    await client.put(f"{PROMPTS}/{greeting['id']}/labels/production", json={"version": 1})
    await new_prompt(
        client,
        workspaceId=workspace_id,
        name="chat/extract",
        title="Extract",
        messages=[
            {"role": "system", "content": "Answer in JSON."},
            {"role": "user", "content": "{{text}}"},
        ],
        schema={"type": "object", "properties": {"name": {"type": "string"}}},
        tools=[
            {
                "name": "lookup",
                "description": "Find a customer",
                "parameters": {"type": "object", "properties": {"id": {"type": "string"}}},
            }
        ],
    )
    test_set = await client.post(
        "/api/v1/test-sets",
        json={
            "name": "Mails",
            "workspaceId": workspace_id,
            "assertions": [{"type": "contains", "value": "Sort"}],
            "threshold": 0.5,
        },
    )
    assert test_set.status_code == 201, test_set.text
    rows = await client.post(
        f"/api/v1/test-sets/{test_set.json()['id']}/import",
        params={"format": "jsonl"},
        content=b'{"variables": {"mail": "hi"}, "expected": "Sort"}\n'
        b'{"variables": {"mail": "bye"}, "metadata": {"k": 1}}\n',
        headers={"content-type": "application/x-ndjson"},
    )
    assert rows.status_code == 200, rows.text


async def export(
    client: httpx.AsyncClient, workspace_id: int, file_format: str = "promptpro", **params: Any
) -> httpx.Response:
    response = await client.get(
        f"/api/v1/workspaces/{workspace_id}/export", params={"format": file_format, **params}
    )
    assert response.status_code == 200, response.text
    return response


async def import_(
    client: httpx.AsyncClient,
    workspace_id: int,
    content: bytes,
    file_format: str = "promptpro",
    **params: Any,
) -> httpx.Response:
    return await client.post(
        f"/api/v1/workspaces/{workspace_id}/import",
        params={"format": file_format, **params},
        content=content,
        headers={"content-type": "application/octet-stream"},
    )


def without_moments(document: dict[str, Any]) -> dict[str, Any]:
    """The document apart from timestamps (it holds no ids)."""
    text = json.dumps(document)
    cleaned: dict[str, Any] = json.loads(text)
    cleaned.pop("exportedAt")
    cleaned["workspace"].pop("name")
    for prompt in cleaned["prompts"]:
        for version in prompt["versions"]:
            version.pop("createdAt")
        for event in prompt["labelHistory"]:
            event.pop("at")
    return cleaned


def names(items: list[dict[str, Any]]) -> list[str]:
    return sorted(item["name"] for item in items)


async def test_export_is_a_valid_document_with_everything(ada: httpx.AsyncClient) -> None:
    workspace_id = await personal(ada)
    await fill_library(ada, workspace_id)
    response = await export(ada, workspace_id)
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    document = response.json()
    jsonschema.validate(document, SCHEMA)
    assert (document["format"], document["version"]) == ("promptpro-export", 1)
    assert document["categories"] == [{"name": "Support", "description": "Mail"}]
    assert document["tags"] == ["email", "triage"]
    assert document["snippets"] == ["snippets/greeting"]
    prompts = {p["name"]: p for p in document["prompts"]}
    assert list(prompts) == ["chat/extract", "snippets/greeting", "support/triage"]
    triage = prompts["support/triage"]
    assert [v["version"] for v in triage["versions"]] == [1, 2]
    assert triage["versions"][0]["parameters"] == {"temperature": 0.2, "maxTokens": 300}
    assert triage["versions"][1]["message"] == "shorter"
    assert triage["labels"] == {"production": 2, "staging": 2}
    assert [(e["label"], e["from"], e["to"]) for e in triage["labelHistory"]] == [
        ("production", None, 1),
        ("staging", None, 2),
        ("production", 1, 2),
    ]
    assert (triage["category"], triage["tags"]) == ("Support", ["email", "triage"])
    chat = prompts["chat/extract"]["versions"][0]
    assert chat["type"] == "chat" and "content" not in chat
    assert chat["tools"][0]["name"] == "lookup"
    [test_set] = document["testSets"]
    assert test_set["threshold"] == 0.5
    assert [r["variables"] for r in test_set["rows"]] == [{"mail": "hi"}, {"mail": "bye"}]


async def test_round_trip_into_an_empty_workspace_gives_the_same_document(
    ada: httpx.AsyncClient,
) -> None:
    source = await personal(ada)
    await fill_library(ada, source)
    first = (await export(ada, source)).content
    target = await team(ada)
    report = await import_(ada, target, first)
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["counts"]["created"] == 1 + 3 + 1  # category, prompts, test set
    assert body["notCarried"] == [] and body["conflicts"] == []
    second = (await export(ada, target)).json()
    jsonschema.validate(second, SCHEMA)
    assert without_moments(second) == without_moments(json.loads(first))
    # The moments of history come along too.
    assert (
        second["prompts"][2]["versions"][0]["createdAt"]
        == json.loads(first)["prompts"][2]["versions"][0]["createdAt"]
    )


async def test_importing_the_same_file_twice_changes_nothing(ada: httpx.AsyncClient) -> None:
    source = await personal(ada)
    await fill_library(ada, source)
    document = (await export(ada, source)).content
    target = await team(ada)
    assert (await import_(ada, target, document)).status_code == 200
    before = without_moments((await export(ada, target)).json())
    for policy in ("skip", "rename", "version"):
        again = (await import_(ada, target, document, onConflict=policy)).json()
        assert again["created"] == [] and again["updated"] == [] and again["conflicts"] == []
        assert again["counts"]["skipped"] == 4  # three prompts and the test set, unchanged
    assert without_moments((await export(ada, target)).json()) == before


async def test_a_dry_run_reports_and_changes_nothing(ada: httpx.AsyncClient) -> None:
    source = await personal(ada)
    await fill_library(ada, source)
    document = (await export(ada, source)).content
    target = await team(ada)
    dry = (await import_(ada, target, document, dryRun="true")).json()
    assert dry["dryRun"] is True
    assert names([i for i in dry["created"] if i["kind"] == "prompt"]) == [
        "chat/extract",
        "snippets/greeting",
        "support/triage",
    ]
    listed = (await ada.get(PROMPTS, params={"workspaceId": target})).json()["items"]
    assert listed == []
    assert (await ada.get("/api/v1/test-sets", params={"workspaceId": target})).json() == []
    real = (await import_(ada, target, document)).json()
    assert real["created"] == dry["created"]


def changed_document(document: bytes) -> bytes:
    """The same library with a new wording for support/triage and more rows in Mails."""
    data = json.loads(document)
    for prompt in data["prompts"]:
        if prompt["name"] == "support/triage":
            prompt["versions"][-1]["content"] = "Triage anew: {{mail}}"
    data["testSets"][0]["rows"].append({"variables": {"mail": "new"}})
    return json.dumps(data).encode()


@pytest.mark.parametrize("policy", ["skip", "rename", "version"])
async def test_name_conflicts_follow_the_policy(ada: httpx.AsyncClient, policy: str) -> None:
    workspace_id = await personal(ada)
    await fill_library(ada, workspace_id)
    document = changed_document((await export(ada, workspace_id)).content)
    report = (await import_(ada, workspace_id, document, onConflict=policy)).json()
    assert names(report["conflicts"]) == ["Mails", "support/triage"]
    prompts = {
        p["name"]: p
        for p in (await ada.get(PROMPTS, params={"workspaceId": workspace_id})).json()["items"]
    }
    triage = prompts["support/triage"]
    versions = (await ada.get(f"{PROMPTS}/{triage['id']}/versions")).json()
    sets = (await ada.get("/api/v1/test-sets", params={"workspaceId": workspace_id})).json()
    if policy == "skip":
        assert names(report["skipped"]) == [
            "Mails",
            "chat/extract",
            "snippets/greeting",
            "support/triage",
        ]
        assert len(versions) == 2 and "support/triage-2" not in prompts
    elif policy == "rename":
        assert names(report["created"]) == ["Mails-2", "support/triage-2"]
        assert prompts["support/triage-2"]["content"] == "Triage anew: {{mail}}"
        assert sorted(s["name"] for s in sets) == ["Mails", "Mails-2"]
    else:
        assert names(report["updated"]) == ["Mails", "support/triage"]
        assert versions[0]["version"] == 3 and versions[0]["content"] == "Triage anew: {{mail}}"
        assert [s["rowCount"] for s in sets] == [3]
        # Labels stay where they were: a new version is not promoted by an import.
        assert triage["labels"] == {"production": 2, "staging": 2}


async def test_no_secret_is_in_any_export(
    ada: httpx.AsyncClient, app_client: AppClientFactory
) -> None:
    workspace_id = await personal(ada)
    await fill_library(ada, workspace_id)
    assert (await ada.put("/api/v1/keys/openai", json={"key": OPENAI_KEY})).status_code == 200
    token = await create_token(ada)
    session = ada.cookies.get("promptpro_session")
    assert session
    secrets = [OPENAI_KEY, token, session, "argon2", token[3:20]]
    for file_format in ("promptpro", "promptfoo", "langfuse", "prompty", "dotprompt", "markdown"):
        content = (await export(ada, workspace_id, file_format, responses="true")).content
        texts = [content.decode("utf-8", "replace")]
        if content.startswith(b"PK"):
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                texts = [archive.read(n).decode() for n in archive.namelist()]
        for text in texts:
            for secret in secrets:
                assert secret not in text, (file_format, secret[:6])


async def test_chosen_prompts_come_with_the_snippets_they_include(ada: httpx.AsyncClient) -> None:
    workspace_id = await personal(ada)
    await fill_library(ada, workspace_id)
    listed = (await ada.get(PROMPTS, params={"workspaceId": workspace_id})).json()["items"]
    triage = next(p for p in listed if p["name"] == "support/triage")
    document = (await export(ada, workspace_id, promptIds=triage["id"])).json()
    assert [p["name"] for p in document["prompts"]] == ["snippets/greeting", "support/triage"]
    assert document["testSets"] == []
    bad = await ada.get(
        f"/api/v1/workspaces/{workspace_id}/export",
        params={"format": "promptpro", "promptIds": 999999},
    )
    assert bad.status_code == 422


async def test_a_viewer_may_export_but_not_import_and_strangers_see_nothing(
    ada: httpx.AsyncClient, new_client: ClientFactory
) -> None:
    workspace_id = await team(ada)
    await fill_library(ada, workspace_id)
    viewer = await new_client()
    await register(viewer, "vera")
    added = await ada.post(
        f"/api/v1/workspaces/{workspace_id}/members", json={"username": "vera", "role": "viewer"}
    )
    assert added.status_code == 201, added.text
    document = (await export(viewer, workspace_id)).content
    refused = await import_(viewer, workspace_id, document)
    assert refused.status_code == 403
    assert "editor" in refused.json()["detail"]
    stranger = await new_client()
    await register(stranger, "sam")
    for response in (
        await stranger.get(f"/api/v1/workspaces/{workspace_id}/export?format=promptpro"),
        await import_(stranger, workspace_id, document),
    ):
        assert response.status_code == 404, response.text


async def test_an_editor_imports_but_may_not_set_a_protected_label(
    ada: httpx.AsyncClient, new_client: ClientFactory
) -> None:
    source = await personal(ada)
    await fill_library(ada, source)
    document = (await export(ada, source)).content
    workspace_id = await team(ada)
    editor = await new_client()
    await register(editor, "eddie")
    await ada.post(
        f"/api/v1/workspaces/{workspace_id}/members", json={"username": "eddie", "role": "editor"}
    )
    report = (await import_(editor, workspace_id, document)).json()
    lost = {item["name"] for item in report["notCarried"]}
    assert lost == {"snippets/greeting@production", "support/triage@production"}
    listed = (await ada.get(PROMPTS, params={"workspaceId": workspace_id})).json()["items"]
    assert next(p for p in listed if p["name"] == "support/triage")["labels"] == {"staging": 2}


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (b"{not json", ""),
        (b"[1, 2]", ""),
        (b"", ""),
        (b'{"format": "other", "version": 1}', "format"),
        (b'{"format": "promptpro-export", "version": 2}', "version"),
        (
            b'{"format": "promptpro-export", "version": 1, "prompts": [{"name": "../x", '
            b'"versions": [{"version": 1, "title": "t", "content": "c"}]}]}',
            "prompts.0.name",
        ),
        (
            b'{"format": "promptpro-export", "version": 1, "prompts": [{"name": "x", '
            b'"versions": [{"version": 1, "title": "t", "content": "c", "model": "nope/m"}]}]}',
            "prompts.0.model",
        ),
        (b'{"format": "promptpro-export", "version": 1, "prompts": [{"name": "x"', ""),
    ],
)
async def test_bad_files_are_specific_problems_and_store_nothing(
    ada: httpx.AsyncClient, content: bytes, field: str
) -> None:
    workspace_id = await personal(ada)
    response = await import_(ada, workspace_id, content)
    assert response.status_code == 422, response.text
    problem = response.json()
    if field:
        assert problem["errors"][0]["field"] == field
    assert (await ada.get(PROMPTS)).json()["items"] == []


async def test_uploads_past_the_limit_are_refused(app_client: AppClientFactory) -> None:
    client = await app_client(import_max_bytes=100)
    await register(client, "ada")
    workspace_id = await personal(client)
    response = await import_(client, workspace_id, b" " * 101)
    assert response.status_code == 413
    assert response.json()["type"].endswith("/too-large")
    small = await import_(client, workspace_id, b'{"format": "promptpro-export", "version": 1}')
    assert small.status_code == 200, small.text
