"""Chat prompts through the API: messages, a schema for the output, tools, continuing."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from promptpro.testing import FakeProviderServer
from tests.support.runs import stream_run

PROMPTS = "/api/v1/prompts"
MESSAGES = [
    {"role": "system", "content": "You answer about {{topic}}."},
    {"role": "user", "content": "Tell me about {{topic}}."},
]
SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}
WEATHER = {
    "name": "get_weather",
    "description": "Current weather in a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


async def new(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"title": "Chat", "model": "openai/gpt-x", **fields}
    response = await client.post(PROMPTS, json=body)
    assert response.status_code == 201, response.text
    prompt: dict[str, Any] = response.json()
    return prompt


async def run(client: httpx.AsyncClient, prompt_id: int, **body: Any) -> dict[str, Any]:
    response = await client.post(
        f"{PROMPTS}/{prompt_id}/run", json={"variables": {"topic": "tea"}, **body}
    )
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_a_chat_prompt_keeps_its_messages_and_a_readable_content(
    ada: httpx.AsyncClient,
) -> None:
    prompt = await new(ada, type="chat", messages=MESSAGES)

    assert prompt["type"] == "chat"
    assert prompt["messages"] == MESSAGES
    assert prompt["content"] == (
        "system: You answer about {{topic}}.\n\nuser: Tell me about {{topic}}."
    )
    # The library's search finds it by its messages' words.
    found = (await ada.get(PROMPTS, params={"q": "answer about"})).json()["items"]
    assert [item["id"] for item in found] == [prompt["id"]]


async def test_messages_alone_make_a_chat_prompt_and_existing_prompts_stay_text(
    ada: httpx.AsyncClient,
) -> None:
    chat = await new(ada, messages=MESSAGES)
    text = await new(ada, content="Hello {{name}}")

    assert chat["type"] == "chat"
    assert (text["type"], text["messages"]) == ("text", None)


async def test_each_change_of_messages_schema_or_tools_is_a_version_that_keeps_them(
    ada: httpx.AsyncClient,
) -> None:
    prompt = await new(ada, messages=MESSAGES)
    url = f"{PROMPTS}/{prompt['id']}"
    reordered = [MESSAGES[1], MESSAGES[0]]
    for change in ({"messages": reordered}, {"schema": SCHEMA}, {"tools": [WEATHER]}):
        response = await ada.patch(url, json=change)
        assert response.status_code == 200, response.text
    # A change of the title alone keeps the schema and tools (never dropped on save).
    saved = (await ada.patch(url, json={"title": "Renamed"})).json()
    assert (saved["schema"], saved["tools"]) == (SCHEMA, [WEATHER])

    versions = (await ada.get(f"{url}/versions")).json()
    assert [v["version"] for v in versions] == [5, 4, 3, 2, 1]
    assert versions[4]["messages"] == MESSAGES
    assert versions[3]["messages"] == reordered
    assert versions[3]["content"].startswith("user: Tell me")
    assert (versions[3]["schema"], versions[2]["schema"]) == (None, SCHEMA)
    assert (versions[2]["tools"], versions[1]["tools"]) == (None, [WEATHER])


async def test_a_prompt_changes_type_both_ways(ada: httpx.AsyncClient) -> None:
    prompt = await new(ada, content="Plain {{x}}")
    url = f"{PROMPTS}/{prompt['id']}"

    chat = (await ada.patch(url, json={"type": "chat", "messages": MESSAGES})).json()
    assert chat["type"] == "chat"
    text = (await ada.patch(url, json={"type": "text", "content": "Plain again"})).json()
    assert (text["type"], text["messages"], text["content"]) == ("text", None, "Plain again")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "chat", "messages": []}, "messages"),
        ({"type": "chat"}, "messages"),
        ({"messages": [{"role": "robot", "content": "hi"}]}, "role"),
        ({"messages": [{"role": "user", "content": ""}]}, "content"),
        ({"content": "x", "schema": {"type": "nonsense"}}, "schema"),
        ({"content": "x", "schema": "a string"}, "schema"),
        ({"content": "x", "tools": [WEATHER, WEATHER]}, "tools"),
        ({"content": "x", "tools": [{"name": "bad name!"}]}, "name"),
        (
            {"content": "x", "tools": [{"name": "t", "parameters": {"type": "string"}}]},
            "parameters",
        ),
        ({"content": "x", "tools": [{"name": "structured_output"}]}, "name"),
        ({"type": "text", "messages": MESSAGES, "content": "x"}, "messages"),
        ({"type": "text"}, "content"),
    ],
)
async def test_bad_chat_input_is_a_clear_422(
    ada: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    response = await ada.post(PROMPTS, json={"title": "T", **body})

    assert response.status_code == 422, response.text
    assert field in response.text


async def test_a_patch_that_empties_a_chat_prompt_is_refused(ada: httpx.AsyncClient) -> None:
    prompt = await new(ada, messages=MESSAGES)
    url = f"{PROMPTS}/{prompt['id']}"

    assert (await ada.patch(url, json={"messages": []})).status_code == 422
    text_prompt = await new(ada, content="x")
    refused = await ada.patch(
        f"{PROMPTS}/{text_prompt['id']}", json={"type": "text", "messages": MESSAGES}
    )
    assert refused.status_code == 422


async def test_a_chat_run_sends_the_rendered_messages_and_keeps_them_in_the_record(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt = await new(runner, messages=MESSAGES)

    answer = await run(runner, prompt["id"])

    rendered = [
        {"role": "system", "content": "You answer about tea."},
        {"role": "user", "content": "Tell me about tea."},
    ]
    assert fake.last_request.body["messages"] == rendered
    assert answer["messages"] == rendered
    assert answer["renderedInput"] == "system: You answer about tea.\n\nuser: Tell me about tea."
    assert (answer["schemaValid"], answer["toolCalls"]) == (None, None)
    stored = (await runner.get(f"/api/v1/responses/{answer['id']}")).json()
    assert stored["messages"] == rendered


async def test_a_chat_run_names_a_missing_variable(runner: httpx.AsyncClient) -> None:
    prompt = await new(runner, messages=MESSAGES)

    response = await runner.post(f"{PROMPTS}/{prompt['id']}/run", json={"variables": {}})

    assert response.status_code == 422
    assert "topic" in response.text


async def test_a_rerun_and_a_compare_of_versions_run_the_messages_of_their_version(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt = await new(runner, messages=MESSAGES)
    first = await run(runner, prompt["id"])
    await runner.patch(
        f"{PROMPTS}/{prompt['id']}", json={"messages": [{"role": "user", "content": "New"}]}
    )

    again = await runner.post(f"/api/v1/responses/{first['id']}/rerun")

    assert again.status_code == 201, again.text
    assert again.json()["messages"] == first["messages"]
    assert fake.last_request.body["messages"] == first["messages"]
    compare = await runner.post(
        f"{PROMPTS}/{prompt['id']}/compare",
        json={"versions": [1, 2], "variables": {"topic": "tea"}},
    )
    assert compare.status_code in (200, 201), compare.text
    sent = sorted(json.dumps(r.body["messages"]) for r in fake.requests[-2:])
    assert sent == sorted(
        [json.dumps(first["messages"]), json.dumps([{"role": "user", "content": "New"}])]
    )


@pytest.mark.parametrize(
    ("text", "valid"),
    [('{"name": "Ada", "age": 36}', True), ('{"name": "Ada"}', False), ("not json", False)],
)
async def test_a_schema_run_records_whether_the_output_fit(
    runner: httpx.AsyncClient, fake: FakeProviderServer, text: str, valid: bool
) -> None:
    fake.configure(text=text)
    prompt = await new(runner, content="Who? {{topic}}", schema=SCHEMA)

    answer = await run(runner, prompt["id"])

    assert fake.last_request.body["response_format"]["json_schema"]["schema"] == SCHEMA
    assert answer["schemaValid"] is valid
    if valid:
        assert answer["schemaErrors"] is None
    else:
        assert answer["schemaErrors"]


async def test_a_schema_run_on_anthropic_takes_the_output_from_the_forced_tool(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    fake.configure(text='{"name": "Ada", "age": 36}')
    prompt = await new(runner, content="Who?", schema=SCHEMA, model="anthropic/claude-x")

    answer = await run(runner, prompt["id"])

    assert fake.last_request.body["tool_choice"]["type"] == "tool"
    assert json.loads(answer["content"]) == {"name": "Ada", "age": 36}
    assert answer["schemaValid"] is True


@pytest.mark.parametrize("model", ["openai/m", "anthropic/m", "gemini/m", "xai/m"])
async def test_tool_calls_come_back_and_a_continue_sends_their_results(
    runner: httpx.AsyncClient, fake: FakeProviderServer, model: str
) -> None:
    prompt = await new(runner, messages=MESSAGES, tools=[WEATHER], model=model)
    fake.configure(
        text="", tool_calls=[{"id": "c1", "name": "get_weather", "arguments": {"city": "Oslo"}}]
    )
    asked = await run(runner, prompt["id"])
    assert asked["toolCalls"] == [
        {"id": "c1", "name": "get_weather", "arguments": {"city": "Oslo"}}
    ]

    fake.configure(text="It is sunny in Oslo.")
    response = await runner.post(
        f"/api/v1/responses/{asked['id']}/continue",
        json={"toolResults": [{"callId": "c1", "content": "sunny, 18 C"}]},
    )

    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["content"] == "It is sunny in Oslo."
    assert answer["previousResponseId"] == asked["id"]
    assert answer["toolCalls"] is None
    # Every turn is kept in the record: the prompt's, the call, its result.
    roles = [turn["role"] for turn in answer["messages"]]
    assert roles == ["system", "user", "assistant", "tool"]
    assert answer["messages"][-1]["content"] == "sunny, 18 C"
    history = (await runner.get(f"{PROMPTS}/{prompt['id']}/responses")).json()["items"]
    assert [item["id"] for item in history][:2] == [answer["id"], asked["id"]]


async def test_a_streamed_continue_sends_the_run_events(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt = await new(runner, content="Weather?", tools=[WEATHER])
    fake.configure(text="", tool_calls=[{"id": "c1", "name": "get_weather", "arguments": {}}])
    asked = await run(runner, prompt["id"])
    fake.configure(text="Done.")

    events = await stream_run(
        runner,
        f"/api/v1/responses/{asked['id']}/continue",
        {"toolResults": [{"callId": "c1", "content": "rain"}]},
    )

    assert events[-1].name == "done"
    assert fake.last_request.body["messages"][0] == {"role": "user", "content": "Weather?"}
    assert fake.last_request.body["messages"][-1]["role"] == "tool"


async def test_bad_tool_results_are_clear_errors(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt = await new(runner, content="Weather?", tools=[WEATHER])
    plain = await run(runner, prompt["id"])
    fake.configure(
        text="",
        tool_calls=[
            {"id": "c1", "name": "get_weather", "arguments": {}},
            {"id": "c2", "name": "get_weather", "arguments": {}},
        ],
    )
    asked = await run(runner, prompt["id"])
    url = f"/api/v1/responses/{asked['id']}/continue"

    unknown = await runner.post(url, json={"toolResults": [{"callId": "zz", "content": "x"}]})
    assert unknown.status_code == 422
    assert "zz" in unknown.text
    missing = await runner.post(url, json={"toolResults": [{"callId": "c1", "content": "x"}]})
    assert missing.status_code == 422
    assert "c2" in missing.text
    twice = [{"callId": "c1", "content": "x"}, {"callId": "c1", "content": "y"}]
    assert (await runner.post(url, json={"toolResults": twice})).status_code == 422
    assert (await runner.post(url, json={"toolResults": []})).status_code == 422
    nothing_to_answer = await runner.post(
        f"/api/v1/responses/{plain['id']}/continue",
        json={"toolResults": [{"callId": "c1", "content": "x"}]},
    )
    assert nothing_to_answer.status_code == 409
    assert (
        await runner.post(
            "/api/v1/responses/99999999/continue",
            json={"toolResults": [{"callId": "c1", "content": "x"}]},
        )
    ).status_code == 404


async def test_another_users_response_cannot_be_continued(
    runner: httpx.AsyncClient, bob: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt = await new(runner, content="Weather?", tools=[WEATHER])
    fake.configure(text="", tool_calls=[{"id": "c1", "name": "get_weather", "arguments": {}}])
    asked = await run(runner, prompt["id"])
    count = len(fake.requests)

    response = await bob.post(
        f"/api/v1/responses/{asked['id']}/continue",
        json={"toolResults": [{"callId": "c1", "content": "x"}]},
    )

    assert response.status_code == 404
    assert len(fake.requests) == count
