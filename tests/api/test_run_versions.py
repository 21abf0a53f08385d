"""Running a saved version of a prompt (the one a label points at) instead of its current
state: what the command line's `promptpro run NAME --label L` asks for."""

from __future__ import annotations

import httpx

from tests.support.runs import create_prompt


async def test_a_run_of_a_saved_version_uses_that_versions_wording_and_records_it(
    runner: httpx.AsyncClient,
) -> None:
    prompt = await create_prompt(runner)
    changed = await runner.patch(
        f"/api/v1/prompts/{prompt['id']}", json={"content": "A limerick about {{topic}}."}
    )
    assert changed.status_code == 200, changed.text
    versions = (await runner.get(f"/api/v1/prompts/{prompt['id']}/versions")).json()

    run = await runner.post(
        f"/api/v1/prompts/{prompt['id']}/run", json={"version": 1, "variables": {"topic": "tea"}}
    )
    assert run.status_code == 201, run.text
    assert run.json()["renderedInput"] == "Write a haiku about tea."
    assert run.json()["promptVersionId"] == versions[-1]["id"]

    current = await runner.post(
        f"/api/v1/prompts/{prompt['id']}/run", json={"variables": {"topic": "tea"}}
    )
    assert current.json()["renderedInput"] == "A limerick about tea."


async def test_a_version_the_prompt_does_not_have_is_a_422_naming_the_field(
    runner: httpx.AsyncClient,
) -> None:
    prompt = await create_prompt(runner)
    response = await runner.post(
        f"/api/v1/prompts/{prompt['id']}/run", json={"version": 9, "variables": {"topic": "x"}}
    )
    assert response.status_code == 422
    assert "version" in response.text


async def test_a_version_of_another_users_prompt_is_a_404(
    runner: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    prompt = await create_prompt(runner)
    response = await bob.post(
        f"/api/v1/prompts/{prompt['id']}/run", json={"version": 1, "variables": {"topic": "x"}}
    )
    assert response.status_code == 404
