"""The editor's server-side draft: offered back, with what it changes, when the editor opens."""

from __future__ import annotations

from typing import Any

from promptpro.schemas.drafts import DraftRead
from promptpro.services.drafts import DraftService
from promptpro.storage import Storage
from promptpro.web.diff import FieldChange, line_diff


def draft_fields(draft: DraftRead) -> dict[str, str]:
    """The draft as the editor's fields (names as in the form)."""
    parameters = draft.parameters
    return {
        "title": draft.title,
        "content": draft.content,
        "categoryId": str(draft.category_id or ""),
        "model": draft.model,
        "modelOther": draft.model_other,
        "parameters.temperature": parameters.temperature,
        "parameters.maxTokens": parameters.max_tokens,
        "parameters.topP": parameters.top_p,
        "parameters.system": parameters.system,
        "parameters.stop": parameters.stop,
    }


LABELS = {
    "title": "Title",
    "categoryId": "Category",
    "model": "Model",
    "modelOther": "Model id",
    "parameters.temperature": "Temperature",
    "parameters.maxTokens": "Max tokens",
    "parameters.topP": "Top-p",
    "parameters.system": "System prompt",
    "parameters.stop": "Stop sequences",
}


async def draft_context(
    storage: Storage, owner_id: str, prompt_id: int, saved: dict[str, str], max_bytes: int
) -> dict[str, Any]:
    """The editor's draft banner: the draft's fields and how they differ from the `saved`
    fields (nothing when there is no draft, or it matches what is saved)."""
    draft = await DraftService(storage, owner_id, max_bytes).get(prompt_id)
    if draft is None:
        return {"server_draft": None}
    typed = draft_fields(draft)
    changes = [
        FieldChange(label, saved.get(name, ""), typed[name])
        for name, label in LABELS.items()
        if saved.get(name, "") != typed[name]
    ]
    lines = line_diff(saved["content"], typed["content"])
    if not changes and not lines:
        return {"server_draft": None}
    return {
        "server_draft": draft,
        "draft_fields": typed,
        "draft_changes": changes,
        "draft_lines": lines,
    }
