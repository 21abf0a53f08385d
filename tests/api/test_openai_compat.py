"""The OpenAI-compatible endpoint, with the official `openai` SDK as the client: models and
saved prompts behind `/v1/chat/completions`, streamed and not, every call kept as a
response through the one run path; errors in OpenAI's shape."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import openai
import pytest
from fastapi import FastAPI
from openai.types.chat import ChatCompletionMessageFunctionToolCall

from promptpro.testing import FakeProviderServer
from tests.api.test_budgets import set_user_budget, user_id
from tests.support.auth import create_token
from tests.support.runs import create_prompt

MODELS = ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-6", "gemini/gemini-2.5-flash"]
SaidTo = Callable[..., openai.AsyncOpenAI]


@pytest.fixture
async def sdk(app: FastAPI, runner: httpx.AsyncClient) -> AsyncIterator[SaidTo]:
    """Makes `openai.AsyncOpenAI` clients on the app (ada's token unless another is given)."""
    token = await create_token(runner, "sdk")
    clients: list[openai.AsyncOpenAI] = []

    def make(api_key: str = token) -> openai.AsyncOpenAI:
        transport = httpx.ASGITransport(app=app)
        client = openai.AsyncOpenAI(
            api_key=api_key,
            base_url="http://testserver/v1",
            max_retries=0,
            # The SDK's annotation names its own httpx build; an httpx client works alike.
            http_client=httpx.AsyncClient(transport=transport),  # type: ignore[arg-type]
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


async def responses_of(client: httpx.AsyncClient, prompt_id: int) -> list[dict[str, Any]]:
    listed = await client.get(f"/api/v1/prompts/{prompt_id}/responses")
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


async def named_prompt(client: httpx.AsyncClient) -> dict[str, Any]:
    """support/triage: a chat prompt on gemini with a staging label on version 2."""
    prompt = await create_prompt(
        client,
        name="support/triage",
        type="chat",
        model="gemini/gemini-2.5-flash",
        messages=[
            {"role": "system", "content": "You triage mail for {{team}}."},
            {"role": "user", "content": "Version one."},
        ],
        parameters={"temperature": 0.2, "maxTokens": 100},
    )
    changed = await client.patch(
        f"/api/v1/prompts/{prompt['id']}",
        json={
            "messages": [
                {"role": "system", "content": "You triage mail for {{team}}, kindly."},
            ]
        },
    )
    assert changed.status_code == 200, changed.text
    moved = await client.put(f"/api/v1/prompts/{prompt['id']}/labels/staging", json={"version": 2})
    assert moved.status_code == 200, moved.text
    return prompt


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


@pytest.mark.parametrize(
    ("model", "status", "code"),
    [
        ("prompt:support/none", 404, "model_not_found"),
        ("prompt:support/triage@canary", 404, "model_not_found"),
        ("prompt:../x", 404, "model_not_found"),
        ("nonsense", 404, "model_not_found"),
        ("noprovider/some-model", 404, "model_not_found"),
    ],
)
async def test_an_unknown_model_is_a_404_in_openais_error_shape(
    sdk: SaidTo, runner: httpx.AsyncClient, model: str, status: int, code: str
) -> None:
    await named_prompt(runner)
    with pytest.raises(openai.NotFoundError) as raised:
        await sdk().chat.completions.create(
            model=model, messages=[{"role": "user", "content": "Hi"}]
        )
    error = raised.value.body
    assert raised.value.status_code == status
    assert isinstance(error, dict)
    assert error["code"] == code and error["param"] == "model"
    assert error["type"] == "invalid_request_error" and error["message"]


async def test_a_bad_token_is_a_401_and_a_read_only_token_may_not_run(
    sdk: SaidTo, runner: httpx.AsyncClient
) -> None:
    with pytest.raises(openai.AuthenticationError) as raised:
        await sdk("pp_not-a-token").chat.completions.create(
            model=MODELS[0], messages=[{"role": "user", "content": "Hi"}]
        )
    assert isinstance(raised.value.body, dict)
    assert raised.value.body["type"] == "authentication_error"
    with pytest.raises(openai.AuthenticationError):
        await sdk("pp_not-a-token").models.list()

    made = await runner.post("/api/v1/tokens", json={"name": "ro", "readOnly": True})
    read_only = made.json()["token"]
    with pytest.raises(openai.PermissionDeniedError) as denied:
        await sdk(read_only).chat.completions.create(
            model=MODELS[0], messages=[{"role": "user", "content": "Hi"}]
        )
    assert isinstance(denied.value.body, dict)
    assert denied.value.body["code"] == "read_only_token"
    assert [m.id async for m in sdk(read_only).models.list()]  # reading is allowed


async def test_invalid_requests_are_400s_naming_the_parameter(
    sdk: SaidTo, runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    await named_prompt(runner)
    client = sdk()
    cases: list[tuple[dict[str, Any], str | None]] = [
        ({"model": "prompt:support/triage", "messages": []}, None),  # {{team}} missing
        ({"model": MODELS[0], "messages": []}, "messages"),
        ({"model": MODELS[0], "messages": [{"role": "user", "content": "x"}], "n": 2}, "n"),
        (
            {"model": MODELS[0], "messages": [{"role": "user", "content": "x"}], "top_p": 3},
            "top_p",
        ),
    ]
    fake.reset()
    for body, param in cases:
        with pytest.raises(openai.BadRequestError) as raised:
            await client.chat.completions.create(**body)
        error = raised.value.body
        assert isinstance(error, dict) and error["type"] == "invalid_request_error", error
        if param is not None:
            assert error["param"] == param, error
        else:
            assert "team" in error["message"]
    assert fake.requests == []


async def test_a_call_past_the_budget_is_a_402_before_any_provider_request(
    sdk: SaidTo, runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    assert (await set_user_budget(runner, await user_id(runner), 0)).status_code == 200
    fake.reset()
    with pytest.raises(openai.APIStatusError) as raised:
        await sdk().chat.completions.create(
            model=MODELS[0], messages=[{"role": "user", "content": "Hi"}]
        )
    assert raised.value.status_code == 402
    assert isinstance(raised.value.body, dict)
    assert raised.value.body["code"] == "budget_exceeded"
    assert fake.requests == []


async def test_a_provider_failure_is_its_status_streamed_or_not_and_kept_as_failed(
    sdk: SaidTo, runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    fake.configure(status=500)
    with pytest.raises(openai.APIStatusError) as raised:
        await sdk().chat.completions.create(
            model=MODELS[0], messages=[{"role": "user", "content": "Hi"}]
        )
    assert raised.value.status_code == 502
    with pytest.raises(openai.APIStatusError) as streamed:
        await sdk().chat.completions.create(
            model=MODELS[1], messages=[{"role": "user", "content": "Hi"}], stream=True
        )
    assert streamed.value.status_code == 502
    assert isinstance(streamed.value.body, dict)
    stored = await runner.get(f"/api/v1/responses/{streamed.value.body['response_id']}")
    assert stored.json()["status"] == "failed"


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


async def test_a_session_cookie_is_not_enough(runner: httpx.AsyncClient) -> None:
    body = {"model": MODELS[0], "messages": [{"role": "user", "content": "Hi"}]}
    refused = await runner.post("/v1/chat/completions", json=body)
    assert refused.status_code == 401
    assert refused.json()["error"]["type"] == "authentication_error"
    assert "Bearer" in refused.json()["error"]["message"]


@pytest.mark.parametrize("content", [b"[" * 100_000, b'{"model": "\xff"}', b"[]", b"{"])
async def test_a_body_that_is_no_request_is_a_400(
    runner: httpx.AsyncClient, content: bytes
) -> None:
    token = await create_token(runner, "curl")
    headers = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
    refused = await runner.post("/v1/chat/completions", content=content, headers=headers)
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["type"] == "invalid_request_error"


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
