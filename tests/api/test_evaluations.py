"""Evaluations through the API, run by the server itself against the fake provider: the
matrix and its shape errors, the estimate against budgets and confirmation, results stored
per cell, repeats, retrying only failed cells, cancel, 429s, comparisons, ratings, SSE."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from promptpro.config import Settings
from promptpro.testing import FakeProviderServer
from tests.support.evaluations import all_cells, events, finished, make_test_set, start, started
from tests.support.runs import create_prompt

ROWS = [{"variables": {"topic": "tea"}}, {"variables": {"topic": "rain"}}]
HELLO = {"type": "contains", "value": "Hello"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The server runs the cells (on both databases), with short waits."""
    return settings.model_copy(
        update={
            "evaluation_runner": "server",
            "follow_poll_seconds": 0.02,
            "evaluation_rate_limit_first_wait_seconds": 0.01,
            "evaluation_rate_limit_max_wait_seconds": 0.05,
            "evaluation_sweep_seconds": 0.2,
            "evaluation_concurrency": 4,
        }
    )


async def _setup(
    client: httpx.AsyncClient, rows: list[dict[str, Any]] | None = None, **set_fields: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    prompt = await create_prompt(client)
    test_set = await make_test_set(client, ROWS if rows is None else rows, **set_fields)
    return prompt, test_set


async def test_the_matrix_is_rows_x_models_x_repeats_and_each_cell_keeps_its_results(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt, test_set = await _setup(
        runner, assertions=[HELLO, {"type": "max-tokens", "value": 100}]
    )
    models = ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-6", "gemini/gemini-2.5-flash"]

    created = await started(
        runner, testSetId=test_set["id"], promptId=prompt["id"], models=models, repeats=2
    )
    evaluation = await finished(runner, created["id"])

    assert created["estimate"]["cells"] == 2 * 3 * 2
    assert created["estimate"]["costUsd"] > 0
    assert evaluation["status"] == "completed"
    assert evaluation["cellCount"] == 12
    assert evaluation["progress"]["passed"] == 12
    assert [s["model"] for s in evaluation["summary"]] == models
    for summary in evaluation["summary"]:
        assert (summary["cells"], summary["passRate"], summary["distinctOutputs"]) == (4, 1.0, 1.0)
        assert summary["unstableRows"] == 0
        assert summary["latencyP50Ms"] is not None and summary["latencyP90Ms"] is not None
        assert summary["inputTokens"] == 4 * 12 and summary["outputTokens"] == 4 * 7
    cells = await all_cells(runner, created["id"], limit=5)  # three pages
    assert len(cells) == 12 and len({cell["id"] for cell in cells}) == 12
    cell = cells[0]
    assert cell["output"] == "Hello from the fake provider."
    assert [(r["type"], r["passed"]) for r in cell["assertionResults"]] == [
        ("contains", True),
        ("max-tokens", True),
    ]
    assert cell["responseId"] is not None and cell["attempts"] == 1
    assert (cell["inputTokens"], cell["outputTokens"]) == (12, 7)
    assert cell["costUsd"] > 0 and cell["latencyMs"] > 0
    # The cell's run is an ordinary run record of the prompt (the one run path).
    response = (await runner.get(f"/api/v1/responses/{cell['responseId']}")).json()
    assert response["variables"] == {"topic": "tea"}
    assert response["renderedInput"] == "Write a haiku about tea."
    listed = (await runner.get("/api/v1/evaluations", params={"testSetId": test_set["id"]})).json()
    assert [item["id"] for item in listed] == [created["id"]]


async def test_versions_are_compared_on_one_model_and_labels_resolve_to_their_version(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt, test_set = await _setup(runner)
    changed = await runner.patch(
        f"/api/v1/prompts/{prompt['id']}", json={"content": "A limerick about {{topic}}."}
    )
    assert changed.status_code == 200, changed.text

    created = await started(
        runner,
        testSetId=test_set["id"],
        promptId=prompt["id"],
        versions=[1, 2],
        models=["openai/gpt-4o-mini"],
    )
    evaluation = await finished(runner, created["id"])

    assert [(v["version"], v["model"]) for v in evaluation["variants"]] == [
        (1, "openai/gpt-4o-mini"),
        (2, "openai/gpt-4o-mini"),
    ]
    inputs = sorted(request.body["messages"][-1]["content"] for request in fake.requests)
    expected = ["Write a haiku about tea.", "Write a haiku about rain."]
    expected += ["A limerick about tea.", "A limerick about rain."]
    assert inputs == sorted(expected)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"models": []}, "body"),
        ({"models": [f"openai/m{i}" for i in range(7)]}, "body"),
        ({"models": ["openai/gpt-4o-mini", "openai/gpt-4o-mini"]}, "body"),
        ({"versions": [1, 2], "models": ["openai/a", "openai/b"]}, "body"),
        ({"versions": [1, 1, 1, 1, 1]}, "body"),
        ({"label": "production", "versions": [1]}, "body"),
        ({"repeats": 21}, "repeats"),
        ({"repeats": 0}, "repeats"),
        ({"versions": [9]}, "versions"),
        ({"label": "nowhere"}, "label"),
    ],
)
async def test_a_matrix_of_the_wrong_shape_is_a_422_naming_what_is_wrong(
    runner: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    prompt, test_set = await _setup(runner)

    response = await start(
        runner,
        **{"testSetId": test_set["id"], "promptId": prompt["id"], "models": ["openai/gpt-4o-mini"]}
        | body,
    )

    assert response.status_code == 422, response.text
    fields = [error["field"] for error in response.json().get("errors", [])]
    assert any(name == field or (field == "body" and name in ("", "body")) for name in fields), (
        fields
    )


async def test_an_empty_set_or_someone_elses_is_refused(
    runner: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    prompt, empty = await _setup(runner, rows=[])
    theirs = await make_test_set(bob, ROWS)

    no_rows = await start(
        runner, testSetId=empty["id"], promptId=prompt["id"], models=["openai/gpt-4o-mini"]
    )
    foreign = await start(
        runner, testSetId=theirs["id"], promptId=prompt["id"], models=["openai/gpt-4o-mini"]
    )

    assert no_rows.status_code == 422 and no_rows.json()["errors"][0]["field"] == "testSetId"
    assert foreign.status_code == 404


async def test_an_estimate_above_the_confirmed_cost_asks_for_confirmation(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt, test_set = await _setup(runner)
    body = {"testSetId": test_set["id"], "promptId": prompt["id"], "models": ["openai/gpt-4o-mini"]}

    refused = await start(runner, **body, confirmCostUsd=0)
    accepted = await start(runner, **body, confirmCostUsd=1)

    assert refused.status_code == 409
    problem = refused.json()
    assert problem["type"] == "/problems/confirmation-required"
    assert problem["estimateUsd"] > 0 and problem["confirmedUsd"] == 0
    assert accepted.status_code == 202
    assert accepted.json()["estimate"]["costUsd"] == pytest.approx(problem["estimateUsd"])
    await finished(runner, accepted.json()["id"])


async def test_an_estimate_past_the_budget_is_refused_before_any_cell_runs(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt, test_set = await _setup(runner)
    me = (await runner.get("/api/v1/me")).json()
    budget = await runner.put(f"/api/v1/admin/users/{me['id']}/budget", json={"monthlyUsd": 0})
    assert budget.status_code == 200, budget.text
    fake.reset()

    response = await start(
        runner, testSetId=test_set["id"], promptId=prompt["id"], models=["openai/gpt-4o-mini"]
    )

    assert response.status_code == 402
    assert response.json()["type"] == "/problems/budget-exceeded"
    assert (await runner.get("/api/v1/evaluations")).json() == []
    assert fake.requests == []


async def test_retry_runs_only_the_failed_cells(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    rows = [
        {"variables": {"topic": "tea"}, "assertions": [HELLO]},
        {"variables": {"topic": "rain"}, "assertions": [{"type": "contains", "value": "Bye"}]},
    ]
    prompt, test_set = await _setup(runner, rows=rows)
    created = await started(
        runner, testSetId=test_set["id"], promptId=prompt["id"], models=["openai/gpt-4o-mini"]
    )
    first = await finished(runner, created["id"])
    before = {cell["rowIndex"]: cell for cell in await all_cells(runner, created["id"])}
    fake.reset()
    fake.configure(text="Hello and Bye")

    retried = await runner.post(f"/api/v1/evaluations/{created['id']}/retry")
    again = await finished(runner, created["id"])
    after = {cell["rowIndex"]: cell for cell in await all_cells(runner, created["id"])}

    assert (first["progress"]["passed"], first["progress"]["failed"]) == (1, 1)
    assert retried.status_code == 202, retried.text
    assert len(fake.requests) == 1  # only the failed cell ran again
    assert after[0] == before[0]  # the passed cell kept its result
    assert after[1]["status"] == "passed" and after[1]["responseId"] != before[1]["responseId"]
    assert again["status"] == "completed" and again["summary"][0]["passRate"] == 1.0
    nothing = await runner.post(f"/api/v1/evaluations/{created['id']}/retry")
    assert nothing.status_code == 409


async def test_cancel_stops_the_pending_cells(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt, test_set = await _setup(
        runner, rows=[{"variables": {"topic": str(i)}} for i in range(12)]
    )
    fake.configure(first_delay=0.3)
    created = await started(
        runner, testSetId=test_set["id"], promptId=prompt["id"], models=["openai/gpt-4o-mini"]
    )

    cancelled = await runner.post(f"/api/v1/evaluations/{created['id']}/cancel")
    evaluation = await finished(runner, created["id"])

    assert cancelled.status_code == 200, cancelled.text
    assert evaluation["status"] == "cancelled"
    assert evaluation["progress"]["pending"] == 0 and evaluation["progress"]["running"] == 0
    assert evaluation["progress"]["cancelled"] >= 12 - 4  # at most `concurrency` had started
    assert (await runner.post(f"/api/v1/evaluations/{created['id']}/cancel")).status_code == 409


async def test_a_rate_limited_cell_waits_and_tries_again(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt, test_set = await _setup(runner, rows=ROWS[:1])
    # The provider adapter's own retries (2 in tests) run out first; then the cell's.
    fake.configure(status=429, fail_times=3, retry_after=0.01)

    created = await started(
        runner, testSetId=test_set["id"], promptId=prompt["id"], models=["openai/gpt-4o-mini"]
    )
    evaluation = await finished(runner, created["id"])

    [cell] = await all_cells(runner, created["id"])
    assert evaluation["progress"]["passed"] == 1
    assert cell["attempts"] == 2 and cell["status"] == "passed"


async def test_a_cell_rate_limited_on_every_attempt_errors(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt, test_set = await _setup(runner, rows=ROWS[:1])
    fake.configure(status=429, retry_after=0.01)

    created = await started(
        runner, testSetId=test_set["id"], promptId=prompt["id"], models=["openai/gpt-4o-mini"]
    )
    await finished(runner, created["id"])

    [cell] = await all_cells(runner, created["id"], status="errored")
    assert cell["attempts"] == 3  # evaluation_max_attempts
    assert cell["error"]["type"] == "/problems/rate-limited"


async def test_compare_flags_regressions_and_fixes(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    rows = [
        {"variables": {"topic": "tea"}, "assertions": [HELLO]},
        {"variables": {"topic": "rain"}, "assertions": [{"type": "contains", "value": "Bye"}]},
    ]
    prompt, test_set = await _setup(runner, rows=rows)
    body = {"testSetId": test_set["id"], "promptId": prompt["id"], "models": ["openai/gpt-4o-mini"]}
    baseline = await started(runner, **body)
    await finished(runner, baseline["id"])
    fake.configure(text="Bye")
    candidate = await started(runner, **body)
    await finished(runner, candidate["id"])

    response = await runner.get(f"/api/v1/evaluations/{candidate['id']}/compare/{baseline['id']}")

    assert response.status_code == 200, response.text
    comparison = response.json()
    assert [(c["rowIndex"], c["change"]) for c in comparison["regressions"]] == [(0, "regression")]
    assert [(c["rowIndex"], c["change"]) for c in comparison["fixes"]] == [(1, "fix")]
    assert comparison["deltas"][0]["passRate"] == 0.0


async def test_only_evaluations_of_the_same_set_compare(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt, one = await _setup(runner)
    other = await make_test_set(runner, ROWS, name="Other")
    first = await started(
        runner, testSetId=one["id"], promptId=prompt["id"], models=["openai/gpt-4o-mini"]
    )
    second = await started(
        runner, testSetId=other["id"], promptId=prompt["id"], models=["openai/gpt-4o-mini"]
    )
    await finished(runner, first["id"])
    await finished(runner, second["id"])

    response = await runner.get(f"/api/v1/evaluations/{first['id']}/compare/{second['id']}")

    assert response.status_code == 422


async def test_a_cell_is_rated_like_a_response_and_counted_in_the_summary(
    runner: httpx.AsyncClient, bob: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt, test_set = await _setup(runner, rows=ROWS[:1])
    created = await started(
        runner, testSetId=test_set["id"], promptId=prompt["id"], models=["openai/gpt-4o-mini"]
    )
    await finished(runner, created["id"])
    [cell] = await all_cells(runner, created["id"])
    path = f"/api/v1/evaluations/{created['id']}/cells/{cell['id']}/rating"

    rated = await runner.put(path, json={"value": 1, "note": " crisp "})
    evaluation = (await runner.get(f"/api/v1/evaluations/{created['id']}")).json()
    strangers = await bob.put(path, json={"value": -1})
    cleared = await runner.put(path, json={"value": 0})

    assert rated.status_code == 200, rated.text
    assert (rated.json()["rating"], rated.json()["ratingNote"]) == (1, "crisp")
    assert evaluation["summary"][0]["thumbsUp"] == 1
    assert strangers.status_code == 404
    assert (await bob.get(f"/api/v1/evaluations/{created['id']}")).status_code == 404
    assert (cleared.json()["rating"], cleared.json()["ratingNote"]) == (None, None)


async def test_events_are_a_snapshot_then_each_cell_then_done_and_a_late_follower_misses_nothing(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt, test_set = await _setup(
        runner, rows=[{"variables": {"topic": str(i)}} for i in range(3)]
    )
    fake.configure(first_delay=0.05)
    created = await started(
        runner, testSetId=test_set["id"], promptId=prompt["id"], models=["openai/gpt-4o-mini"]
    )

    live = await events(runner, created["id"])
    later = await events(runner, created["id"])

    assert live[0].name == "snapshot" and live[-1].name == "done"
    cell_events = [event for event in live if event.name == "cell"]
    seen_at_start = sum(
        count
        for status, count in live[0].data["progress"].items()
        if status not in ("pending", "running")
    )
    assert len(cell_events) + seen_at_start == 3
    assert len({event.data["id"] for event in cell_events}) == len(cell_events)
    assert live[-1].data["progress"]["passed"] == 3
    assert [event.name for event in later] == ["snapshot", "done"]
    assert later[0].data["progress"]["passed"] == 3


async def test_an_llm_rubric_is_judged_and_its_cost_kept_apart(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    judge = "anthropic/claude-sonnet-4-6"
    fake.configure_model("claude-sonnet-4-6", text='{"pass": true, "score": 0.8, "reason": "kind"}')
    rubric = {"type": "llm-rubric", "model": judge, "rubric": "Is it kind?"}
    prompt, test_set = await _setup(runner, rows=ROWS[:1], assertions=[rubric])

    created = await started(
        runner, testSetId=test_set["id"], promptId=prompt["id"], models=["openai/gpt-4o-mini"]
    )
    await finished(runner, created["id"])

    [cell] = await all_cells(runner, created["id"])
    [result] = cell["assertionResults"]
    assert (result["type"], result["passed"], result["score"], result["reason"]) == (
        "llm-rubric",
        True,
        0.8,
        "kind",
    )
    assert cell["judgeCostUsd"] > 0 and cell["status"] == "passed"
    assert created["estimate"]["judgeCostUsd"] > 0


async def test_a_viewer_reads_results_but_may_not_start_cancel_retry_or_rate(
    runner: httpx.AsyncClient, bob: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    team = (await runner.post("/api/v1/workspaces", json={"name": "Team"})).json()
    added = await runner.post(
        f"/api/v1/workspaces/{team['id']}/members", json={"username": "bob", "role": "viewer"}
    )
    assert added.status_code == 201, added.text
    prompt = await create_prompt(runner, workspaceId=team["id"])
    test_set = await make_test_set(runner, ROWS[:1], workspaceId=team["id"])
    body = {"testSetId": test_set["id"], "promptId": prompt["id"], "models": ["openai/gpt-4o-mini"]}
    created = await started(runner, **body)
    await finished(runner, created["id"])
    [cell] = await all_cells(runner, created["id"])
    base = f"/api/v1/evaluations/{created['id']}"

    assert (await bob.get(base)).status_code == 200
    assert len(await all_cells(bob, created["id"])) == 1
    listed = await bob.get("/api/v1/evaluations", params={"workspaceId": team["id"]})
    assert [item["id"] for item in listed.json()] == [created["id"]]
    assert (await start(bob, **body)).status_code == 403
    assert (await bob.post(f"{base}/retry")).status_code == 403
    assert (await bob.post(f"{base}/cancel")).status_code == 403
    rated = await bob.put(f"{base}/cells/{cell['id']}/rating", json={"value": 1})
    assert rated.status_code == 403
    assert rated.json()["type"] == "/problems/role-required"


async def test_a_server_stopping_mid_evaluation_lets_go_of_its_cells_at_once(
    app: FastAPI, runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    # A provider that takes a minute: stopping the server must not wait for it. The cells
    # it held stay leased, to be taken again once their lease runs out (a killed worker's
    # fate: tests/api/test_evaluation_workers.py).
    prompt, test_set = await _setup(runner)
    fake.configure(first_delay=60)
    created = await started(
        runner, testSetId=test_set["id"], promptId=prompt["id"], models=["openai/gpt-4o-mini"]
    )
    for _ in range(500):
        evaluation = (await runner.get(f"/api/v1/evaluations/{created['id']}")).json()
        if evaluation["progress"]["running"]:
            break
        await asyncio.sleep(0.02)

    await asyncio.wait_for(app.state.evaluations.close(), timeout=10)

    evaluation = (await runner.get(f"/api/v1/evaluations/{created['id']}")).json()
    assert evaluation["status"] == "running"
    assert evaluation["progress"]["running"] > 0  # leased, to be taken again
