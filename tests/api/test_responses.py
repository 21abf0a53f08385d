"""Responses over HTTP: a prompt's history newest first in pages, one response, deleting one.

Running prompts is a later feature, so these tests store responses through the storage.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from promptpro.db.session import unit_of_work
from promptpro.schemas.responses import ResponseCreate
from promptpro.storage import Storage


async def ada_id(client: httpx.AsyncClient) -> str:
    user_id: str = (await client.get("/api/v1/auth/session")).json()["user"]["id"]
    return user_id


async def new_prompt(client: httpx.AsyncClient) -> int:
    response = await client.post("/api/v1/prompts", json={"title": "t", "content": "c"})
    prompt_id: int = response.json()["id"]
    return prompt_id


async def store_response(app: FastAPI, owner_id: str, prompt_id: int, **fields: Any) -> int:
    """Store a response the way a finished run will."""
    data = ResponseCreate(model="openai/gpt-4o-mini", **fields)
    async with unit_of_work(app.state.session_factory) as session:
        response = await Storage(session).create_response(owner_id, prompt_id, data)
        return response.id


async def test_a_response_reads_back_in_camel_case_with_its_run_record(
    app: FastAPI, ada: httpx.AsyncClient
) -> None:
    prompt_id = await new_prompt(ada)
    response_id = await store_response(
        app,
        await ada_id(ada),
        prompt_id,
        content="Hello!",
        generation_time=1.25,
        input_tokens=12,
        output_tokens=3,
        parameters={"max_tokens": 50},
        variables={"topic": "tea"},
    )
    response = await ada.get(f"/api/v1/responses/{response_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["promptId"] == prompt_id
    assert body["content"] == "Hello!"
    assert body["model"] == "openai/gpt-4o-mini"
    assert body["status"] == "completed"
    assert (body["generationTime"], body["inputTokens"], body["outputTokens"]) == (1.25, 12, 3)
    assert body["parameters"]["maxTokens"] == 50
    assert body["variables"] == {"topic": "tea"}
    assert {"createdAt", "promptVersionId", "costUsd", "timeToFirstToken", "error"} <= set(body)


async def test_a_prompts_responses_are_listed_newest_first_in_pages(
    app: FastAPI, ada: httpx.AsyncClient
) -> None:
    prompt_id = await new_prompt(ada)
    owner = await ada_id(ada)
    ids = [await store_response(app, owner, prompt_id, content=f"{n}") for n in range(5)]
    other_prompt = await new_prompt(ada)
    await store_response(app, owner, other_prompt, content="elsewhere")
    url = f"/api/v1/prompts/{prompt_id}/responses"
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await ada.get(url, params=params)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == ids[::-1]
    default = (await ada.get(url)).json()
    assert len(default["items"]) == 5
    assert default["nextCursor"] is None


async def test_a_prompt_without_responses_has_an_empty_history(ada: httpx.AsyncClient) -> None:
    response = await ada.get(f"/api/v1/prompts/{await new_prompt(ada)}/responses")
    assert response.json() == {"items": [], "nextCursor": None}


async def test_a_deleted_response_is_gone_and_the_others_stay(
    app: FastAPI, ada: httpx.AsyncClient
) -> None:
    prompt_id = await new_prompt(ada)
    owner = await ada_id(ada)
    kept, deleted = [await store_response(app, owner, prompt_id) for _ in range(2)]
    response = await ada.delete(f"/api/v1/responses/{deleted}")
    assert response.status_code == 204
    assert (await ada.get(f"/api/v1/responses/{deleted}")).status_code == 404
    assert (await ada.delete(f"/api/v1/responses/{deleted}")).status_code == 404
    history = (await ada.get(f"/api/v1/prompts/{prompt_id}/responses")).json()
    assert [item["id"] for item in history["items"]] == [kept]


async def test_deleting_a_prompt_deletes_its_responses(
    app: FastAPI, ada: httpx.AsyncClient
) -> None:
    prompt_id = await new_prompt(ada)
    response_id = await store_response(app, await ada_id(ada), prompt_id)
    await ada.delete(f"/api/v1/prompts/{prompt_id}")
    assert (await ada.get(f"/api/v1/responses/{response_id}")).status_code == 404


async def test_a_cursor_from_another_prompt_only_pages_this_one(
    app: FastAPI, ada: httpx.AsyncClient
) -> None:
    owner = await ada_id(ada)
    first, second = await new_prompt(ada), await new_prompt(ada)
    for _ in range(3):
        await store_response(app, owner, first)
    await store_response(app, owner, second)
    cursor = (await ada.get(f"/api/v1/prompts/{first}/responses", params={"limit": 1})).json()[
        "nextCursor"
    ]
    page = await ada.get(f"/api/v1/prompts/{second}/responses", params={"cursor": cursor})
    assert page.status_code == 200
    assert all(item["promptId"] == second for item in page.json()["items"])
