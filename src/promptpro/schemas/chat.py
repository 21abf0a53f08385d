"""Chat prompts on the wire: messages, a JSON Schema for the output, tools, tool results."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal

from jsonschema import SchemaError
from jsonschema.validators import validator_for
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from promptpro.schemas.base import ReadSchema, WriteSchema, no_nul

PromptType = Literal["text", "chat"]
Role = Literal["system", "user", "assistant"]
MAX_MESSAGES = 100
MAX_TOOLS = 32
MAX_TOOL_RESULTS = 64
# A schema is a document, not a data set: big enough for any real output, bounded.
MAX_SCHEMA_BYTES = 64_000
# The tool Anthropic is made to call for a schema (providers/wire.py): not a prompt's own.
RESERVED_TOOL_NAMES = frozenset({"structured_output"})

MessageText = Annotated[
    str, StringConstraints(min_length=1, max_length=100_000), AfterValidator(no_nul)
]


def _refuse_nul_inside(value: object) -> None:
    """No NUL nor lone surrogate in any string of a JSON document (no database stores one)."""
    if isinstance(value, str):
        no_nul(value)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _refuse_nul_inside(key)
            _refuse_nul_inside(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_nul_inside(item)


def check_json_schema(value: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema its own metaschema accepts (2020-12 unless `$schema` names another)."""
    try:
        size = len(json.dumps(value, allow_nan=False))
    except ValueError:
        raise ValueError("must be JSON (no NaN or infinity)") from None
    if size > MAX_SCHEMA_BYTES:
        raise ValueError(f"is at most {MAX_SCHEMA_BYTES:,} bytes of JSON")
    _refuse_nul_inside(value)
    try:
        validator_for(value).check_schema(value)
    except SchemaError as exc:
        where = "/".join(str(part) for part in exc.absolute_path)
        raise ValueError(
            f"is not a valid JSON Schema: {exc.message}" + (f" (at /{where})" if where else "")
        ) from None
    return value


def _an_object(value: object) -> object:
    if not isinstance(value, dict):
        raise ValueError("must be a JSON Schema object")
    return value


JsonSchema = Annotated[
    dict[str, Any], BeforeValidator(_an_object), AfterValidator(check_json_schema)
]


class ChatMessage(WriteSchema):
    """One message of a chat prompt; its content may hold `{{variables}}`."""

    role: Role
    content: MessageText


class ChatMessageRead(ReadSchema):
    """One message of a chat prompt."""

    role: Role
    content: str


def _object_schema(value: dict[str, Any]) -> dict[str, Any]:
    if value.get("type", "object") != "object":
        raise ValueError('a tool\'s parameters are an object schema ("type": "object")')
    return value


ToolName = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$"), AfterValidator(no_nul)
]


def _not_reserved(name: str) -> str:
    if name in RESERVED_TOOL_NAMES:
        raise ValueError(f"{name!r} is reserved for structured output: choose another name")
    return name


class ToolDefinition(WriteSchema):
    """A function the model may call: its arguments are described by `parameters`."""

    name: Annotated[ToolName, AfterValidator(_not_reserved)] = Field(
        description="Letters, digits, _ and -; up to 64 characters."
    )
    description: Annotated[str, StringConstraints(max_length=1024), AfterValidator(no_nul)] = ""
    parameters: Annotated[JsonSchema, AfterValidator(_object_schema)] = Field(
        default_factory=lambda: {"type": "object", "properties": {}}
    )


class ToolDefinitionRead(ReadSchema):
    """A function the model may call."""

    name: str
    description: str
    parameters: dict[str, Any]


def _unique_tools(tools: list[ToolDefinition]) -> list[ToolDefinition]:
    seen: set[str] = set()
    for tool in tools:
        if tool.name in seen:
            raise ValueError(f"two tools are called {tool.name!r}: tool names must be unique")
        seen.add(tool.name)
    return tools


Messages = Annotated[list[ChatMessage], Field(max_length=MAX_MESSAGES)]
Tools = Annotated[list[ToolDefinition], Field(max_length=MAX_TOOLS), AfterValidator(_unique_tools)]


class ToolCallRead(ReadSchema):
    """A tool the model asked to call, the same for every provider."""

    id: str
    name: str
    arguments: dict[str, Any]


class ToolResult(WriteSchema):
    """What a tool call gave: sent back to the model."""

    call_id: Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(no_nul)]
    content: Annotated[str, StringConstraints(max_length=100_000), AfterValidator(no_nul)]


class ContinueRequest(WriteSchema):
    """The results of a response's tool calls, to continue the conversation with."""

    tool_results: Annotated[list[ToolResult], Field(min_length=1, max_length=MAX_TOOL_RESULTS)]


def readable_messages(messages: Iterable[Mapping[str, Any]]) -> str:
    """A chat prompt as text ("system: ...\\n\\nuser: ..."), for the list, search and diffs."""
    blocks = []
    for message in messages:
        block = f"{message['role']}: {message['content']}"
        for call in message.get("toolCalls") or ():
            block += f"\n[calls {call['name']}({json.dumps(call['arguments'])})]"
        blocks.append(block)
    return "\n\n".join(blocks)
