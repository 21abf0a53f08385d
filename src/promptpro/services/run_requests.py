"""What a planned run asks its provider: the prompt or its conversation, parameters, schema
and tools, as the adapters' plain values."""

from __future__ import annotations

from typing import Any

from promptpro.providers.types import (
    ChatMessage,
    CompletionRequest,
    RunParameters,
    ToolCall,
    ToolSpec,
)
from promptpro.services.run_plans import RunPlan


def completion_request(plan: RunPlan) -> CompletionRequest:
    """What the provider is asked: the prompt (or its conversation), schema and tools."""
    tools = tuple(
        ToolSpec(tool["name"], tool.get("description", ""), tool.get("parameters") or {})
        for tool in plan.tools or ()
    )
    return CompletionRequest(
        plan.model,
        plan.rendered_input,
        _parameters(plan),
        messages=tuple(_message(message) for message in plan.messages or ()),
        schema=plan.output_schema,
        tools=tools,
    )


def _message(message: dict[str, Any]) -> ChatMessage:
    """A recorded turn ({role, content, toolCalls?, toolCallId?, name?}) for a provider."""
    calls = tuple(
        ToolCall(call["id"], call["name"], call.get("arguments") or {})
        for call in message.get("toolCalls") or ()
    )
    return ChatMessage(
        message["role"],
        message.get("content") or "",
        tool_calls=calls,
        tool_call_id=message.get("toolCallId"),
        name=message.get("name"),
    )


def _parameters(plan: RunPlan) -> RunParameters:
    values = plan.parameters
    stop = values.get("stop")
    return RunParameters(
        temperature=values.get("temperature"),
        max_tokens=values.get("max_tokens"),
        top_p=values.get("top_p"),
        system=values.get("system"),
        stop=tuple(stop) if stop else None,
    )
