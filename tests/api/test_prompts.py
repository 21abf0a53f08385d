"""Prompts over HTTP: create, read, search, page, change (adding versions) and delete."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

PROMPTS = "/api/v1/prompts"


async def create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"title": "A prompt", "content": "Say hello", **fields}
    response = await client.post(PROMPTS, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def titles(client: httpx.AsyncClient, **params: Any) -> list[str]:
    response = await client.get(PROMPTS, params=params)
    assert response.status_code == 200, response.text
    return [prompt["title"] for prompt in response.json()["items"]]


async def test_a_new_prompt_is_201_in_camel_case_with_its_location(
    ada: httpx.AsyncClient,
) -> None:
    category = (await ada.post("/api/v1/categories", json={"name": "Poems"})).json()
    response = await ada.post(
        PROMPTS,
        json={
            "title": "Haiku",
            "content": "Write a haiku about {{topic}}",
            "categoryId": category["id"],
            "model": "openai/gpt-4o-mini",
            "parameters": {"temperature": 0.7, "maxTokens": 200, "topP": 0.9, "stop": ["\n\n"]},
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id",
        "workspaceId",
        "title",
        "type",
        "content",
        "messages",
        "schema",
        "tools",
        "categoryId",
        "model",
        "parameters",
        "tags",
        "favourite",
        "runCount",
        "createdAt",
        "updatedAt",
        "name",
        "labels",
        "lastFetchedAt",
    }
    assert (body["tags"], body["favourite"], body["runCount"]) == ([], False, 0)
    assert (body["type"], body["messages"], body["schema"], body["tools"]) == (
        "text",
        None,
        None,
        None,
    )
    assert body["categoryId"] == category["id"]
    assert body["parameters"] == {
        "temperature": 0.7,
        "maxTokens": 200,
        "topP": 0.9,
        "system": None,
        "stop": ["\n\n"],
    }
    assert response.headers["location"] == f"{PROMPTS}/{body['id']}"
    assert (await ada.get(response.headers["location"])).json() == body


async def test_snake_case_is_accepted_on_input_too(ada: httpx.AsyncClient) -> None:
    prompt = await create(ada, parameters={"max_tokens": 5})
    assert prompt["parameters"]["maxTokens"] == 5


async def test_the_list_is_newest_updated_first_in_pages(ada: httpx.AsyncClient) -> None:
    ids = [(await create(ada, title=f"p{n}"))["id"] for n in range(5)]
    await ada.patch(f"{PROMPTS}/{ids[1]}", json={"content": "edited"})
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await ada.get(PROMPTS, params=params)).json()
        assert set(page) == {"items", "nextCursor"}
        seen += [prompt["id"] for prompt in page["items"]]
        pages += 1
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == [ids[1], ids[4], ids[3], ids[2], ids[0]]
    assert pages == 3


async def test_a_page_holds_50_by_default_and_at_most_100(ada: httpx.AsyncClient) -> None:
    for n in range(51):
        await create(ada, title=f"p{n}")
    default = (await ada.get(PROMPTS)).json()
    assert len(default["items"]) == 50
    assert default["nextCursor"] is not None
    assert len((await ada.get(PROMPTS, params={"limit": 100})).json()["items"]) == 51


async def test_a_genuine_cursor_from_another_user_pages_only_the_callers_prompts(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    for n in range(3):
        await ada.post(PROMPTS, json={"title": f"ada {n}", "content": "c"})
        await bob.post(PROMPTS, json={"title": f"bob {n}", "content": "c"})
    cursor = (await ada.get(PROMPTS, params={"limit": 1})).json()["nextCursor"]
    page = (await bob.get(PROMPTS, params={"cursor": cursor})).json()
    assert all(item["title"].startswith("bob") for item in page["items"])


async def test_the_list_filters_by_category_and_searches_title_and_content(
    ada: httpx.AsyncClient,
) -> None:
    code = (await ada.post("/api/v1/categories", json={"name": "Code"})).json()
    await create(ada, title="Refactor", content="Tidy this Python")
    await create(ada, title="Review", content="Find bugs", categoryId=code["id"])
    await create(ada, title="Discount", content="Take 100% off")
    assert await titles(ada, categoryId=code["id"]) == ["Review"]
    assert sorted(await titles(ada, q="python")) == ["Refactor"]
    assert sorted(await titles(ada, q="RE")) == ["Refactor", "Review"]
    assert await titles(ada, q="100%") == ["Discount"]
    assert await titles(ada, q="_") == []
    assert await titles(ada, q="bugs", categoryId=code["id"]) == ["Review"]
    assert await titles(ada, categoryId=99_999_999_999) == []


async def test_each_change_of_title_content_model_or_parameters_adds_a_version(
    ada: httpx.AsyncClient,
) -> None:
    prompt = await create(ada, title="v1", content="one")
    url = f"{PROMPTS}/{prompt['id']}"
    changes: list[dict[str, Any]] = [
        {"title": "v2"},
        {"content": "two"},
        {"model": "anthropic/claude-sonnet-4-5"},
        {"parameters": {"temperature": 1.5}},
        {"title": "v2"},  # unchanged: no version
        {},  # nothing: no version
    ]
    for change in changes:
        response = await ada.patch(url, json=change)
        assert response.status_code == 200, response.text
    versions = (await ada.get(f"{url}/versions")).json()
    assert [version["version"] for version in versions] == [5, 4, 3, 2, 1]
    assert set(versions[0]) == {
        "id",
        "promptId",
        "version",
        "title",
        "type",
        "content",
        "messages",
        "schema",
        "tools",
        "model",
        "parameters",
        "message",
        "createdAt",
    }
    assert versions[0]["parameters"]["temperature"] == 1.5
    assert versions[0]["model"] == "anthropic/claude-sonnet-4-5"
    assert (versions[-1]["title"], versions[-1]["content"]) == ("v1", "one")
    current = (await ada.get(url)).json()
    assert (current["title"], current["content"]) == ("v2", "two")


async def test_moving_a_prompt_between_categories_adds_no_version(ada: httpx.AsyncClient) -> None:
    category = (await ada.post("/api/v1/categories", json={"name": "C"})).json()
    prompt = await create(ada)
    url = f"{PROMPTS}/{prompt['id']}"
    moved = await ada.patch(url, json={"categoryId": category["id"]})
    assert moved.json()["categoryId"] == category["id"]
    unfiled = await ada.patch(url, json={"categoryId": None})
    assert unfiled.json()["categoryId"] is None
    assert len((await ada.get(f"{url}/versions")).json()) == 1


async def test_a_system_prompt_may_be_as_long_as_a_prompt(ada: httpx.AsyncClient) -> None:
    prompt = await create(ada, parameters={"system": "s" * 100_000})
    assert len(prompt["parameters"]["system"]) == 100_000


async def test_parameters_are_replaced_whole_and_can_be_cleared(ada: httpx.AsyncClient) -> None:
    prompt = await create(ada, parameters={"temperature": 0.2, "maxTokens": 10})
    url = f"{PROMPTS}/{prompt['id']}"
    replaced = (await ada.patch(url, json={"parameters": {"topP": 0.5}})).json()
    assert replaced["parameters"]["topP"] == 0.5
    assert replaced["parameters"]["temperature"] is None
    cleared = (await ada.patch(url, json={"parameters": None, "model": None})).json()
    assert (cleared["parameters"], cleared["model"]) == (None, None)


@pytest.mark.parametrize(
    "model", ["openai/gpt-4o", "anthropic/x", "gemini/gemini-2.5-flash", "xai/grok-4"]
)
async def test_models_of_the_known_providers_are_accepted(
    ada: httpx.AsyncClient, model: str
) -> None:
    assert (await create(ada, model=model))["model"] == model


@pytest.mark.parametrize("model", ["mistral/large", "gpt-4o", "openai/", "/gpt", "openai/gpt 4o"])
async def test_a_model_that_is_not_a_known_provider_slash_model_is_422(
    ada: httpx.AsyncClient, model: str
) -> None:
    response = await ada.post(PROMPTS, json={"title": "t", "content": "c", "model": model})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "model"
    assert await titles(ada) == []


async def test_a_category_of_another_user_is_422_and_nothing_is_saved(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    bobs = (await bob.post("/api/v1/categories", json={"name": "Bob's"})).json()
    response = await ada.post(
        PROMPTS, json={"title": "t", "content": "c", "categoryId": bobs["id"]}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "categoryId", "message": "No such category."}]
    prompt = await create(ada)
    moved = await ada.patch(f"{PROMPTS}/{prompt['id']}", json={"categoryId": bobs["id"]})
    assert moved.status_code == 422
    assert (await ada.get(f"{PROMPTS}/{prompt['id']}")).json()["categoryId"] is None


async def test_titles_hold_1_to_200_characters_and_contents_1_to_100000(
    ada: httpx.AsyncClient,
) -> None:
    assert (await create(ada, title="t" * 200, content="c" * 100_000))["title"] == "t" * 200
    for field, value in (
        ("title", ""),
        ("title", "   "),
        ("title", "t" * 201),
        ("content", ""),
        ("content", "c" * 100_001),
    ):
        response = await ada.post(PROMPTS, json={"title": "t", "content": "c", field: value})
        assert response.status_code == 422, (field, len(value))
        assert response.json()["errors"][0]["field"] == field
    assert len(await titles(ada)) == 1


async def test_a_deleted_prompt_is_gone_with_its_versions(ada: httpx.AsyncClient) -> None:
    prompt = await create(ada)
    url = f"{PROMPTS}/{prompt['id']}"
    response = await ada.delete(url)
    assert response.status_code == 204
    assert response.content == b""
    for path in (url, f"{url}/versions", f"{url}/responses"):
        assert (await ada.get(path)).status_code == 404
    assert (await ada.delete(url)).status_code == 404
    assert await titles(ada) == []
