"""What a planned run asks its provider: the prompt or its conversation, parameters, schema
and tools, as the adapters' plain values."""

from __future__ import annotations

from typing import Any

from promptpro.providers.types import (
    ChatMessage,
    CompletionRequest,
    ContentPart,
    ImagePart,
    RunParameters,
    TextPart,
    ToolCall,
    ToolSpec,
)
from promptpro.services.images import ImageData
from promptpro.services.run_plans import RunPlan
from promptpro.services.templates import image_label


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
        messages=tuple(_message(message, plan.images) for message in plan.messages or ()),
        schema=plan.output_schema,
        tools=tools,
    )


def _parts(parts: list[dict[str, str]], images: dict[str, ImageData]) -> tuple[ContentPart, ...]:
    """Recorded parts ({type: text, text} / {type: image, name, image: upload id}) with the
    images' bytes; an image the plan did not load is sent as its label."""
    sent: list[ContentPart] = []
    for part in parts:
        if part["type"] != "image":
            sent.append(TextPart(part["text"]))
        elif (image := images.get(part["image"])) is not None:
            sent.append(ImagePart(image.media_type, image.data))
        else:
            sent.append(TextPart(image_label(part["name"])))
    return tuple(sent)


def _message(message: dict[str, Any], images: dict[str, ImageData]) -> ChatMessage:
    """A recorded turn ({role, content, toolCalls?, toolCallId?, name?, parts?}) for a
    provider."""
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
        parts=_parts(message["parts"], images) if message.get("parts") else (),
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
