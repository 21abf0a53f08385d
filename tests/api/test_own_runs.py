"""`GET /api/v1/responses`: the responses you ran, newest first, across the workspaces you
are in (what `promptpro logs` shows when given no prompt and no search)."""

from __future__ import annotations

import httpx

from tests.api.test_workspaces import WORKSPACES, me, team_with
from tests.support.runs import add_key, create_prompt

RESPONSES = "/api/v1/responses"


async def run(client: httpx.AsyncClient, prompt: dict[str, object]) -> int:
    response = await client.post(
        f"/api/v1/prompts/{prompt['id']}/run", json={"variables": {"topic": "x"}}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def test_your_runs_come_newest_first_across_prompts_page_by_page(
    runner: httpx.AsyncClient,
) -> None:
    first, second = await create_prompt(runner), await create_prompt(runner, title="Other")
    ids = [await run(runner, first), await run(runner, second), await run(runner, first)]

    page = (await runner.get(RESPONSES, params={"limit": 2})).json()
    assert [item["id"] for item in page["items"]] == [ids[2], ids[1]]
    rest = (await runner.get(RESPONSES, params={"limit": 2, "cursor": page["nextCursor"]})).json()
    assert ([item["id"] for item in rest["items"]], rest["nextCursor"]) == ([ids[0]], None)

    personal = first["workspaceId"]
    of_one = (await runner.get(RESPONSES, params={"workspaceId": personal})).json()
    assert len(of_one["items"]) == 3
    elsewhere = await runner.get(RESPONSES, params={"workspaceId": 2**40})
    assert (elsewhere.status_code, elsewhere.json()["items"]) == (200, [])
    assert (await runner.get(RESPONSES, params={"limit": 0})).status_code == 422


async def test_only_your_own_runs_and_only_in_workspaces_you_are_still_in(
    runner: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    team = await team_with(runner, {"bob": "editor"})
    prompt = await create_prompt(runner, workspaceId=team["id"])
    await add_key(bob, "openai")
    adas, bobs = await run(runner, prompt), await run(bob, prompt)

    assert [item["id"] for item in (await runner.get(RESPONSES)).json()["items"]] == [adas]
    assert [item["id"] for item in (await bob.get(RESPONSES)).json()["items"]] == [bobs]

    left = await bob.delete(f"{WORKSPACES}/{team['id']}/members/{await me(bob)}")
    assert left.status_code == 204
    assert (await bob.get(RESPONSES)).json()["items"] == []
