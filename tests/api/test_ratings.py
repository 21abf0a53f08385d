"""Ratings and notes on responses: set, cleared, shown, filtered, and only on your own."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.runs import create_prompt


async def a_run(client: httpx.AsyncClient, prompt_id: int, topic: str = "x") -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/prompts/{prompt_id}/run", json={"variables": {"topic": topic}}
    )
    assert response.status_code == 201, response.text
    run: dict[str, Any] = response.json()
    return run


async def test_a_response_is_rated_with_a_note_and_the_rating_cleared(
    runner: httpx.AsyncClient,
) -> None:
    prompt = await create_prompt(runner)
    run = await a_run(runner, prompt["id"])
    assert (run["rating"], run["ratingNote"]) == (None, None)

    rated = await runner.put(
        f"/api/v1/responses/{run['id']}/rating", json={"value": 1, "note": "  Crisp.  "}
    )
    assert rated.status_code == 200, rated.text
    assert (rated.json()["rating"], rated.json()["ratingNote"]) == (1, "Crisp.")
    stored = (await runner.get(f"/api/v1/responses/{run['id']}")).json()
    assert (stored["rating"], stored["ratingNote"]) == (1, "Crisp.")

    down = await runner.put(f"/api/v1/responses/{run['id']}/rating", json={"value": -1})
    assert (down.json()["rating"], down.json()["ratingNote"]) == (-1, None)

    cleared = await runner.put(f"/api/v1/responses/{run['id']}/rating", json={"value": 0})
    assert (cleared.json()["rating"], cleared.json()["ratingNote"]) == (None, None)


async def test_the_history_is_filtered_by_rating(runner: httpx.AsyncClient) -> None:
    prompt = await create_prompt(runner)
    good, bad, unrated = [await a_run(runner, prompt["id"], topic) for topic in "abc"]
    await runner.put(f"/api/v1/responses/{good['id']}/rating", json={"value": 1})
    await runner.put(f"/api/v1/responses/{bad['id']}/rating", json={"value": -1})
    path = f"/api/v1/prompts/{prompt['id']}/responses"

    async def ids(query: str) -> list[int]:
        response = await runner.get(f"{path}{query}")
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids("?rating=1") == [good["id"]]
    assert await ids("?rating=-1") == [bad["id"]]
    assert await ids("") == [unrated["id"], bad["id"], good["id"]]


@pytest.mark.parametrize("query", ["?rating=0", "?rating=2", "?rating=up"])
async def test_a_bad_rating_filter_is_a_422(runner: httpx.AsyncClient, query: str) -> None:
    prompt = await create_prompt(runner)
    response = await runner.get(f"/api/v1/prompts/{prompt['id']}/responses{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "rating"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"value": 2}, "value"),
        ({"value": "up"}, "value"),
        ({}, "value"),
        ({"value": 1, "note": "x" * 1001}, "note"),
        ({"value": 1, "note": "nul\u0000"}, "note"),
        ({"value": 1, "stars": 5}, "stars"),
        ({"value": 0, "note": "a note without a rating"}, None),
    ],
)
async def test_bad_ratings_are_a_422(
    runner: httpx.AsyncClient, body: dict[str, Any], field: str | None
) -> None:
    prompt = await create_prompt(runner)
    run = await a_run(runner, prompt["id"])
    response = await runner.put(f"/api/v1/responses/{run['id']}/rating", json=body)
    assert response.status_code == 422, response.text
    if field is not None:
        assert field in [error["field"] for error in response.json()["errors"]]
    stored = (await runner.get(f"/api/v1/responses/{run['id']}")).json()
    assert stored["rating"] is None


async def test_another_users_response_cannot_be_rated(
    runner: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    prompt = await create_prompt(runner)
    run = await a_run(runner, prompt["id"])
    response = await bob.put(f"/api/v1/responses/{run['id']}/rating", json={"value": -1})
    assert response.status_code == 404
    missing = await runner.put("/api/v1/responses/999999/rating", json={"value": 1})
    assert missing.status_code == 404
    stored = (await runner.get(f"/api/v1/responses/{run['id']}")).json()
    assert stored["rating"] is None


async def test_a_rating_survives_the_end_of_a_run(runner: httpx.AsyncClient) -> None:
    """The run's final write sets only what a run produces: a rating given meanwhile stays."""
    prompt = await create_prompt(runner)
    run = await a_run(runner, prompt["id"])
    await runner.put(f"/api/v1/responses/{run['id']}/rating", json={"value": 1, "note": "ok"})
    listed = (await runner.get(f"/api/v1/prompts/{prompt['id']}/responses")).json()["items"]
    assert (listed[0]["rating"], listed[0]["ratingNote"]) == (1, "ok")
