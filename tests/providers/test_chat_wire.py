"""Chat messages, schemas, tools and tool results in each provider's own wire format.

Every test runs on each provider, streamed and not, against the fake server, which records
the request it received.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from promptpro.providers.registry import ProviderRegistry
from promptpro.providers.types import (
    ChatMessage,
    Completion,
    CompletionRequest,
    RunParameters,
    TextDelta,
    ToolCall,
    ToolSpec,
    Usage,
)
from promptpro.testing import FakeProviderServer
from tests.providers.helpers import API_KEY, MODES, Mode

CONVERSATION = (
    ChatMessage("system", "You are terse."),
    ChatMessage("user", "Hi"),
    ChatMessage("assistant", "Hello."),
    ChatMessage("user", "Weather in Paris?"),
)
SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "temp": {"type": "number"}},
    "required": ["city", "temp"],
    "additionalProperties": False,
}
WEATHER = ToolSpec(
    "get_weather",
    "Current weather",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> Mode:
    """Streamed, then not."""
    return request.param  # type: ignore[no-any-return]


async def run(registry: ProviderRegistry, request: CompletionRequest, mode: Mode) -> Completion:
    """The answer, whichever way it was asked for."""
    if mode == "complete":
        return await registry.complete(request, api_key=API_KEY)
    parts: list[str] = []
    calls: list[ToolCall] = []
    usage = Usage()
    async for event in registry.stream(request, api_key=API_KEY):
        if isinstance(event, TextDelta):
            parts.append(event.text)
        elif isinstance(event, ToolCall):
            calls.append(event)
        else:
            usage = event
    return Completion("".join(parts), usage, tuple(calls))


def chat(provider_id: str, **fields: Any) -> CompletionRequest:
    return CompletionRequest(f"{provider_id}/model-x", "", RunParameters(), **fields)


async def test_openai_and_xai_send_every_message_with_its_role(
    registry: ProviderRegistry, fake: FakeProviderServer, mode: Mode
) -> None:
    for provider_id in ("openai", "xai"):
        await run(registry, chat(provider_id, messages=CONVERSATION), mode)
        assert fake.last_request.body["messages"] == [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello."},
            {"role": "user", "content": "Weather in Paris?"},
        ]


async def test_anthropic_gets_the_system_message_in_its_system_field(
    registry: ProviderRegistry, fake: FakeProviderServer, mode: Mode
) -> None:
    await run(registry, chat("anthropic", messages=CONVERSATION), mode)

    body = fake.last_request.body
    assert body["system"] == "You are terse."
    assert body["messages"] == [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello."},
        {"role": "user", "content": "Weather in Paris?"},
    ]


async def test_gemini_gets_a_system_instruction_and_user_and_model_turns(
    registry: ProviderRegistry, fake: FakeProviderServer, mode: Mode
) -> None:
    await run(registry, chat("gemini", messages=CONVERSATION), mode)

    body = fake.last_request.body
    assert body["systemInstruction"]["parts"] == [{"text": "You are terse."}]
    assert [(c["role"], c["parts"]) for c in body["contents"]] == [
        ("user", [{"text": "Hi"}]),
        ("model", [{"text": "Hello."}]),
        ("user", [{"text": "Weather in Paris?"}]),
    ]


async def test_a_schema_is_asked_for_in_each_providers_own_way(
    registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str, mode: Mode
) -> None:
    answer = {"city": "Paris", "temp": 21}
    fake.configure(text=json.dumps(answer))

    completion = await run(registry, chat(provider_id, messages=CONVERSATION, schema=SCHEMA), mode)

    body = fake.last_request.body
    if provider_id in ("openai", "xai"):
        assert body["response_format"] == {
            "type": "json_schema",
            "json_schema": {"name": "output", "schema": SCHEMA, "strict": True},
        }
    elif provider_id == "anthropic":
        assert body["tool_choice"] == {"type": "tool", "name": "structured_output"}
        assert body["tools"][0]["input_schema"] == SCHEMA
    else:
        config = body["generationConfig"]
        assert config["responseMimeType"] == "application/json"
        assert config["responseSchema"]["required"] == ["city", "temp"]
    # Anthropic's answer is the forced tool's input: it comes back as the text.
    assert json.loads(completion.text) == answer
    assert completion.tool_calls == ()


async def test_tools_are_declared_and_calls_come_back_normalized(
    registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str, mode: Mode
) -> None:
    fake.configure(
        text="",
        tool_calls=[{"id": "c1", "name": "get_weather", "arguments": {"city": "Paris"}}],
    )

    completion = await run(
        registry, chat(provider_id, messages=CONVERSATION, tools=(WEATHER,)), mode
    )

    body = fake.last_request.body
    if provider_id in ("openai", "xai"):
        assert body["tools"] == [
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "description": "Current weather",
                    "parameters": dict(WEATHER.parameters),
                },
            }
        ]
    elif provider_id == "anthropic":
        assert body["tools"] == [
            {
                "name": "get_weather",
                "description": "Current weather",
                "input_schema": dict(WEATHER.parameters),
            }
        ]
        assert "tool_choice" not in body
    else:
        declaration = body["tools"][0]["functionDeclarations"][0]
        assert declaration["name"] == "get_weather"
        # The SDK spells it in snake_case, which Google's JSON parser takes as well.
        sent = declaration.get("parametersJsonSchema", declaration.get("parameters_json_schema"))
        assert sent == dict(WEATHER.parameters)
    assert completion.tool_calls == (ToolCall("c1", "get_weather", {"city": "Paris"}),)
    assert completion.text == ""


async def test_gemini_calls_without_an_id_get_one(
    registry: ProviderRegistry, fake: FakeProviderServer, mode: Mode
) -> None:
    fake.configure(text="", tool_calls=[{"name": "get_weather", "arguments": {"city": "Oslo"}}])

    completion = await run(registry, chat("gemini", messages=CONVERSATION, tools=(WEATHER,)), mode)

    assert completion.tool_calls == (ToolCall("gemini-call-0", "get_weather", {"city": "Oslo"}),)
    # Sent back, the made-up id is left out: Gemini matches the result by name.
    turns = (
        *CONVERSATION,
        ChatMessage("assistant", "", tool_calls=completion.tool_calls),
        ChatMessage("tool", "cold", tool_call_id="gemini-call-0", name="get_weather"),
    )
    await run(registry, chat("gemini", messages=turns, tools=(WEATHER,)), mode)
    call, result = fake.last_request.body["contents"][-2:]
    assert "id" not in call["parts"][0]["functionCall"]
    assert "id" not in result["parts"][0]["functionResponse"]
    assert result["parts"][0]["functionResponse"]["name"] == "get_weather"


TOOL_TURNS = (
    *CONVERSATION,
    ChatMessage("assistant", "", tool_calls=(ToolCall("c1", "get_weather", {"city": "Paris"}),)),
    ChatMessage("tool", "21 C, sunny", tool_call_id="c1", name="get_weather"),
)


async def test_tool_results_go_back_in_each_providers_own_way(
    registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str, mode: Mode
) -> None:
    fake.configure(text="It is 21 C and sunny in Paris.")

    completion = await run(registry, chat(provider_id, messages=TOOL_TURNS, tools=(WEATHER,)), mode)

    body = fake.last_request.body
    if provider_id in ("openai", "xai"):
        assert body["messages"][-2:] == [
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "21 C, sunny"},
        ]
    elif provider_id == "anthropic":
        assert body["messages"][-2:] == [
            {
                "role": "assistant",
                "content": [
                    {
                        "type": "tool_use",
                        "id": "c1",
                        "name": "get_weather",
                        "input": {"city": "Paris"},
                    }
                ],
            },
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": "c1", "content": "21 C, sunny"}],
            },
        ]
    else:
        call, result = body["contents"][-2:]
        assert call["role"] == "model"
        assert call["parts"][0]["functionCall"]["name"] == "get_weather"
        assert call["parts"][0]["functionCall"]["args"] == {"city": "Paris"}
        assert result["role"] == "user"
        response = result["parts"][0]["functionResponse"]
        assert response["name"] == "get_weather"
        assert response["response"] == {"result": "21 C, sunny"}
    assert completion.text == "It is 21 C and sunny in Paris."


async def test_a_text_prompt_is_sent_as_before(
    registry: ProviderRegistry, fake: FakeProviderServer, mode: Mode
) -> None:
    request = CompletionRequest("openai/m", "Say hi", RunParameters(system="Be kind"))

    await run(registry, request, mode)

    assert fake.last_request.body["messages"] == [
        {"role": "system", "content": "Be kind"},
        {"role": "user", "content": "Say hi"},
    ]
    assert "tools" not in fake.last_request.body
    assert "response_format" not in fake.last_request.body
