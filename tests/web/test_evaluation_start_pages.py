"""Starting an evaluation from a test set's page: the card's choices, the estimate shown
before anything runs, each refusal named on its field, the confirmation a costly one
needs, and the set's evaluations listed with "compare with previous"."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from promptpro.config import Settings
from tests.support.evaluations import finished, make_test_set
from tests.support.runs import create_prompt
from tests.web.conftest import field_error, hidden, text_of

ROWS = [{"variables": {"topic": "tea"}}, {"variables": {"topic": "rain"}}]
HELLO = [{"type": "contains", "value": "Hello"}]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"evaluation_runner": "server", "follow_poll_seconds": 0.02})


async def _setup(client: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    prompt = await create_prompt(client)
    test_set = await make_test_set(client, ROWS, assertions=HELLO)
    return prompt, test_set


async def _post(client: httpx.AsyncClient, test_set_id: int, **fields: Any) -> httpx.Response:
    """The start form as the set's page fills it in, with `fields` changed."""
    page = (await client.get(f"/test-sets/{test_set_id}")).text
    data = {
        "form_token": hidden(page, "form_token"),
        "promptId": hidden(page, "promptId"),
        "mode": "models",
        "label": "",
        "models": ["openai/gpt-4o-mini"],
        "repeats": "1",
        "intent": "start",
        **fields,
    }
    return await client.post(f"/test-sets/{test_set_id}/evaluations", data=data)


async def _evaluations(client: httpx.AsyncClient, test_set_id: int) -> list[dict[str, Any]]:
    listed = await client.get("/api/v1/evaluations", params={"testSetId": test_set_id})
    assert listed.status_code == 200, listed.text
    found: list[dict[str, Any]] = listed.json()
    return found


async def test_the_set_page_offers_the_workspace_prompts_versions_and_models(
    runner: httpx.AsyncClient,
) -> None:
    prompt, test_set = await _setup(runner)
    await runner.patch(f"/api/v1/prompts/{prompt['id']}", json={"content": "A haiku: {{topic}}"})

    html = (await runner.get(f"/test-sets/{test_set['id']}")).text

    assert 'data-testid="evaluate-form"' in html
    assert f'<option value="{prompt["id"]}" selected>Haiku</option>' in html
    assert hidden(html, "promptId") == str(prompt["id"])
    assert re.search(r'name="models" value="openai/gpt-4o-mini" checked', html)
    assert 'name="versions" value="2"' in html and 'name="versions" value="1"' in html
    assert "As it is now (latest, v2)" in text_of(html)
    assert "No evaluation of this set yet" in text_of(html)


async def test_the_estimate_is_shown_before_anything_runs_then_it_starts(
    runner: httpx.AsyncClient,
) -> None:
    _, test_set = await _setup(runner)

    estimated = await _post(runner, test_set["id"], intent="estimate")

    assert estimated.status_code == 200, estimated.text
    assert 'data-testid="evaluate-estimate"' in estimated.text
    assert "Estimated cost: $" in text_of(estimated.text) and "for 2 cells" in estimated.text
    assert await _evaluations(runner, test_set["id"]) == []

    started = await _post(runner, test_set["id"])

    assert started.status_code == 303, started.text
    [evaluation] = await _evaluations(runner, test_set["id"])
    assert started.headers["location"] == f"/evaluations/{evaluation['id']}"
    await finished(runner, evaluation["id"])
    listed = (await runner.get(f"/test-sets/{test_set['id']}")).text
    assert listed.count('data-testid="set-evaluation"') == 1
    assert f'href="/evaluations/{evaluation["id"]}"' in listed
    assert 'data-testid="set-evaluation-pass-rate">100%<' in listed
    assert 'data-testid="compare-previous"' not in listed  # the first run has no previous


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"models": []}, "models", "Choose 1 to 6 models."),
        ({"mode": "versions", "versions": ["1"]}, "versions", "Choose 2 to 4 versions"),
        (
            {
                "mode": "versions",
                "versions": ["1", "2"],
                "models": ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-6"],
            },
            "models",
            "Versions are compared on one model",
        ),
        ({"repeats": "21"}, "repeats", "Repeats is a whole number from 1 to 20."),
        ({"repeats": "two"}, "repeats", "Repeats is a whole number from 1 to 20."),
        ({"label": "prod"}, "label", "This prompt has no label 'prod'."),
    ],
)
async def test_each_refusal_is_named_on_its_field_and_nothing_starts(
    runner: httpx.AsyncClient, fields: dict[str, Any], field: str, message: str
) -> None:
    prompt, test_set = await _setup(runner)
    await runner.patch(f"/api/v1/prompts/{prompt['id']}", json={"content": "A haiku: {{topic}}"})

    refused = await _post(runner, test_set["id"], **fields)

    assert refused.status_code == 422, refused.text
    assert message in (field_error(refused.text, field) or "")
    assert await _evaluations(runner, test_set["id"]) == []


async def test_a_model_without_a_key_is_refused_for_the_form(
    runner: httpx.AsyncClient,
) -> None:
    _, test_set = await _setup(runner)

    refused = await _post(runner, test_set["id"], models=["gemini/gemini-2.5-flash"])

    assert refused.status_code == 422, refused.text
    assert 'data-testid="form-error"' in refused.text and "key" in text_of(refused.text)
    assert await _evaluations(runner, test_set["id"]) == []


async def test_a_costly_evaluation_asks_for_confirmation_then_starts(
    app: FastAPI, runner: httpx.AsyncClient
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"evaluation_confirm_over_usd": 0.0})
    _, test_set = await _setup(runner)

    asked = await _post(runner, test_set["id"])

    assert asked.status_code == 409, asked.text
    assert 'data-testid="evaluate-confirm"' in asked.text
    match = re.search(r'name="confirmCostUsd" value="([0-9.e-]+)"', asked.text)
    assert match and float(match.group(1)) > 0
    assert await _evaluations(runner, test_set["id"]) == []

    too_little = await _post(runner, test_set["id"], confirmCostUsd=str(float(match.group(1)) / 2))
    confirmed = await _post(runner, test_set["id"], confirmCostUsd=match.group(1))

    assert too_little.status_code == 409  # asked again, with the estimate
    assert confirmed.status_code == 303, confirmed.text
    [evaluation] = await _evaluations(runner, test_set["id"])
    await finished(runner, evaluation["id"])


async def test_another_users_set_cannot_be_evaluated_from_the_page(
    runner: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    _, test_set = await _setup(runner)
    form = {"promptId": "1", "models": ["openai/gpt-4o-mini"], "repeats": "1"}

    refused = await bob.post(f"/test-sets/{test_set['id']}/evaluations", data=form)

    assert refused.status_code == 404
    assert await _evaluations(runner, test_set["id"]) == []


async def test_a_prompt_of_another_workspace_is_refused(
    runner: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    _, test_set = await _setup(runner)
    theirs = await create_prompt(bob)

    refused = await _post(runner, test_set["id"], promptId=str(theirs["id"]))

    assert refused.status_code == 404
    assert "No such prompt." in text_of(refused.text)
    assert await _evaluations(runner, test_set["id"]) == []


async def test_a_set_without_prompts_says_so(runner: httpx.AsyncClient) -> None:
    test_set = await make_test_set(runner, ROWS)

    html = (await runner.get(f"/test-sets/{test_set['id']}")).text

    assert 'data-testid="evaluate-no-prompts"' in html
    assert 'data-testid="evaluate-form"' not in html


async def test_a_viewer_of_the_workspace_sees_its_evaluations_but_no_start_form(
    runner: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    team = (await runner.post("/api/v1/workspaces", json={"name": "Crew"})).json()["id"]
    added = await runner.post(
        f"/api/v1/workspaces/{team}/members", json={"username": "bob", "role": "viewer"}
    )
    assert added.status_code == 201, added.text
    prompt = await create_prompt(runner, workspaceId=team)
    test_set = await make_test_set(runner, ROWS, assertions=HELLO, workspaceId=team)
    started = await _post(runner, test_set["id"])
    assert started.status_code == 303, started.text
    await finished(runner, int(started.headers["location"].rsplit("/", 1)[1]))

    html = (await bob.get(f"/test-sets/{test_set['id']}")).text
    form = {"promptId": str(prompt["id"]), "models": ["openai/gpt-4o-mini"], "repeats": "1"}
    refused = await bob.post(f"/test-sets/{test_set['id']}/evaluations", data=form)

    assert 'data-testid="evaluate-view-only"' in html
    assert 'data-testid="evaluate-form"' not in html
    assert html.count('data-testid="set-evaluation"') == 1
    assert refused.status_code == 403
    assert len(await _evaluations(runner, test_set["id"])) == 1
