"""Spending per user, workspace, model and day, scoped to what the caller may see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from promptpro.providers.catalogue import get_catalogue
from tests.api.test_workspaces import team_with
from tests.support.runs import add_key, create_prompt

USAGE = "/api/v1/usage"
MODEL = "openai/gpt-4o-mini"


async def run(client: httpx.AsyncClient, prompt_id: int, model: str | None = None) -> None:
    body: dict[str, object] = {"variables": {"topic": "x"}}
    if model:
        body["model"] = model
    response = await client.post(f"/api/v1/prompts/{prompt_id}/run", json=body)
    assert response.status_code == 201, response.text


def one_run_cost() -> float:
    model = get_catalogue().lookup(MODEL)
    assert model is not None
    cost = model.cost_usd(12, 7)
    assert cost is not None
    return cost


async def test_spending_is_grouped_by_model_user_workspace_and_day(
    runner: httpx.AsyncClient,
) -> None:
    prompt = await create_prompt(runner, model=MODEL)
    await run(runner, prompt["id"])
    await run(runner, prompt["id"])
    await run(runner, prompt["id"], model="openai/unpriced-model")
    me = (await runner.get("/api/v1/me")).json()["id"]

    by_model = (await runner.get(USAGE, params={"groupBy": "model"})).json()
    rows = {row["key"]: row for row in by_model["rows"]}
    assert rows[MODEL]["runs"] == 2
    assert rows[MODEL]["costUsd"] == pytest.approx(2 * one_run_cost())
    assert (rows[MODEL]["inputTokens"], rows[MODEL]["outputTokens"]) == (24, 14)
    assert rows["openai/unpriced-model"]["unpricedRuns"] == 1
    assert by_model["totalUsd"] == pytest.approx(2 * one_run_cost())
    assert by_model["scope"] == "everyone"  # ada is the instance admin

    by_user = (await runner.get(USAGE, params={"groupBy": "user"})).json()["rows"]
    assert [(row["key"], row["runs"]) for row in by_user] == [(me, 3)]
    by_workspace = (await runner.get(USAGE, params={"groupBy": "workspace"})).json()["rows"]
    assert [(row["key"], row["runs"]) for row in by_workspace] == [(str(prompt["workspaceId"]), 3)]
    by_day = (await runner.get(USAGE, params={"groupBy": "day"})).json()
    today = datetime.now(UTC).date().isoformat()
    assert [(row["key"], row["runs"]) for row in by_day["rows"]] == [(today, 3)]
    assert by_day["to"] == today


async def test_a_range_without_runs_is_empty(runner: httpx.AsyncClient) -> None:
    prompt = await create_prompt(runner, model=MODEL)
    await run(runner, prompt["id"])
    long_ago = (datetime.now(UTC) - timedelta(days=100)).date()

    response = await runner.get(
        USAGE, params={"groupBy": "day", "from": long_ago.isoformat(), "to": long_ago.isoformat()}
    )

    assert response.json()["rows"] == []
    assert response.json()["totalUsd"] == 0


async def test_a_user_sees_their_own_runs_and_workspaces_they_administer_only(
    runner: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    await add_key(bob, "openai")
    mine = await create_prompt(runner, model=MODEL)
    await run(runner, mine["id"])  # ada's personal run: not bob's business
    bobs = await create_prompt(bob, model=MODEL)
    await run(bob, bobs["id"])
    team = await team_with(runner, {"bob": "admin"})
    shared = await create_prompt(runner, model=MODEL, workspaceId=team["id"])
    await run(runner, shared["id"])  # ada's run in a workspace bob administers

    seen = (await bob.get(USAGE, params={"groupBy": "workspace"})).json()

    assert seen["scope"] == "own-and-administered"
    keys = {row["key"]: row["runs"] for row in seen["rows"]}
    assert keys == {str(bobs["workspaceId"]): 1, str(team["id"]): 1}
    everything = (await runner.get(USAGE, params={"groupBy": "workspace"})).json()["rows"]
    assert sum(row["runs"] for row in everything) == 3


async def test_an_editor_does_not_see_the_workspaces_spending(
    runner: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    team = await team_with(runner, {"bob": "editor"})
    shared = await create_prompt(runner, model=MODEL, workspaceId=team["id"])
    await run(runner, shared["id"])

    assert (await bob.get(USAGE)).json()["rows"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"groupBy": "planet"}, "groupBy"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-05-02", "to": "2026-05-01"}, "from"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "to"),
    ],
)
async def test_bad_parameters_are_a_422_naming_them(
    ada: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    response = await ada.get(USAGE, params=params)

    assert response.status_code == 422, response.text
    assert field in {error["field"] for error in response.json()["errors"]}


async def test_anonymous_callers_see_no_usage(new_client: object) -> None:
    client = await new_client()  # type: ignore[operator]

    assert (await client.get(USAGE)).status_code == 401
