"""Conversations, tools and schemas in each provider's own JSON: plain dicts, no SDK types.

A conversation is our `ChatMessage`s (system, user, assistant with its tool calls, tool
results); each provider wants it differently:

- OpenAI (and xAI, and compatible servers): every turn in `messages`; an assistant's calls
  as `tool_calls` with the arguments as a JSON string; each result a `tool` turn.
- Anthropic: the system turns joined into `system`; calls as `tool_use` blocks; results as
  `tool_result` blocks in one user turn.
- Gemini: the system turns in `systemInstruction`; roles `user` and `model`; calls as
  `functionCall` parts; results as `functionResponse` parts of a user turn, matched by name.

A user turn with images (`ChatMessage.parts`) is a list of content parts, text and images in
order: OpenAI `image_url` parts holding a `data:` URL, Anthropic `image` blocks with a
base64 source, Gemini `inline_data` parts (the SDK base64-encodes the bytes).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from promptpro.providers.types import ChatMessage, ImagePart, ToolSpec

# The tool Anthropic is made to call when a schema is asked for: its input is the output.
SCHEMA_TOOL = "structured_output"
# How a Gemini call id of ours begins (Gemini sent none): not sent back to it.
MADE_UP_ID = "gemini-call-"


def _gemini_id(call_id: str | None) -> dict[str, str]:
    return {"id": call_id} if call_id and not call_id.startswith(MADE_UP_ID) else {}


def call_arguments(raw: object) -> dict[str, Any]:
    """A tool call's arguments as an object, from a JSON string or an object already parsed."""
    if isinstance(raw, Mapping):
        return dict(raw)
    if raw is None or raw == "":
        return {}
    try:
        value = json.loads(str(raw))
    except ValueError:
        return {"_raw": str(raw)}
    return value if isinstance(value, dict) else {"_raw": str(raw)}


def is_strict_schema(schema: Mapping[str, Any]) -> bool:
    """Whether OpenAI's strict mode takes this schema (at its top level, as far as we check):
    an object that requires every property and allows no others."""
    properties = schema.get("properties")
    return (
        schema.get("type") == "object"
        and schema.get("additionalProperties") is False
        and isinstance(properties, Mapping)
        and set(schema.get("required") or ()) == set(properties)
    )


def system_text(messages: Iterable[ChatMessage]) -> str | None:
    """Every system turn's text, joined (Anthropic and Gemini take one system field)."""
    texts = [message.content for message in messages if message.role == "system"]
    return "\n\n".join(texts) if texts else None


def _base64(image: ImagePart) -> str:
    return base64.b64encode(image.data).decode("ascii")


def openai_parts(message: ChatMessage) -> list[dict[str, Any]]:
    """A turn's parts as chat completions content parts."""
    return [
        {"type": "text", "text": part.text}
        if not isinstance(part, ImagePart)
        else {
            "type": "image_url",
            "image_url": {"url": f"data:{part.media_type};base64,{_base64(part)}"},
        }
        for part in message.parts
    ]


def anthropic_parts(message: ChatMessage) -> list[dict[str, Any]]:
    """A turn's parts as Messages API content blocks."""
    return [
        {"type": "text", "text": part.text}
        if not isinstance(part, ImagePart)
        else {
            "type": "image",
            "source": {"type": "base64", "media_type": part.media_type, "data": _base64(part)},
        }
        for part in message.parts
    ]


def gemini_parts(message: ChatMessage) -> list[dict[str, Any]]:
    """A turn's parts as generateContent parts (bytes as they are: the SDK encodes them)."""
    return [
        {"text": part.text}
        if not isinstance(part, ImagePart)
        else {"inline_data": {"mime_type": part.media_type, "data": part.data}}
        for part in message.parts
    ]


# --- OpenAI ------------------------------------------------------------------------------


def openai_messages(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    """The conversation as chat completions `messages`."""
    wire: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "tool":
            wire.append(
                {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
            )
        elif message.tool_calls:
            calls = [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
                }
                for call in message.tool_calls
            ]
            wire.append(
                {"role": "assistant", "content": message.content or None, "tool_calls": calls}
            )
        elif message.parts:
            wire.append({"role": message.role, "content": openai_parts(message)})
        else:
            wire.append({"role": message.role, "content": message.content})
    return wire


def openai_tools(tools: Sequence[ToolSpec]) -> list[dict[str, Any]]:
    """The tools as chat completions `tools` (functions)."""
    return [
        {
            "type": "function",
            "function": {
                "name": tool.name,
                "description": tool.description,
                "parameters": dict(tool.parameters),
            },
        }
        for tool in tools
    ]


# --- Anthropic ---------------------------------------------------------------------------


def anthropic_messages(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    """The conversation (system turns left out) as Messages API `messages`."""
    wire: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "system":
            continue
        if message.role == "tool":
            block = {
                "type": "tool_result",
                "tool_use_id": message.tool_call_id,
                "content": message.content,
            }
            last = wire[-1] if wire else None
            # Results of one assistant turn go back together, in one user turn.
            if last and last["role"] == "user" and isinstance(last["content"], list):
                last["content"].append(block)
            else:
                wire.append({"role": "user", "content": [block]})
        elif message.tool_calls:
            blocks: list[dict[str, Any]] = []
            if message.content:
                blocks.append({"type": "text", "text": message.content})
            blocks += [
                {"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments}
                for call in message.tool_calls
            ]
            wire.append({"role": "assistant", "content": blocks})
        elif message.parts:
            wire.append({"role": message.role, "content": anthropic_parts(message)})
        else:
            wire.append({"role": message.role, "content": message.content})
    return wire


def anthropic_tools(
    tools: Sequence[ToolSpec], schema: Mapping[str, Any] | None
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The tools as Messages API `tools`, and the `tool_choice` to send (None: the default).

    A schema becomes one more tool the model is made to call: its input is the output.
    With tools of the prompt's own too, the model must call one of them ("any").
    """
    wire = [
        {"name": tool.name, "description": tool.description, "input_schema": dict(tool.parameters)}
        for tool in tools
    ]
    if schema is None:
        return wire, None
    wire.append(
        {
            "name": SCHEMA_TOOL,
            "description": "Give the answer as this tool's input.",
            "input_schema": dict(schema),
        }
    )
    choice = {"type": "tool", "name": SCHEMA_TOOL} if not tools else {"type": "any"}
    return wire, choice


# --- Gemini ------------------------------------------------------------------------------


def gemini_contents(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    """The conversation (system turns left out) as generateContent `contents`."""
    wire: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "system":
            continue
        if message.role == "tool":
            part = {
                "function_response": {
                    **_gemini_id(message.tool_call_id),
                    "name": message.name or "",
                    "response": {"result": message.content},
                }
            }
            last = wire[-1] if wire else None
            if last and last["role"] == "user" and "function_response" in last["parts"][0]:
                last["parts"].append(part)
            else:
                wire.append({"role": "user", "parts": [part]})
            continue
        if message.parts:
            wire.append({"role": "user", "parts": gemini_parts(message)})
            continue
        parts: list[dict[str, Any]] = []
        if message.content or not message.tool_calls:
            parts.append({"text": message.content})
        parts += [
            {
                "function_call": {
                    **_gemini_id(call.id),
                    "name": call.name,
                    "args": dict(call.arguments),
                }
            }
            for call in message.tool_calls
        ]
        wire.append({"role": "model" if message.role == "assistant" else "user", "parts": parts})
    return wire


def gemini_tools(tools: Sequence[ToolSpec]) -> list[dict[str, Any]]:
    """The tools as one generateContent `tools` entry of function declarations."""
    if not tools:
        return []
    declarations = [
        {
            "name": tool.name,
            "description": tool.description,
            # The JSON Schema as it is (Gemini's own `parameters` takes an OpenAPI subset).
            "parameters_json_schema": dict(tool.parameters),
        }
        for tool in tools
    ]
    return [{"function_declarations": declarations}]
