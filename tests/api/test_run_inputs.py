"""The inputs a prompt was last run with, kept on the server for the run panel."""

from __future__ import annotations

import httpx

from tests.support.runs import create_prompt


async def test_a_prompt_that_never_ran_has_empty_inputs(runner: httpx.AsyncClient) -> None:
    prompt = await create_prompt(runner)
    response = await runner.get(f"/api/v1/prompts/{prompt['id']}/inputs")
    assert response.status_code == 200
    assert response.json() == {
        "responseId": None,
        "variables": {},
        "model": None,
        "parameters": None,
    }


async def test_the_last_runs_variables_model_and_parameters_are_kept(
    runner: httpx.AsyncClient,
) -> None:
    prompt = await create_prompt(runner, content="A {{kind}} about {{topic}}.")
    path = f"/api/v1/prompts/{prompt['id']}"
    await runner.post(f"{path}/run", json={"variables": {"kind": "haiku", "topic": "tea"}})
    last = await runner.post(
        f"{path}/run",
        json={
            "model": "anthropic/claude-x",
            "variables": {"kind": "poem", "topic": "rain"},
            "parameters": {"temperature": 1.5},
        },
    )
    inputs = (await runner.get(f"{path}/inputs")).json()
    assert inputs["responseId"] == last.json()["id"]
    assert inputs["variables"] == {"kind": "poem", "topic": "rain"}
    assert inputs["model"] == "anthropic/claude-x"
    assert inputs["parameters"]["temperature"] == 1.5

    # Saved since: the variables it still has stay, its own model and parameters apply.
    await runner.patch(path, json={"content": "A {{kind}}, please."})
    inputs = (await runner.get(f"{path}/inputs")).json()
    assert inputs["variables"] == {"kind": "poem"}
    assert (inputs["model"], inputs["parameters"]) == (None, None)


async def test_another_users_prompt_has_no_inputs_for_you(
    runner: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    prompt = await create_prompt(runner)
    await runner.post(f"/api/v1/prompts/{prompt['id']}/run", json={"variables": {"topic": "x"}})
    assert (await bob.get(f"/api/v1/prompts/{prompt['id']}/inputs")).status_code == 404
    assert (await runner.get("/api/v1/prompts/99999999/inputs")).status_code == 404
    assert (await runner.get("/api/v1/prompts/x/inputs")).status_code == 422


async def test_a_variable_left_empty_is_sent_as_empty_and_a_missing_one_refused(
    runner: httpx.AsyncClient,
) -> None:
    """The page sends a field left empty as "" (shown as "(left empty)"); the API runs it
    with the empty value, and refuses only a variable that wasn't sent at all."""
    prompt = await create_prompt(runner)
    path = f"/api/v1/prompts/{prompt['id']}/run"
    empty = await runner.post(path, json={"variables": {"topic": ""}})
    assert empty.status_code == 201, empty.text
    assert empty.json()["renderedInput"] == "Write a haiku about ."
    assert empty.json()["variables"] == {"topic": ""}
    missing = await runner.post(path, json={"variables": {}})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "variables.topic"
    inputs = (await runner.get(f"/api/v1/prompts/{prompt['id']}/inputs")).json()
    assert inputs["variables"] == {"topic": ""}
