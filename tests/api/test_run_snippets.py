"""Snippets at run time: `{{> name}}` resolved before the variables are filled in, the
record keeps the resolved text and the version of each included prompt."""

from __future__ import annotations

import httpx

PROMPTS = "/api/v1/prompts"


async def test_a_run_resolves_snippets_and_records_their_versions(
    runner: httpx.AsyncClient,
) -> None:
    tone = (
        await runner.post(
            PROMPTS, json={"name": "shared/tone", "title": "Tone", "content": "Be kind."}
        )
    ).json()
    await runner.patch(f"{PROMPTS}/{tone['id']}", json={"content": "Be curt."})
    await runner.put(f"{PROMPTS}/{tone['id']}/labels/production", json={"version": 1})
    prompt = (
        await runner.post(
            PROMPTS,
            json={
                "title": "Haiku",
                "content": "{{> shared/tone}} Write about {{topic}}. {{> shared/tone@latest}}",
                "model": "openai/some-model",
            },
        )
    ).json()
    run = await runner.post(f"{PROMPTS}/{prompt['id']}/run", json={"variables": {"topic": "tea"}})
    assert run.status_code == 201, run.text
    body = run.json()
    assert body["renderedInput"] == "Be kind. Write about tea. Be curt."
    assert body["snippets"] == [{"name": "shared/tone", "version": 1}]
    stored = (await runner.get(f"/api/v1/responses/{body['id']}")).json()
    assert stored["snippets"] == body["snippets"]


async def test_a_run_with_a_missing_snippet_or_a_cycle_is_a_422_naming_it(
    runner: httpx.AsyncClient,
) -> None:
    prompt = (
        await runner.post(
            PROMPTS,
            json={"name": "me", "title": "Me", "content": "{{> ghost}}", "model": "openai/m"},
        )
    ).json()
    missing = await runner.post(f"{PROMPTS}/{prompt['id']}/run", json={"variables": {}})
    assert missing.status_code == 422
    assert "Missing snippet: ghost" in missing.json()["detail"]
    await runner.patch(f"{PROMPTS}/{prompt['id']}", json={"content": "{{> me}}"})
    cycle = await runner.post(f"{PROMPTS}/{prompt['id']}/run", json={"variables": {}})
    assert cycle.status_code == 422
    assert "Snippet cycle: me → me" in cycle.json()["detail"]
    # Nothing was recorded for refused runs.
    assert (await runner.get(f"{PROMPTS}/{prompt['id']}/responses")).json()["items"] == []
