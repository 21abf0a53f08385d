"""Categories over HTTP: create, read, list, rename, delete; names unique per user in any case."""

from __future__ import annotations

import httpx

from promptpro.api.problems import PROBLEM_MEDIA_TYPE

CATEGORIES = "/api/v1/categories"


async def create(client: httpx.AsyncClient, name: str, **extra: object) -> dict[str, object]:
    response = await client.post(CATEGORIES, json={"name": name, **extra})
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def test_a_new_category_is_201_in_camel_case_with_its_location(
    ada: httpx.AsyncClient,
) -> None:
    response = await ada.post(CATEGORIES, json={"name": "Writing", "description": "Prose"})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id",
        "workspaceId",
        "name",
        "description",
        "createdAt",
        "updatedAt",
    }
    assert (body["name"], body["description"]) == ("Writing", "Prose")
    assert response.headers["location"] == f"{CATEGORIES}/{body['id']}"
    assert (await ada.get(response.headers["location"])).json() == body


async def test_categories_are_listed_by_name_in_any_case(ada: httpx.AsyncClient) -> None:
    for name in ("writing", "Code", "analysis"):
        await create(ada, name)
    response = await ada.get(CATEGORIES)
    assert response.status_code == 200
    assert [category["name"] for category in response.json()] == ["analysis", "Code", "writing"]


async def test_a_name_differing_only_in_case_is_a_409_naming_the_field(
    ada: httpx.AsyncClient,
) -> None:
    await create(ada, "Writing")
    response = await ada.post(CATEGORIES, json={"name": "WRITING"})
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["errors"] == [
        {"field": "name", "message": "This workspace already has a category with that name."}
    ]
    assert len((await ada.get(CATEGORIES)).json()) == 1


async def test_two_users_may_each_have_a_category_of_the_same_name(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    await create(ada, "Writing")
    await create(bob, "writing")
    assert [c["name"] for c in (await bob.get(CATEGORIES)).json()] == ["writing"]


async def test_a_category_is_renamed_and_its_description_cleared(ada: httpx.AsyncClient) -> None:
    category = await create(ada, "Old", description="notes")
    response = await ada.patch(f"{CATEGORIES}/{category['id']}", json={"name": "New"})
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["description"]) == ("New", "notes")
    response = await ada.patch(f"{CATEGORIES}/{category['id']}", json={"description": None})
    assert response.json()["description"] is None


async def test_renaming_onto_another_category_name_is_a_409(ada: httpx.AsyncClient) -> None:
    await create(ada, "Code")
    other = await create(ada, "Prose")
    response = await ada.patch(f"{CATEGORIES}/{other['id']}", json={"name": "code"})
    assert response.status_code == 409
    assert (await ada.get(f"{CATEGORIES}/{other['id']}")).json()["name"] == "Prose"


async def test_renaming_a_category_to_itself_in_another_case_is_allowed(
    ada: httpx.AsyncClient,
) -> None:
    category = await create(ada, "code")
    response = await ada.patch(f"{CATEGORIES}/{category['id']}", json={"name": "Code"})
    assert response.status_code == 200
    assert response.json()["name"] == "Code"


async def test_a_name_may_not_be_null_blank_or_over_100_characters(ada: httpx.AsyncClient) -> None:
    category = await create(ada, "Keep")
    for body in ({"name": None}, {"name": "   "}, {"name": "x" * 101}, {}):
        response = await ada.post(CATEGORIES, json=body)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] == "name"
    response = await ada.patch(f"{CATEGORIES}/{category['id']}", json={"name": None})
    assert response.status_code == 422
    assert [c["name"] for c in (await ada.get(CATEGORIES)).json()] == ["Keep"]


async def test_names_are_trimmed(ada: httpx.AsyncClient) -> None:
    assert (await create(ada, "  Spaced  "))["name"] == "Spaced"


async def test_a_deleted_category_is_gone_and_its_prompts_stay_uncategorised(
    ada: httpx.AsyncClient,
) -> None:
    category = await create(ada, "Temporary")
    prompt = await ada.post(
        "/api/v1/prompts", json={"title": "t", "content": "c", "categoryId": category["id"]}
    )
    response = await ada.delete(f"{CATEGORIES}/{category['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert (await ada.get(f"{CATEGORIES}/{category['id']}")).status_code == 404
    assert (await ada.delete(f"{CATEGORIES}/{category['id']}")).status_code == 404
    kept = await ada.get(f"/api/v1/prompts/{prompt.json()['id']}")
    assert kept.status_code == 200
    assert kept.json()["categoryId"] is None
