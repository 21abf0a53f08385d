"""The editor's chat fields: prompt type, messages, output schema and tools.

Messages are posted as repeated fields (`messages.role`, `messages.content`, in the order
shown); the schema and the tools are JSON typed in a text area. `kept` (the form as typed,
to fill it in again) holds the messages as JSON text under `messages`.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import FormData

from promptpro.schemas.library import PromptRead
from promptpro.web.forms import FormInvalid, text

CHAT_FIELDS = ("type", "messages", "schema", "tools")
ROLES = ("system", "user", "assistant")


def kept_chat(form: FormData) -> dict[str, str]:
    """The chat fields as posted, to fill the editor in again."""
    roles = [value for value in form.getlist("messages.role") if isinstance(value, str)]
    contents = [value for value in form.getlist("messages.content") if isinstance(value, str)]
    messages = [
        {"role": role, "content": content} for role, content in zip(roles, contents, strict=False)
    ]
    return {
        "type": "chat" if text(form, "type") == "chat" else "text",
        "messages": json.dumps(messages),
        "schema": text(form, "schema"),
        "tools": text(form, "tools"),
    }


def chat_values(prompt: PromptRead | None) -> dict[str, str]:
    """The chat fields of a saved prompt (or a new one: text, one empty user message)."""
    if prompt is None:
        return {"type": "text", "messages": "[]", "schema": "", "tools": ""}
    messages = [m.model_dump() for m in prompt.messages or ()]
    tools = [t.model_dump() for t in prompt.tools or ()]
    return {
        "type": prompt.type,
        "messages": json.dumps(messages),
        "schema": json.dumps(prompt.output_schema, indent=2) if prompt.output_schema else "",
        "tools": json.dumps(tools, indent=2) if tools else "",
    }


def shown_messages(kept: dict[str, str]) -> list[dict[str, str]]:
    """The messages to show in the editor (one empty user message when there are none)."""
    try:
        messages = json.loads(kept.get("messages") or "[]")
    except ValueError:
        messages = []
    return messages or [{"role": "user", "content": ""}]


def _json_field(kept: dict[str, str], name: str, what: str) -> Any:
    raw = kept.get(name, "").strip()
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise FormInvalid({name: f"The {what} is not JSON: {exc}."}) from None


def chat_data(kept: dict[str, str]) -> dict[str, Any]:
    """The API body's chat part: type, messages (chat only), schema and tools.

    An empty schema or tools box removes them: the box shows what the prompt has.
    """
    data: dict[str, Any] = {
        "type": kept.get("type") or "text",
        "schema": _json_field(kept, "schema", "schema"),
        "tools": _json_field(kept, "tools", "tools list"),
    }
    if data["type"] == "chat":
        data["messages"] = json.loads(kept.get("messages") or "[]")
    return data


def chat_errors(errors: dict[str, str]) -> dict[str, str]:
    """An error inside a message or a tool shown by its box (`messages.content` → messages)."""
    shown: dict[str, str] = {}
    for key, message in errors.items():
        head = key.split(".", 1)[0]
        shown[head if head in ("messages", "tools", "schema") else key] = message
    return shown
