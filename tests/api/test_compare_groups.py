"""Compare runs kept as groups: opened again, a winner marked, versions side by side."""

from __future__ import annotations

import httpx

from promptpro.testing import FakeProviderServer
from tests.support.runs import create_prompt, stream_run

MODELS = ["openai/gpt-4o-mini", "anthropic/claude-x"]


async def compare(client: httpx.AsyncClient, prompt_id: int, **body: object) -> httpx.Response:
    return await client.post(
        f"/api/v1/prompts/{prompt_id}/compare", json={"variables": {"topic": "x"}, **body}
    )


async def test_a_compare_run_is_kept_as_one_group_that_opens_again(
    runner: httpx.AsyncClient,
) -> None:
    prompt = await create_prompt(runner)
    response = await compare(runner, prompt["id"], models=MODELS)
    assert response.status_code == 201, response.text
    answers = response.json()
    group_ids = {answer["compareGroupId"] for answer in answers}
    assert len(group_ids) == 1 and None not in group_ids
    group_id = group_ids.pop()

    group = (await runner.get(f"/api/v1/compare-groups/{group_id}")).json()
    assert group["promptId"] == prompt["id"]
    assert group["winnerResponseId"] is None
    assert [answer["id"] for answer in group["responses"]] == sorted(a["id"] for a in answers)
    for stored in group["responses"]:
        assert stored["compareGroupId"] == group_id
        assert stored["generationTime"] is not None
        assert stored["outputTokens"] is not None
    # Each answer is in the prompt's history too, with its group.
    history = (await runner.get(f"/api/v1/prompts/{prompt['id']}/responses")).json()["items"]
    assert {item["compareGroupId"] for item in history} == {group_id}


async def test_a_single_run_belongs_to_no_group(runner: httpx.AsyncClient) -> None:
    prompt = await create_prompt(runner)
    response = await runner.post(
        f"/api/v1/prompts/{prompt['id']}/run", json={"variables": {"topic": "x"}}
    )
    assert response.json()["compareGroupId"] is None


async def test_streamed_start_events_name_the_group(runner: httpx.AsyncClient) -> None:
    prompt = await create_prompt(runner)
    events = await stream_run(
        runner,
        f"/api/v1/prompts/{prompt['id']}/compare",
        {"models": MODELS, "variables": {"topic": "x"}},
    )
    starts = [event for event in events if event.name == "start"]
    assert len(starts) == 2
    group_id = starts[0].data["compareGroupId"]
    assert isinstance(group_id, int)
    assert {event.data["compareGroupId"] for event in starts} == {group_id}
    done = [event.data["response"] for event in events if event.name == "done"]
    assert {answer["compareGroupId"] for answer in done} == {group_id}


async def test_one_answer_of_the_group_is_marked_the_winner(runner: httpx.AsyncClient) -> None:
    prompt = await create_prompt(runner)
    answers = (await compare(runner, prompt["id"], models=MODELS)).json()
    group_id = answers[0]["compareGroupId"]
    winner = answers[1]["id"]
    response = await runner.put(
        f"/api/v1/compare-groups/{group_id}/winner", json={"responseId": winner}
    )
    assert response.status_code == 200, response.text
    assert response.json()["winnerResponseId"] == winner
    reopened = (await runner.get(f"/api/v1/compare-groups/{group_id}")).json()
    assert reopened["winnerResponseId"] == winner


async def test_a_response_outside_the_group_cannot_win(runner: httpx.AsyncClient) -> None:
    prompt = await create_prompt(runner)
    answers = (await compare(runner, prompt["id"], models=MODELS)).json()
    other = (await compare(runner, prompt["id"], models=MODELS)).json()
    group_id = answers[0]["compareGroupId"]
    for response_id in (other[0]["id"], 2**31 - 1):
        response = await runner.put(
            f"/api/v1/compare-groups/{group_id}/winner", json={"responseId": response_id}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "responseId"
    response = await runner.put(f"/api/v1/compare-groups/{group_id}/winner", json={})
    assert response.status_code == 422


async def test_another_users_group_is_not_found(
    runner: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    prompt = await create_prompt(runner)
    answers = (await compare(runner, prompt["id"], models=MODELS)).json()
    group_id = answers[0]["compareGroupId"]
    assert (await bob.get(f"/api/v1/compare-groups/{group_id}")).status_code == 404
    response = await bob.put(
        f"/api/v1/compare-groups/{group_id}/winner", json={"responseId": answers[0]["id"]}
    )
    assert response.status_code == 404
    assert (await runner.get("/api/v1/compare-groups/99999999999")).status_code in (404, 422)


async def test_two_versions_run_side_by_side_on_one_model(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt = await create_prompt(runner, content="First wording about {{topic}}.")
    await runner.patch(
        f"/api/v1/prompts/{prompt['id']}", json={"content": "Second wording about {{topic}}."}
    )
    response = await compare(runner, prompt["id"], versions=[1, 2], model="anthropic/claude-x")
    assert response.status_code == 201, response.text
    answers = response.json()
    assert [answer["model"] for answer in answers] == ["anthropic/claude-x"] * 2
    assert sorted(answer["renderedInput"] for answer in answers) == [
        "First wording about x.",
        "Second wording about x.",
    ]
    versions = (await runner.get(f"/api/v1/prompts/{prompt['id']}/versions")).json()
    version_ids = {version["id"] for version in versions}
    assert {answer["promptVersionId"] for answer in answers} == version_ids
    assert len({answer["compareGroupId"] for answer in answers}) == 1


async def test_versions_default_to_their_own_model(runner: httpx.AsyncClient) -> None:
    prompt = await create_prompt(runner)
    await runner.patch(f"/api/v1/prompts/{prompt['id']}", json={"content": "v2 {{topic}}"})
    response = await compare(runner, prompt["id"], versions=[2, 1])
    assert response.status_code == 201, response.text
    assert {answer["model"] for answer in response.json()} == {"openai/gpt-4o-mini"}


async def test_bad_version_compares_are_clear_422s(runner: httpx.AsyncClient) -> None:
    prompt = await create_prompt(runner)
    cases: list[tuple[dict[str, object], str]] = [
        ({"versions": [1, 9]}, "versions"),
        ({"versions": [1, 1]}, "versions"),
        ({"versions": [1]}, "versions"),
        ({"versions": [1, 2], "models": MODELS}, "models"),
        ({"models": MODELS, "model": "openai/x"}, "model"),
        ({"models": ["openai/x"]}, "models"),
        ({}, "models"),
    ]
    for body, field in cases:
        response = await compare(runner, prompt["id"], **body)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] == field, body
    # A refused compare leaves no group behind: the next one still works and is alone.
    answers = (await compare(runner, prompt["id"], models=MODELS)).json()
    group = (await runner.get(f"/api/v1/compare-groups/{answers[0]['compareGroupId']}")).json()
    assert len(group["responses"]) == 2
