"""Translating between OpenAI's chat completion shapes and the run path's.

In: a `ChatCompletionRequest` becomes the run's parameter overrides and the conversation
appended to the prompt (`run_plans.Appended`). Out: a stored response becomes a
`chat.completion`, and a run's deltas `chat.completion.chunk`s. Pure functions, no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from promptpro.errors import Invalid
from promptpro.schemas.chat import ToolDefinition, check_json_schema
from promptpro.schemas.library import PromptParameters
from promptpro.schemas.openai_compat import ChatCompletionRequest, MessageIn
from promptpro.schemas.responses import ResponseRead
from promptpro.services.run_plans import Appended

PROMPT_PREFIX = "prompt:"


def _text(message: MessageIn, where: str) -> str:
    """A message's content as text: a string, or its text parts joined."""
    content = message.content
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    pieces = []
    for number, part in enumerate(content):
        if part.type != "text" or part.text is None:
            raise Invalid(
                f"Only text content can be run here (got a {part.type!r} part).",
                field=f"{where}.content.{number}",
            )
        pieces.append(part.text)
    return "".join(pieces)


def _arguments(text: str, where: str) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        raise Invalid("A tool call's arguments must be a JSON object.", field=where) from None
    if not isinstance(value, dict):
        raise Invalid("A tool call's arguments must be a JSON object.", field=where)
    return value


def _message(message: MessageIn, number: int) -> dict[str, Any]:
    """One OpenAI message as a recorded turn ({role, content, toolCalls?, toolCallId?})."""
    where = f"messages.{number}"
    role = "system" if message.role == "developer" else message.role
    turn: dict[str, Any] = {"role": role, "content": _text(message, where)}
    if message.tool_calls:
        if role != "assistant":
            raise Invalid("Only an assistant message makes tool calls.", field=where)
        turn["toolCalls"] = [
            {
                "id": call.id,
                "name": call.function.name,
                "arguments": _arguments(call.function.arguments, f"{where}.tool_calls.{i}"),
            }
            for i, call in enumerate(message.tool_calls)
        ]
    if role == "tool":
        if not message.tool_call_id:
            raise Invalid("A tool message needs its tool_call_id.", field=f"{where}.tool_call_id")
        turn["toolCallId"] = message.tool_call_id
    if message.name:
        turn["name"] = message.name
    return turn


def _schema(request: ChatCompletionRequest) -> dict[str, Any] | None:
    """The output schema `response_format` asks for (json_object: any JSON object)."""
    wanted = request.response_format
    if wanted is None or wanted.type == "text":
        return None
    if wanted.type == "json_object":
        return {"type": "object"}
    if wanted.json_schema is None or wanted.json_schema.schema_ is None:
        raise Invalid("json_schema needs its schema.", field="response_format.json_schema")
    try:
        return check_json_schema(wanted.json_schema.schema_)
    except ValueError as exc:
        raise Invalid(f"The schema {exc}.", field="response_format.json_schema.schema") from None


def _tools(request: ChatCompletionRequest) -> list[dict[str, Any]] | None:
    if request.tools is None:
        return None
    tools = []
    for number, tool in enumerate(request.tools):
        given = tool.function.model_dump(exclude_none=True)
        try:
            checked = ToolDefinition.model_validate(given)
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"]
            raise Invalid(f"A tool is not valid: {reason}.", field=f"tools.{number}") from None
        tools.append(checked.model_dump())
    return tools


def appended(request: ChatCompletionRequest) -> Appended:
    """What the request adds to the prompt: its conversation, schema and tools."""
    messages = [_message(message, number) for number, message in enumerate(request.messages)]
    return Appended(messages, _schema(request), _tools(request))


def parameters(request: ChatCompletionRequest) -> PromptParameters | None:
    """The request's generation settings, which override the prompt's."""
    stop = [request.stop] if isinstance(request.stop, str) else request.stop
    values: dict[str, Any] = {
        "temperature": request.temperature,
        "max_tokens": request.max_completion_tokens or request.max_tokens,
        "top_p": request.top_p,
        "stop": stop,
    }
    given = {key: value for key, value in values.items() if value is not None}
    if not given:
        return None
    try:
        return PromptParameters.model_validate(given)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else None
        raise Invalid(f"{error['msg']}.", field=field) from None


def completion_id(response_id: int | None) -> str:
    """The completion's id: it names the stored response (`chatcmpl-pp-42`)."""
    return f"chatcmpl-pp-{response_id}" if response_id is not None else "chatcmpl-pp-unstored"


def usage(response: ResponseRead) -> dict[str, Any] | None:
    if response.input_tokens is None and response.output_tokens is None:
        return None
    prompt, completion = response.input_tokens or 0, response.output_tokens or 0
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _tool_calls(response: ResponseRead) -> list[dict[str, Any]]:
    return [
        {
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
        }
        for call in response.tool_calls or ()
    ]


def extension(response: ResponseRead) -> dict[str, Any]:
    """What PromptPro adds (clients ignore it): the stored response, its cost and version."""
    return {
        "response_id": response.id,
        "prompt_id": response.prompt_id,
        "prompt_version_id": response.prompt_version_id,
        "cost_usd": response.cost_usd,
        "time_to_first_token": response.time_to_first_token,
        "generation_time": response.generation_time,
    }


def completion(response: ResponseRead, created: int) -> dict[str, Any]:
    """A stored response as a `chat.completion`."""
    calls = _tool_calls(response)
    message: dict[str, Any] = {"role": "assistant", "content": response.content, "refusal": None}
    if calls:
        message["tool_calls"] = calls
    return {
        "id": completion_id(response.id),
        "object": "chat.completion",
        "created": created,
        "model": response.model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if calls else "stop",
                "logprobs": None,
            }
        ],
        "usage": usage(response),
        "system_fingerprint": None,
        "promptpro": extension(response),
    }


def sse(data: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(data, separators=(",", ":")).encode() + b"\n\n"


DONE = b"data: [DONE]\n\n"


class ChunkWriter:
    """One stream's `chat.completion.chunk`s; the JSON every chunk shares is written once."""

    def __init__(self, response_id: int | None, model: str, created: int) -> None:
        self.head = {
            "id": completion_id(response_id),
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "system_fingerprint": None,
        }
        shared = json.dumps(self.head, separators=(",", ":"))[:-1]
        prefix = (shared + ',"choices":[{"index":0,"delta":{"content":').encode()
        self._delta: Callable[[str], bytes] = lambda text: (
            b"data: " + prefix + json.dumps(text).encode() + b'},"finish_reason":null}]}\n\n'
        )

    def first(self) -> bytes:
        """The opening chunk: the assistant's role."""
        delta = {"role": "assistant", "content": ""}
        return sse({**self.head, "choices": [_choice(delta, None)]})

    def delta(self, text: str) -> bytes:
        return self._delta(text)

    def end(self, response: ResponseRead, *, include_usage: bool) -> bytes:
        """The closing chunks: tool calls, the finish reason, usage when asked for."""
        out = b""
        calls = _tool_calls(response)
        if calls:
            delta = {"tool_calls": [{"index": i, **call} for i, call in enumerate(calls)]}
            out += sse({**self.head, "choices": [_choice(delta, None)]})
        finish = "tool_calls" if calls else "stop"
        out += sse({**self.head, "choices": [_choice({}, finish)]})
        if include_usage:
            out += sse(
                {
                    **self.head,
                    "choices": [],
                    "usage": usage(response),
                    "promptpro": extension(response),
                }
            )
        return out + DONE


def _choice(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
