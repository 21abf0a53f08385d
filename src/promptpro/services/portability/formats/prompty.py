"""Microsoft Prompty: a `.prompty` file, YAML front matter and a template.

The front matter's `name` and `description` give the title, `model.api` chat or
completion the type, `model.configuration` (`type: openai` and `name`, or
`azure_openai` and `azure_deployment`) the model, `model.parameters` the parameters.
In a chat template, lines `system:`, `user:`, `assistant:` start each message. The file's
path is the prompt's name. `sample`, `inputs`, `outputs`, `authors` and the connection's
endpoint settings have no place in PromptPro and are reported.
"""

from __future__ import annotations

import re
from typing import Any

from promptpro.services.portability import yaml_io
from promptpro.services.portability.formats.common import (
    as_dict,
    bare_model,
    front_matter_files,
    model_id,
    one_version,
    parameters_from,
    parameters_to,
)
from promptpro.services.portability.library import Doc, ExportedLibrary, ParsedLibrary, latest

EXTENSION = ".prompty"
ROLE_LINE = re.compile(r"^\s*#?\s*(system|user|assistant)\s*:\s*$", re.IGNORECASE | re.MULTILINE)
TO_PROMPTY = {"maxTokens": "max_tokens", "topP": "top_p"}
READ_KEYS = ("name", "description", "model", "tags", "version", "template")


def render(library: ExportedLibrary) -> list[tuple[str, str]]:
    files = []
    for prompt in library.prompts:
        version = latest(prompt)
        model: dict[str, Any] = {"api": "chat" if version["type"] == "chat" else "completion"}
        if version.get("model"):
            provider = version["model"].partition("/")[0]
            model["configuration"] = {
                "type": "openai" if provider == "openai" else provider,
                "name": bare_model(version["model"]),
            }
        if version.get("parameters"):
            model["parameters"] = parameters_to(version["parameters"], TO_PROMPTY)
        meta: dict[str, Any] = {"name": version["title"], "model": model}
        if prompt.get("tags"):
            meta["tags"] = prompt["tags"]
        meta["version"] = str(version["version"])
        if version["type"] == "chat":
            body = "\n\n".join(f"{m['role']}:\n{m['content']}" for m in version["messages"])
        else:
            body = version["content"]
        files.append((prompt["name"] + EXTENSION, yaml_io.with_front_matter(meta, "\n" + body)))
    return files


def messages_in(body: str) -> list[Doc]:
    """The template cut into messages at its role lines (text before the first: system)."""
    parts = ROLE_LINE.split(body)
    messages: list[Doc] = []
    if parts[0].strip():
        messages.append({"role": "system", "content": parts[0].strip()})
    for role, text in zip(parts[1::2], parts[2::2], strict=True):
        messages.append({"role": role.lower(), "content": text.strip()})
    return messages


def parse(files: list[tuple[str, str]]) -> ParsedLibrary:
    prompts: list[Doc] = []
    library = ParsedLibrary(prompts=prompts)
    for name, meta, body in front_matter_files(files, EXTENSION, library, required=True):
        model = as_dict(meta.get("model"))
        configuration = as_dict(model.get("configuration"))
        chat = model.get("api", "chat") == "chat"
        wording: Doc = (
            {"type": "chat", "messages": messages_in(body)}
            if chat
            else {"type": "text", "content": body.strip("\n")}
        )
        deployment = configuration.get("name") or configuration.get("azure_deployment")
        for key in configuration:
            if key not in ("type", "name", "azure_deployment"):
                library.lost(
                    "field",
                    f"{name}.model.configuration.{key}",
                    "connection settings stay with the tool",
                )
        for key in model:
            if key not in ("api", "configuration", "parameters"):
                library.lost("field", f"{name}.model.{key}", "not a model field PromptPro keeps")
        for key in meta:
            if key not in READ_KEYS:
                library.lost(
                    "field",
                    f"{name}.{key}",
                    "Prompty's sample, inputs and outputs have no place in PromptPro",
                )
        title = str(meta.get("name") or "") or None
        version = one_version(
            name,
            title or "",
            wording,
            model=model_id(deployment, library, name),
            parameters=parameters_from(
                model.get("parameters"), library, f"{name}.model.parameters"
            ),
        )
        if meta.get("description"):
            library.lost("field", f"{name}.description", "a prompt has no description in PromptPro")
        prompts.append({"name": name, "tags": meta.get("tags") or [], "versions": [version]})
    return library
