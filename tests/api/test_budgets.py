"""Monthly budgets: set by the instance admin (users) and workspace admins (workspaces); a
run, compare or re-run whose estimate would pass one is refused before any provider call."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from promptpro.api.problems import PROBLEM_MEDIA_TYPE
from promptpro.providers.catalogue import get_catalogue
from promptpro.testing import FakeProviderServer
from tests.api.test_workspaces import team_with
from tests.support.runs import add_key, create_prompt

MODEL = "openai/gpt-4o-mini"


async def user_id(client: httpx.AsyncClient) -> str:
    return str((await client.get("/api/v1/me")).json()["id"])


async def personal_workspace(client: httpx.AsyncClient) -> int:
    return int((await client.get("/api/v1/workspaces")).json()[0]["id"])


async def set_user_budget(
    admin: httpx.AsyncClient, target: str, monthly: float | None
) -> httpx.Response:
    return await admin.put(f"/api/v1/admin/users/{target}/budget", json={"monthlyUsd": monthly})


def assert_budget_problem(response: httpx.Response, scope: str, monthly: float) -> dict[str, Any]:
    assert response.status_code == 402, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    problem: dict[str, Any] = response.json()
    assert problem["type"] == "/problems/budget-exceeded"
    assert problem["budget"]["scope"] == scope
    assert problem["budget"]["monthlyUsd"] == monthly
    assert problem["estimateUsd"] > 0
    assert "spentUsd" in problem
    return problem


@pytest.mark.parametrize("how", ["run", "stream", "compare", "compare-versions", "rerun"])
async def test_a_run_past_the_users_budget_is_refused_before_any_provider_request(
    runner: httpx.AsyncClient, fake: FakeProviderServer, how: str
) -> None:
    prompt = await create_prompt(runner, model=MODEL)
    pid = prompt["id"]
    earlier = await runner.post(f"/api/v1/prompts/{pid}/run", json={"variables": {"topic": "a"}})
    await runner.patch(f"/api/v1/prompts/{pid}", json={"content": "Two {{topic}}"})
    assert (await set_user_budget(runner, await user_id(runner), 0)).status_code == 200
    fake.reset()

    variables = {"topic": "tea"}
    if how == "run":
        response = await runner.post(f"/api/v1/prompts/{pid}/run", json={"variables": variables})
    elif how == "stream":
        response = await runner.post(
            f"/api/v1/prompts/{pid}/run",
            json={"variables": variables},
            headers={"Accept": "text/event-stream"},
        )
    elif how == "compare":
        body: dict[str, Any] = {
            "models": [MODEL, "anthropic/claude-sonnet-4-6"],
            "variables": variables,
        }
        response = await runner.post(f"/api/v1/prompts/{pid}/compare", json=body)
    elif how == "compare-versions":
        body = {"versions": [1, 2], "variables": variables}
        response = await runner.post(f"/api/v1/prompts/{pid}/compare", json=body)
    else:
        response = await runner.post(f"/api/v1/responses/{earlier.json()['id']}/rerun")

    problem = assert_budget_problem(response, "user", 0)
    assert "your monthly budget" in problem["detail"]
    assert fake.requests == []  # the provider never heard of it
    history = (await runner.get(f"/api/v1/prompts/{pid}/responses")).json()
    assert len(history["items"]) == 1  # only the run from before the budget


async def test_spending_this_month_counts_against_the_budget(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt = await create_prompt(runner, model=MODEL)
    run_path = f"/api/v1/prompts/{prompt['id']}/run"
    estimate = (
        await runner.post(
            f"/api/v1/prompts/{prompt['id']}/estimate", json={"variables": {"topic": "tea"}}
        )
    ).json()["costUsd"]
    model = get_catalogue().lookup(MODEL)
    assert model is not None
    one_run = model.cost_usd(12, 7)  # what the fake reports
    assert one_run is not None
    budget = estimate + one_run / 2  # room for one run's estimate, not after one was spent
    set_budget = await set_user_budget(runner, await user_id(runner), budget)
    assert set_budget.json() == {"monthlyUsd": budget, "spentUsd": 0}

    first = await runner.post(run_path, json={"variables": {"topic": "tea"}})
    assert first.status_code == 201, first.text
    second = await runner.post(run_path, json={"variables": {"topic": "tea"}})

    problem = assert_budget_problem(second, "user", budget)
    assert problem["spentUsd"] == pytest.approx(one_run)
    assert problem["estimateUsd"] == pytest.approx(estimate)

    # Cleared, runs go again.
    cleared = await set_user_budget(runner, await user_id(runner), None)
    assert cleared.json()["monthlyUsd"] is None
    assert cleared.json()["spentUsd"] == pytest.approx(one_run)
    assert (await runner.post(run_path, json={"variables": {"topic": "x"}})).status_code == 201


async def test_runs_in_flight_count_against_the_budget_before_they_are_recorded(
    app: FastAPI, runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt = await create_prompt(runner, model=MODEL)
    run_path = f"/api/v1/prompts/{prompt['id']}/run"
    body = {"variables": {"topic": "tea"}}
    estimate = (await runner.post(f"/api/v1/prompts/{prompt['id']}/estimate", json=body)).json()
    budget = estimate["costUsd"] * 1.5  # room for one run's estimate, not for two
    await set_user_budget(runner, await user_id(runner), budget)
    fake.reset()
    fake.configure(hang=True)
    first = asyncio.create_task(runner.post(run_path, json=body))
    try:
        for _ in range(1000):  # until the first run is waiting on the model
            if fake.requests:
                break
            await asyncio.sleep(0.01)

        second = await runner.post(run_path, json=body)

        problem = assert_budget_problem(second, "user", budget)
        assert problem["spentUsd"] == pytest.approx(estimate["costUsd"])  # the one in flight
        assert "in progress" in problem["detail"]
        assert len(fake.requests) == 1
    finally:
        for run in list(app.state.runs.registry._runs):
            if run.task is not None:
                run.task.cancel()
        await asyncio.gather(first, return_exceptions=True)
    # Ended, it holds nothing more: what it spent is what counts.
    assert app.state.runs.registry.in_flight_usd("user", await user_id(runner)) == 0


async def test_a_model_without_a_price_is_not_refused_by_a_budget(
    runner: httpx.AsyncClient,
) -> None:
    prompt = await create_prompt(runner, model="openai/unpriced-model")
    await set_user_budget(runner, await user_id(runner), 0)

    response = await runner.post(
        f"/api/v1/prompts/{prompt['id']}/run", json={"variables": {"topic": "x"}}
    )

    assert response.status_code == 201


async def test_a_workspace_budget_refuses_every_members_runs_in_it(
    runner: httpx.AsyncClient, bob: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    await add_key(bob, "openai")
    team = await team_with(runner, {"bob": "editor"})
    prompt = await create_prompt(runner, model=MODEL, workspaceId=team["id"])
    set_budget = await runner.put(
        f"/api/v1/workspaces/{team['id']}/budget", json={"monthlyUsd": 0.0}
    )
    assert set_budget.status_code == 200, set_budget.text
    fake.reset()

    response = await bob.post(
        f"/api/v1/prompts/{prompt['id']}/run", json={"variables": {"topic": "x"}}
    )

    problem = assert_budget_problem(response, "workspace", 0)
    assert problem["budget"]["id"] == str(team["id"])
    assert "workspace" in problem["detail"]
    assert fake.requests == []
    # Bob's own prompts, outside the team, still run.
    own = await create_prompt(bob, model=MODEL)
    ran = await bob.post(f"/api/v1/prompts/{own['id']}/run", json={"variables": {"topic": "x"}})
    assert ran.status_code == 201


# --- who may set budgets, and bad input ----------------------------------------------------


async def test_only_the_instance_admin_sets_a_users_budget(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    bob_id = await user_id(bob)

    refused = await set_user_budget(bob, bob_id, 100)
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/admin-required"
    assert (await set_user_budget(ada, bob_id, 100)).json()["monthlyUsd"] == 100
    assert (await set_user_budget(ada, "no-such-user", 1)).status_code == 404


@pytest.mark.parametrize(
    ("role", "status"), [("viewer", 403), ("editor", 403), ("admin", 200), (None, 404)]
)
async def test_workspace_owners_and_admins_set_its_budget(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient, role: str | None, status: int
) -> None:
    team = await team_with(ada, {"bob": role} if role else {})

    response = await bob.put(f"/api/v1/workspaces/{team['id']}/budget", json={"monthlyUsd": 5})

    assert response.status_code == status, response.text
    owner = await ada.put(f"/api/v1/workspaces/{team['id']}/budget", json={"monthlyUsd": None})
    assert owner.status_code == 200


async def test_anonymous_callers_set_no_budget(new_client: Any, ada: httpx.AsyncClient) -> None:
    anonymous = await new_client()
    workspace = await personal_workspace(ada)

    assert (await set_user_budget(anonymous, await user_id(ada), 1)).status_code == 401
    put = await anonymous.put(f"/api/v1/workspaces/{workspace}/budget", json={"monthlyUsd": 1})
    assert put.status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"monthlyUsd": -1},
        {"monthlyUsd": "ten"},
        {"monthlyUsd": 1e12},
        {},
        {"monthlyUsd": 1, "surprise": True},
    ],
    ids=["negative", "text", "huge", "missing", "unknown-field"],
)
async def test_a_bad_budget_is_a_422(ada: httpx.AsyncClient, body: dict[str, Any]) -> None:
    workspace = await personal_workspace(ada)

    for path in (
        f"/api/v1/admin/users/{await user_id(ada)}/budget",
        f"/api/v1/workspaces/{workspace}/budget",
    ):
        response = await ada.put(path, json=body)
        assert response.status_code == 422, (path, response.text)
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE


async def test_a_budget_change_is_audited(ada: httpx.AsyncClient) -> None:
    await set_user_budget(ada, await user_id(ada), 3)

    events = (await ada.get("/api/v1/admin/audit")).json()["items"]

    assert events[0]["action"] == "budget.set"
