"""Finding things in a library: tags, sorts, favourites and full-text search, per user."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.runs import create_prompt

PROMPTS = "/api/v1/prompts"


async def new_prompt(client: httpx.AsyncClient, title: str, **fields: Any) -> dict[str, Any]:
    response = await client.post(PROMPTS, json={"title": title, "content": "c", **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def titles(client: httpx.AsyncClient, query: str = "") -> list[str]:
    response = await client.get(f"{PROMPTS}?{query}")
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


async def every_page(client: httpx.AsyncClient, query: str) -> list[str]:
    seen: list[str] = []
    cursor = None
    while True:
        url = f"{PROMPTS}?{query}&limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = (await client.get(url)).json()
        seen += [item["title"] for item in body["items"]]
        cursor = body["nextCursor"]
        if cursor is None:
            return seen


# Tags


async def test_tags_are_normalised_set_and_replaced(ada: httpx.AsyncClient) -> None:
    prompt = await new_prompt(ada, "p", tags=["  Work ", "work", "Email"])
    assert prompt["tags"] == ["email", "work"]
    response = await ada.patch(f"{PROMPTS}/{prompt['id']}", json={"tags": ["draft"]})
    assert response.json()["tags"] == ["draft"]
    # Tags organise; they are not part of the wording, so no version is saved for them.
    versions = (await ada.get(f"{PROMPTS}/{prompt['id']}/versions")).json()
    assert len(versions) == 1
    response = await ada.patch(f"{PROMPTS}/{prompt['id']}", json={"title": "q"})
    assert response.json()["tags"] == ["draft"]
    assert (await ada.get(f"{PROMPTS}/{prompt['id']}")).json()["tags"] == ["draft"]
    response = await ada.patch(f"{PROMPTS}/{prompt['id']}", json={"tags": []})
    assert response.json()["tags"] == []


@pytest.mark.parametrize(
    "tags",
    [[""], ["   "], ["x" * 41], [f"t{n}" for n in range(21)], ["a\x00"], "work", None],
)
async def test_bad_tags_are_a_clear_422(ada: httpx.AsyncClient, tags: object) -> None:
    response = await ada.post(PROMPTS, json={"title": "p", "content": "c", "tags": tags})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].startswith("tags")


async def test_the_library_filters_by_several_tags_at_once(ada: httpx.AsyncClient) -> None:
    await new_prompt(ada, "both", tags=["work", "email"])
    await new_prompt(ada, "work only", tags=["work"])
    await new_prompt(ada, "none")
    assert sorted(await titles(ada, "tag=work")) == ["both", "work only"]
    assert await titles(ada, "tag=work&tag=EMAIL") == ["both"]
    assert await titles(ada, "tag=work&tag=nope") == []
    response = await ada.get(f"{PROMPTS}?tag=" + "x" * 41)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "tag"


async def test_another_users_tags_filter_nothing_of_theirs(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    await new_prompt(ada, "ada's", tags=["shared"])
    await new_prompt(bob, "bob's", tags=["shared"])
    assert await titles(ada, "tag=shared") == ["ada's"]


# Sorts


async def test_every_sort_pages_by_keyset(runner: httpx.AsyncClient) -> None:
    made = [await create_prompt(runner, title=title) for title in ["beta", "Alpha", "gamma"]]
    made.append(await create_prompt(runner, title="delta"))
    for _ in range(2):
        await runner.post(f"{PROMPTS}/{made[2]['id']}/run", json={"variables": {"topic": "x"}})
    await runner.post(f"{PROMPTS}/{made[0]['id']}/run", json={"variables": {"topic": "x"}})
    await runner.patch(f"{PROMPTS}/{made[1]['id']}", json={"content": "touched {{topic}}"})

    assert await every_page(runner, "sort=title") == ["Alpha", "beta", "delta", "gamma"]
    assert await every_page(runner, "sort=created") == ["delta", "gamma", "Alpha", "beta"]
    assert await every_page(runner, "sort=updated") == ["Alpha", "delta", "gamma", "beta"]
    assert await every_page(runner, "sort=runs") == ["gamma", "beta", "delta", "Alpha"]
    listed = (await runner.get(f"{PROMPTS}?sort=runs")).json()["items"]
    assert [item["runCount"] for item in listed] == [2, 1, 0, 0]


async def test_the_title_sort_pages_past_the_longest_titles(ada: httpx.AsyncClient) -> None:
    for mark in "abc":
        await new_prompt(ada, mark + "😀" * 199)
    assert len(await every_page(ada, "sort=title")) == 3


async def test_an_unknown_sort_or_a_cursor_of_another_sort_is_a_422(
    ada: httpx.AsyncClient,
) -> None:
    for title in "abc":
        await new_prompt(ada, title)
    response = await ada.get(f"{PROMPTS}?sort=random")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "sort"
    cursor = (await ada.get(f"{PROMPTS}?sort=title&limit=1")).json()["nextCursor"]
    response = await ada.get(f"{PROMPTS}?sort=runs&cursor={cursor}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cursor"


async def test_deleting_a_response_lowers_the_run_count(runner: httpx.AsyncClient) -> None:
    prompt = await create_prompt(runner)
    run = await runner.post(f"{PROMPTS}/{prompt['id']}/run", json={"variables": {"topic": "x"}})
    assert (await runner.get(f"{PROMPTS}/{prompt['id']}")).json()["runCount"] == 1
    await runner.delete(f"/api/v1/responses/{run.json()['id']}")
    assert (await runner.get(f"{PROMPTS}/{prompt['id']}")).json()["runCount"] == 0
    assert (await runner.delete(f"{PROMPTS}/{prompt['id']}")).status_code == 204


# Favourites


async def test_favourites_are_per_user_and_filter_the_library(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    starred = await new_prompt(ada, "starred")
    await new_prompt(ada, "plain")
    response = await ada.put(f"{PROMPTS}/{starred['id']}/favourite")
    assert response.status_code == 200
    assert response.json()["favourite"] is True
    assert (await ada.put(f"{PROMPTS}/{starred['id']}/favourite")).status_code == 200
    assert await titles(ada, "favourite=true") == ["starred"]
    assert await titles(ada, "favourite=false") == ["plain"]
    listed = (await ada.get(PROMPTS)).json()["items"]
    assert {item["title"]: item["favourite"] for item in listed} == {
        "starred": True,
        "plain": False,
    }
    assert (await bob.put(f"{PROMPTS}/{starred['id']}/favourite")).status_code == 404
    assert (await bob.delete(f"{PROMPTS}/{starred['id']}/favourite")).status_code == 404
    response = await ada.delete(f"{PROMPTS}/{starred['id']}/favourite")
    assert response.json()["favourite"] is False
    assert await titles(ada, "favourite=true") == []


# Search


async def search(client: httpx.AsyncClient, query: str) -> httpx.Response:
    return await client.get(f"/api/v1/search?{query}")


async def test_search_finds_ranked_prompts_and_responses_with_marked_snippets(
    runner: httpx.AsyncClient,
) -> None:
    strong = await create_prompt(
        runner, title="Walrus facts", content="Tell me about the walrus {{topic}}."
    )
    weak = await create_prompt(runner, title="Sea animals", content="A walrus or a seal {{topic}}")
    await create_prompt(runner, title="Unrelated", content="Nothing here {{topic}}")
    response = await search(runner, "q=walrus&kind=prompt")
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [item["id"] for item in items] == [strong["id"], weak["id"]]
    assert items[0]["rank"] >= items[1]["rank"]
    assert {item["kind"] for item in items} == {"prompt"}
    assert all("<mark>" in item["snippet"].lower() for item in items)
    assert "<mark>walrus</mark>" in items[1]["snippet"].lower()

    await runner.post(f"{PROMPTS}/{weak['id']}/run", json={"variables": {"topic": "x"}})
    answers = (await search(runner, "q=fake+provider&kind=response")).json()["items"]
    assert len(answers) == 1
    assert answers[0]["promptId"] == weak["id"]
    assert answers[0]["title"] == "Sea animals"
    assert "<mark>fake</mark>" in answers[0]["snippet"]
    both = (await search(runner, "q=walrus")).json()["items"]
    assert {item["kind"] for item in both} == {"prompt"}


async def test_search_snippets_escape_the_text_around_the_marks(ada: httpx.AsyncClient) -> None:
    content = '<script>alert("needle")</script> 1 < 2 & needle "quoted" <b>bold</b> tail'
    await new_prompt(ada, "xss", content=content)
    items = (await search(ada, "q=needle")).json()["items"]
    snippet = items[0]["snippet"]
    assert "<mark>needle</mark>" in snippet
    bare = snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in bare and ">" not in bare and '"' not in bare


async def test_search_pages_by_keyset(ada: httpx.AsyncClient) -> None:
    for n in range(5):
        await new_prompt(ada, f"note {n}", content="apple " * (n + 1))
    seen: list[int] = []
    cursor = None
    while True:
        url = "q=apple&limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = (await search(ada, url)).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["nextCursor"]
        if cursor is None:
            break
    assert len(seen) == 5 == len(set(seen))


async def test_search_never_shows_another_users_things(
    runner: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    prompt = await create_prompt(runner, title="Secret walrus", content="walrus {{topic}}")
    await runner.post(f"{PROMPTS}/{prompt['id']}/run", json={"variables": {"topic": "x"}})
    assert (await search(runner, "q=walrus")).json()["items"]
    assert (await search(bob, "q=walrus")).json()["items"] == []
    assert (await search(bob, "q=fake+provider")).json()["items"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("q=", "q"),
        ("q=+++", "q"),
        ("q=" + "x" * 201, "q"),
        ("q=a%00b", "q"),
        ("q=a&kind=user", "kind"),
        ("q=a&limit=0", "limit"),
        ("q=a&limit=51", "limit"),
        ("q=a&cursor=nope", "cursor"),
        ("q=a&cursor=WyJOYU4iLDEsMV0", "cursor"),
        ("", "q"),
    ],
)
async def test_bad_searches_are_clear_422s(ada: httpx.AsyncClient, query: str, field: str) -> None:
    response = await search(ada, query)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize("q", ['"', "AND", "a OR b", "NEAR(a b)", "x*", "-x", "(", "a:b", "é"])
async def test_search_syntax_in_the_words_is_just_text(ada: httpx.AsyncClient, q: str) -> None:
    await new_prompt(ada, "p", content="plain words")
    response = await ada.get("/api/v1/search", params={"q": q})
    assert response.status_code == 200, response.text
