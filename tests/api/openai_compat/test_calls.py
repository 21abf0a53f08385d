"""The OpenAI-compatible endpoint, with the official `openai` SDK as the client: models and
saved prompts behind `/v1/chat/completions`, streamed and not, every call kept as a
response through the one run path (errors: test_errors.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from openai.types.chat import ChatCompletionMessageFunctionToolCall

from promptpro.testing import FakeProviderServer
from tests.api.openai_compat.conftest import MODELS, SaidTo, named_prompt, responses_of
from tests.support.auth import create_token
from tests.support.runs import create_prompt


@pytest.mark.parametrize("model", MODELS)
async def test_a_model_call_answers_in_openais_shape_and_is_kept_in_the_api_log(
    sdk: SaidTo, runner: httpx.AsyncClient, fake: FakeProviderServer, model: str
) -> None:
    answer = await sdk().chat.completions.create(
        model=model, messages=[{"role": "user", "content": "Hi"}], temperature=0.3
    )

    assert answer.object == "chat.completion"
    assert answer.choices[0].message.content == "Hello from the fake provider."
    assert answer.choices[0].finish_reason == "stop"
    assert answer.usage is not None
    assert (answer.usage.prompt_tokens, answer.usage.completion_tokens) == (12, 7)
    assert fake.last_request.model == model.split("/", 1)[1]
    extra: dict[str, Any] = answer.model_extra["promptpro"]  # type: ignore[index]
    stored = (await runner.get(f"/api/v1/responses/{extra['response_id']}")).json()
    assert stored["status"] == "completed"
    assert stored["model"] == model
    assert stored["inputTokens"] == 12 and stored["timeToFirstToken"] is not None
    assert stored["parameters"]["temperature"] == 0.3
    assert stored["keySource"] == "personal"
    assert answer.id == f"chatcmpl-pp-{stored['id']}"
    log = (await runner.get(f"/api/v1/prompts/{stored['promptId']}")).json()
    assert (log["title"], log["name"]) == ("API log", ".api-log")


@pytest.mark.parametrize("model", MODELS)
async def test_a_streamed_call_sends_chunks_then_usage_then_done(
    sdk: SaidTo, runner: httpx.AsyncClient, model: str
) -> None:
    stream = await sdk().chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "Hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [chunk async for chunk in stream]

    assert {chunk.object for chunk in chunks} == {"chat.completion.chunk"}
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Hello from the fake provider."
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-2].choices[0].finish_reason == "stop"
    usage = chunks[-1].usage
    assert usage is not None and usage.total_tokens == 19 and chunks[-1].choices == []
    response_id = int(chunks[0].id.removeprefix("chatcmpl-pp-"))
    stored = (await runner.get(f"/api/v1/responses/{response_id}")).json()
    assert (stored["status"], stored["content"]) == ("completed", text)


async def test_the_raw_stream_is_openais_sse_ending_in_done(
    app: FastAPI, runner: httpx.AsyncClient
) -> None:
    token = await create_token(runner, "curl")
    body = {"model": MODELS[0], "messages": [{"role": "user", "content": "Hi"}], "stream": True}
    answer = await runner.post(
        "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.headers["content-type"].startswith("text/event-stream")
    blocks = answer.text.split("\n\n")
    assert blocks[-2] == "data: [DONE]" and blocks[-1] == ""
    assert all(block.startswith("data: {") for block in blocks[:-2])
    assert '"usage"' not in answer.text  # only with stream_options.include_usage


async def test_a_prompt_by_name_and_label_runs_its_version_with_variables_first(
    sdk: SaidTo, runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt = await named_prompt(runner)

    answer = await sdk().chat.completions.create(
        model="prompt:support/triage@staging",
        messages=[{"role": "user", "content": "My parcel is late."}],
        max_tokens=50,
        extra_body={"variables": {"team": "Billing"}},
    )

    sent = fake.last_request
    assert sent.provider == "gemini" and sent.model == "gemini-2.5-flash"
    assert "You triage mail for Billing, kindly." in str(sent.body)
    assert "My parcel is late." in str(sent.body)
    assert "Version one." not in str(sent.body)
    assert sent.body["generationConfig"]["maxOutputTokens"] == 50  # the request's
    assert sent.body["generationConfig"]["temperature"] == 0.2  # the prompt's
    extra: dict[str, Any] = answer.model_extra["promptpro"]  # type: ignore[index]
    [stored] = await responses_of(runner, prompt["id"])
    assert stored["id"] == extra["response_id"]
    assert stored["variables"] == {"team": "Billing"}
    assert [m["role"] for m in stored["messages"]] == ["system", "user"]
    versions = (await runner.get(f"/api/v1/prompts/{prompt['id']}/versions")).json()
    second = next(v for v in versions if v["version"] == 2)
    assert stored["promptVersionId"] == second["id"]


async def test_a_prompt_without_label_runs_production_else_the_newest(
    sdk: SaidTo, runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    await named_prompt(runner)
    await sdk().chat.completions.create(
        model="prompt:support/triage",
        messages=[{"role": "user", "content": "Hi"}],
        extra_body={"variables": {"team": "Ops"}},
    )
    assert "Ops, kindly" in str(fake.last_request.body)  # no production label: latest


async def test_models_lists_keyed_catalogue_models_and_the_workspaces_prompts(
    sdk: SaidTo, runner: httpx.AsyncClient
) -> None:
    await named_prompt(runner)
    await sdk().chat.completions.create(
        model=MODELS[0], messages=[{"role": "user", "content": "Hi"}]
    )
    listed = [model async for model in sdk().models.list()]
    ids = {model.id for model in listed}
    assert {"openai/gpt-4o-mini", "prompt:support/triage"} <= ids
    assert not any(".api-log" in model_id for model_id in ids)
    assert {model.object for model in listed} == {"model"}


async def test_tools_and_assistant_tool_calls_are_translated(
    sdk: SaidTo, runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    fake.configure(tool_calls=[{"id": "call_1", "name": "lookup", "arguments": {"q": "tea"}}])
    tool = {
        "type": "function",
        "function": {
            "name": "lookup",
            "description": "Look it up",
            "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
        },
    }
    answer = await sdk().chat.completions.create(
        model=MODELS[0],
        messages=[{"role": "user", "content": "Find tea"}],
        tools=[tool],  # type: ignore[list-item]
    )
    [call] = answer.choices[0].message.tool_calls or []
    assert isinstance(call, ChatCompletionMessageFunctionToolCall)
    assert call.function.name == "lookup" and call.function.arguments == '{"q": "tea"}'
    assert answer.choices[0].finish_reason == "tool_calls"
    assert fake.last_request.body["tools"][0]["function"]["name"] == "lookup"


async def test_a_label_moved_is_what_the_next_call_runs(
    sdk: SaidTo, runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt = await named_prompt(runner)
    client = sdk()
    ask: dict[str, Any] = {
        "model": "prompt:support/triage@staging",
        "messages": [{"role": "user", "content": "Hi"}],
        "extra_body": {"variables": {"team": "Ops"}},
    }
    await client.chat.completions.create(**ask)
    assert "kindly" in str(fake.last_request.body)

    moved = await runner.put(f"/api/v1/prompts/{prompt['id']}/labels/staging", json={"version": 1})
    assert moved.status_code == 200, moved.text
    await client.chat.completions.create(**ask)
    assert "kindly" not in str(fake.last_request.body)
    assert "Version one." in str(fake.last_request.body)


async def test_a_token_limited_to_a_team_runs_there_on_the_teams_key(
    sdk: SaidTo, runner: httpx.AsyncClient
) -> None:
    team = (await runner.post("/api/v1/workspaces", json={"name": "Team"})).json()["id"]
    keyed = await runner.put(
        f"/api/v1/workspaces/{team}/keys/openai", json={"key": "sk-team-0123456789abcdefghij"}
    )
    assert keyed.status_code == 200, keyed.text
    made = await runner.post("/api/v1/tokens", json={"name": "team", "workspaceId": team})
    client = sdk(made.json()["token"])

    first, second = [
        await client.chat.completions.create(
            model=MODELS[0], messages=[{"role": "user", "content": "Hi"}]
        )
        for _ in range(2)
    ]

    ids = [answer.model_extra["promptpro"]["response_id"] for answer in (first, second)]  # type: ignore[index]
    stored = [(await runner.get(f"/api/v1/responses/{i}")).json() for i in ids]
    assert {response["keySource"] for response in stored} == {"workspace"}
    log = (await runner.get(f"/api/v1/prompts/{stored[0]['promptId']}")).json()
    assert log["workspaceId"] == team and stored[1]["promptId"] == log["id"]
    assert [m.id async for m in client.models.list() if m.id.startswith("prompt:")] == []


async def test_concurrent_first_calls_make_one_api_log(
    sdk: SaidTo, runner: httpx.AsyncClient
) -> None:
    client = sdk()
    answers = await asyncio.gather(
        *(
            client.chat.completions.create(
                model=MODELS[0], messages=[{"role": "user", "content": "Hi"}]
            )
            for _ in range(3)
        )
    )
    ids = {answer.model_extra["promptpro"]["prompt_id"] for answer in answers}  # type: ignore[index]
    assert len(ids) == 1
    logs = (await runner.get("/api/v1/prompts", params={"q": "API log"})).json()["items"]
    assert len(logs) == 1


async def test_a_text_prompts_wording_is_the_first_user_turn(
    sdk: SaidTo, runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt = await create_prompt(runner, name="haiku")
    await sdk().chat.completions.create(
        model="prompt:haiku@latest",
        messages=[{"role": "user", "content": "Shorter, please."}],
        extra_body={"variables": {"topic": "tea"}},
    )
    sent = fake.last_request.body["messages"]
    assert [(m["role"], m["content"]) for m in sent] == [
        ("user", "Write a haiku about tea."),
        ("user", "Shorter, please."),
    ]
    [stored] = await responses_of(runner, prompt["id"])
    assert stored["renderedInput"].startswith("user: Write a haiku about tea.")


async def test_the_api_log_is_a_page_in_the_library(sdk: SaidTo, runner: httpx.AsyncClient) -> None:
    answer = await sdk().chat.completions.create(
        model=MODELS[0], messages=[{"role": "user", "content": "Hi"}]
    )
    log_id = answer.model_extra["promptpro"]["prompt_id"]  # type: ignore[index]
    html = {"Accept": "text/html"}
    page = await runner.get(f"/prompts/{log_id}", headers=html, follow_redirects=True)
    assert page.status_code == 200, page.url
    assert "API log" in page.text
    library = await runner.get("/", headers=html, follow_redirects=True)
    assert library.status_code == 200 and "API log" in library.text
