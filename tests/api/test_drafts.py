"""The editor's draft, kept on the server per user and prompt, size-limited, only your own."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from promptpro.db.session import unit_of_work
from promptpro.storage import Storage
from tests.conftest import ClientFactory
from tests.support.auth import login
from tests.support.runs import create_prompt

DRAFT = {
    "title": "Haiku, shorter",
    "content": "Write a haiku about {{topic}} in",
    "model": "openai/gpt-4o-mini",
    "modelOther": "",
    "categoryId": None,
    "parameters": {"temperature": "0.", "maxTokens": "", "topP": "", "system": "", "stop": ""},
}


async def test_a_draft_is_kept_replaced_read_on_another_device_and_dropped(
    ada: httpx.AsyncClient, new_client: ClientFactory
) -> None:
    prompt = await create_prompt(ada)
    path = f"/api/v1/prompts/{prompt['id']}/draft"
    assert (await ada.get(path)).status_code == 404

    put = await ada.put(path, json=DRAFT)
    assert put.status_code == 200, put.text
    assert put.json()["content"] == DRAFT["content"]
    assert put.json()["parameters"]["temperature"] == "0."
    assert put.json()["basedOnVersion"] == 1
    assert put.json()["updatedAt"]
    again = await ada.put(path, json={**DRAFT, "content": "Write two haiku"})
    assert again.json()["content"] == "Write two haiku"

    other_device = await new_client()
    await login(other_device, "ada")
    read = await other_device.get(path)
    assert read.status_code == 200
    assert read.json()["content"] == "Write two haiku"
    assert read.json()["title"] == DRAFT["title"]

    assert (await other_device.delete(path)).status_code == 204
    assert (await ada.get(path)).status_code == 404
    assert (await ada.delete(path)).status_code == 204  # none left: fine


async def test_saving_the_prompt_drops_its_draft(ada: httpx.AsyncClient) -> None:
    prompt = await create_prompt(ada)
    path = f"/api/v1/prompts/{prompt['id']}/draft"
    await ada.put(path, json=DRAFT)
    saved = await ada.patch(f"/api/v1/prompts/{prompt['id']}", json={"title": "Saved"})
    assert saved.status_code == 200
    assert (await ada.get(path)).status_code == 404


async def test_another_users_prompt_has_no_draft_for_you(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    prompt = await create_prompt(ada)
    path = f"/api/v1/prompts/{prompt['id']}/draft"
    await ada.put(path, json=DRAFT)
    assert (await bob.get(path)).status_code == 404
    assert (await bob.put(path, json=DRAFT)).status_code == 404
    assert (await bob.delete(path)).status_code == 404
    assert (await ada.get(path)).json()["content"] == DRAFT["content"]
    assert (await ada.put("/api/v1/prompts/99999999/draft", json=DRAFT)).status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"content": "x" * 100_001}, "content"),
        ({"title": "t\u0000"}, "title"),
        ({"parameters": {"seed": "1"}}, "parameters.seed"),
        ({"color": "red"}, "color"),
        ({"categoryId": "work"}, "categoryId"),
    ],
)
async def test_a_bad_draft_is_a_422(
    ada: httpx.AsyncClient, change: dict[str, Any], field: str
) -> None:
    prompt = await create_prompt(ada)
    response = await ada.put(f"/api/v1/prompts/{prompt['id']}/draft", json={**DRAFT, **change})
    assert response.status_code == 422, response.text
    assert field in [error["field"] for error in response.json()["errors"]]


async def test_a_draft_over_the_size_limit_is_refused(app: FastAPI, ada: httpx.AsyncClient) -> None:
    app.state.settings = app.state.settings.model_copy(update={"draft_max_bytes": 500})
    prompt = await create_prompt(ada)
    path = f"/api/v1/prompts/{prompt['id']}/draft"
    small = await ada.put(path, json=DRAFT)
    assert small.status_code == 200, small.text
    response = await ada.put(path, json={**DRAFT, "content": "x" * 600})
    assert response.status_code == 422
    assert "at most 500 bytes" in response.json()["errors"][0]["message"]
    assert (await ada.get(path)).json()["content"] == DRAFT["content"]


async def test_a_deleted_prompt_takes_its_drafts_along(
    app: FastAPI, ada: httpx.AsyncClient
) -> None:
    prompt = await create_prompt(ada)
    await ada.put(f"/api/v1/prompts/{prompt['id']}/draft", json=DRAFT)
    owner_id = (await ada.get("/api/v1/auth/session")).json()["user"]["id"]
    assert (await ada.delete(f"/api/v1/prompts/{prompt['id']}")).status_code == 204
    async with unit_of_work(app.state.session_factory) as session:
        assert await Storage(session).get_draft(owner_id, prompt["id"]) is None
