"""Langfuse prompts as JSON: one object per version, as Langfuse's prompt API returns them.

`{name, version, type: text|chat, prompt, config, labels, tags, commitMessage}`; a file
holds one object, a list of them, or `{"prompts": [...]}` / `{"data": [...]}`. `config`
is free JSON in Langfuse: its model, temperature, max_tokens, top_p and stop are read
(and our `schema` and `tools`, which this export writes there); anything else is
reported. Chat placeholders are reported. Langfuse's models name no provider: it is
guessed from the name (gpt → openai, claude → anthropic, …).
"""

from __future__ import annotations

import json
from typing import Any

from promptpro.errors import Invalid
from promptpro.services.portability.formats.common import (
    as_dict,
    bare_model,
    messages_from,
    model_id,
    one_version,
    parameters_from,
    parameters_to,
    title_of,
)
from promptpro.services.portability.library import Doc, ExportedLibrary, ParsedLibrary, latest

EXTENSION = ".json"
TO_LANGFUSE = {"maxTokens": "max_tokens", "topP": "top_p"}


def render(library: ExportedLibrary) -> list[tuple[str, str]]:
    """Every version of every prompt, with its labels (`latest` on the newest)."""
    items: list[dict[str, Any]] = []
    for prompt in library.prompts:
        newest = latest(prompt)["version"]
        by_version: dict[int, list[str]] = {}
        for label, number in prompt.get("labels", {}).items():
            by_version.setdefault(number, []).append(label)
        for version in prompt["versions"]:
            config: dict[str, Any] = {}
            if version.get("model"):
                config["model"] = bare_model(version["model"])
            config.update(parameters_to(version.get("parameters"), TO_LANGFUSE))
            for key in ("schema", "tools"):
                if key in version:
                    config[key] = version[key]
            labels = sorted(by_version.get(version["version"], []))
            if version["version"] == newest:
                labels.append("latest")
            items.append(
                {
                    "name": prompt["name"],
                    "version": version["version"],
                    "type": version["type"],
                    "prompt": version["messages"]
                    if version["type"] == "chat"
                    else version["content"],
                    "config": config,
                    "labels": labels,
                    "tags": prompt.get("tags", []),
                    "commitMessage": version.get("message"),
                }
            )
    return [("prompts.json", json.dumps(items, ensure_ascii=False, indent=2) + "\n")]


def _objects(text: str, path: str) -> list[Any]:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise Invalid(f"{path[:200]} is not valid JSON.", field="") from None
    if isinstance(data, dict):
        for key in ("prompts", "data"):
            if isinstance(data.get(key), list):
                return list(data[key])
        return [data]
    if isinstance(data, list):
        return data
    raise Invalid(f"{path[:200]}: expected Langfuse prompt objects.", field="")


def parse(files: list[tuple[str, str]]) -> ParsedLibrary:
    """Prompts from Langfuse prompt objects, versions grouped by name."""
    prompts: dict[str, Doc] = {}
    library = ParsedLibrary(prompts=[])
    for path, text in files:
        for index, item in enumerate(_objects(text, path)):
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                raise Invalid(f"{path[:200]}: item {index} has no name.", field=f"prompts.{index}")
            name = item["name"]
            number = item.get("version", 1)
            where = f"{name}@v{number}"
            config = as_dict(item.get("config"))
            wording: Doc
            if item.get("type") == "chat" or isinstance(item.get("prompt"), list):
                wording = {
                    "type": "chat",
                    "messages": messages_from(item.get("prompt"), library, where),
                }
            else:
                wording = {"type": "text", "content": item.get("prompt")}
            version = one_version(
                name,
                title_of(name),
                wording,
                model=model_id(config.get("model"), library, where),
                parameters=parameters_from(
                    config, library, f"{where}.config", ignore=("model", "schema", "tools")
                ),
                schema=config.get("schema"),
                tools=config.get("tools"),
                message=item.get("commitMessage"),
                version=number,
            )
            prompt = prompts.setdefault(
                name, {"name": name, "versions": [], "labels": {}, "tags": []}
            )
            prompt["versions"].append(version)
            prompt["tags"] = sorted(set(prompt["tags"]) | set(item.get("tags") or []))
            for label in item.get("labels") or []:
                if label != "latest":
                    prompt["labels"][label] = number
            for key in item:
                if key not in (
                    "name",
                    "version",
                    "type",
                    "prompt",
                    "config",
                    "labels",
                    "tags",
                    "commitMessage",
                    "id",
                    "createdAt",
                    "updatedAt",
                    "projectId",
                    "createdBy",
                    "isActive",
                    "resolutionGraph",
                ):
                    library.lost("field", f"{where}.{key}", "not a field PromptPro keeps")
    library.prompts = list(prompts.values())
    return library
