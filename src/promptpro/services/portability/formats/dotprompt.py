"""Google's dotprompt (Genkit): a `.prompt` file, YAML front matter and a Handlebars template.

`model` (`googleai/gemini-…`, `vertexai/…`, `openai/…`), `config` (temperature,
maxOutputTokens, topP, stopSequences), `output.schema` when it is JSON Schema; in the
template `{{role "system"}}` starts a message. `input` (its schema and defaults), tool
names (their definitions live in code), Picoschema output schemas and Handlebars helpers
other than `{{role}}` have no place in PromptPro and are reported. The path is the name.
"""

from __future__ import annotations

import re
from typing import Any

from promptpro.services.portability import yaml_io
from promptpro.services.portability.formats.common import (
    as_dict,
    front_matter_files,
    model_id,
    one_version,
    parameters_from,
    parameters_to,
)
from promptpro.services.portability.library import Doc, ExportedLibrary, ParsedLibrary, latest

EXTENSION = ".prompt"
ROLE = re.compile(r"""\{\{\s*role\s+["'](system|user|model|assistant)["']\s*\}\}""")
HELPER = re.compile(r"\{\{\s*[#/>@]|\{\{\s*(media|history|section)\b")
TO_DOTPROMPT = {"maxTokens": "maxOutputTokens", "topP": "topP", "stop": "stopSequences"}
PROVIDERS_IN = {"googleai": "gemini", "vertexai": "gemini", "google": "gemini"}
PROVIDERS_OUT = {"gemini": "googleai"}
OUT_ROLES = {"assistant": "model"}


def render(library: ExportedLibrary) -> list[tuple[str, str]]:
    files = []
    for prompt in library.prompts:
        version = latest(prompt)
        meta: dict[str, Any] = {}
        if version.get("model"):
            provider, _, model = version["model"].partition("/")
            meta["model"] = f"{PROVIDERS_OUT.get(provider, provider)}/{model}"
        if version.get("parameters"):
            meta["config"] = parameters_to(version["parameters"], TO_DOTPROMPT)
        if version.get("schema"):
            meta["output"] = {"format": "json", "schema": version["schema"]}
        if version.get("tools"):
            meta["tools"] = [tool["name"] for tool in version["tools"]]
        meta["metadata"] = {"title": version["title"]}
        if version["type"] == "chat":
            body = "\n".join(
                f'{{{{role "{OUT_ROLES.get(m["role"], m["role"])}"}}}}\n{m["content"]}'
                for m in version["messages"]
            )
        else:
            body = version["content"]
        files.append((prompt["name"] + EXTENSION, yaml_io.with_front_matter(meta, body)))
    return files


def parse(files: list[tuple[str, str]]) -> ParsedLibrary:
    prompts: list[Doc] = []
    library = ParsedLibrary(prompts=prompts)
    for name, meta, body in front_matter_files(files, EXTENSION, library):
        parts = ROLE.split(body)
        wording: Doc
        if len(parts) > 1:
            messages = [{"role": "system", "content": parts[0].strip()}] if parts[0].strip() else []
            for role, content in zip(parts[1::2], parts[2::2], strict=True):
                messages.append(
                    {"role": "assistant" if role == "model" else role, "content": content.strip()}
                )
            wording = {"type": "chat", "messages": messages}
        else:
            wording = {"type": "text", "content": body}
        if HELPER.search(body):
            library.lost(
                "field",
                f"{name}.template",
                "Handlebars helpers are kept as text: PromptPro fills only {{variables}}",
            )
        model = meta.get("model")
        if isinstance(model, str) and "/" in model:
            provider, _, rest = model.partition("/")
            model = f"{PROVIDERS_IN.get(provider, provider)}/{rest}"
        output = as_dict(meta.get("output"))
        schema = output.get("schema")
        if schema is not None and not (
            isinstance(schema, dict) and ("type" in schema or "properties" in schema)
        ):
            library.lost(
                "field", f"{name}.output.schema", "a Picoschema: PromptPro keeps JSON Schema"
            )
            schema = None
        for key in meta:
            if key in ("input", "tools", "variant", "default"):
                library.lost(
                    "field", f"{name}.{key}", "no place in PromptPro (tools are defined in code)"
                )
            elif key not in ("model", "config", "output", "metadata", "name"):
                library.lost("field", f"{name}.{key}", "not a front matter key PromptPro reads")
        metadata = as_dict(meta.get("metadata"))
        version = one_version(
            name,
            str(metadata.get("title") or ""),
            wording,
            model=model_id(model, library, name),
            parameters=parameters_from(meta.get("config"), library, f"{name}.config"),
            schema=schema,
        )
        prompts.append({"name": name, "versions": [version]})
    return library
