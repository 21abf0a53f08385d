"""promptfoo's config file (`promptfooconfig.yaml`): prompts, providers and tests.

Prompts are strings or `{label, raw, config}`; a raw JSON list of messages is a chat
prompt. Providers (`openai:gpt-4o`, `anthropic:messages:claude-…`, `google:gemini-…`,
`xai:grok-…`) become the prompts' model: a provider with a `prompts` list for those
prompts, else the first (promptfoo runs every prompt on every provider; a PromptPro
prompt has one model, so the others are reported). Provider `config` gives parameters.
`tests` become a test set (`description` names it; a test's `metadata.testSet` groups
tests into several), `vars` its rows' variables, `assert` their assertions and
`defaultTest.assert` the set's. Assertion types PromptPro doesn't evaluate (javascript,
python, similar, …), `file://` references and test options are reported.
"""

from __future__ import annotations

import json
from typing import Any

from promptpro.errors import Invalid
from promptpro.schemas.assertions import Assertion
from promptpro.schemas.names import NAME_PATTERN, slug
from promptpro.services.portability import yaml_io
from promptpro.services.portability.formats.common import (
    as_dict,
    one_version,
    parameters_from,
    parameters_to,
    title_of,
)
from promptpro.services.portability.library import Doc, ExportedLibrary, ParsedLibrary, latest

EXTENSION = ".yaml"
PROVIDERS_IN = {
    "google": "gemini",
    "vertex": "gemini",
    "openai": "openai",
    "anthropic": "anthropic",
    "xai": "xai",
}
PROVIDER_OUT = {
    "openai": "openai:{}",
    "anthropic": "anthropic:messages:{}",
    "gemini": "google:{}",
    "xai": "xai:{}",
}
SAME_TYPES = (
    "equals",
    "contains",
    "contains-any",
    "contains-all",
    "not-contains",
    "regex",
    "starts-with",
    "is-json",
)
TO_PROMPTFOO = {"maxTokens": "max_tokens", "topP": "top_p"}


def model_from_provider(provider_id: str) -> str | None:
    parts = provider_id.split(":")
    if len(parts) < 2 or parts[0] not in PROVIDERS_IN:
        return None
    model = parts[-1]
    return f"{PROVIDERS_IN[parts[0]]}/{model}" if model else None


def provider_from_model(model: str) -> str:
    provider, _, name = model.partition("/")
    return PROVIDER_OUT.get(provider, provider + ":{}").format(name)


def assertion_in(raw: object, library: ParsedLibrary, where: str) -> dict[str, Any] | None:
    """Ours for a promptfoo assertion, or None (reported) when PromptPro has no such check."""
    if not isinstance(raw, dict):
        return None
    kind = raw.get("type")
    out: dict[str, Any]
    if kind in SAME_TYPES:
        out = {"type": kind}
        if "value" in raw:
            out["value"] = raw["value"]
        if kind == "is-json" and isinstance(raw.get("value"), dict):
            out["type"] = "json-schema"
    elif kind == "icontains":
        out = {"type": "contains", "value": raw.get("value"), "ignoreCase": True}
    elif kind in ("latency", "cost"):
        out = {"type": f"max-{kind}", "value": raw.get("threshold")}
    elif kind == "llm-rubric":
        out = {"type": "llm-rubric", "rubric": raw.get("value")}
        provider = raw.get("provider")
        out["model"] = model_from_provider(provider) if isinstance(provider, str) else None
        if "threshold" in raw:
            out["threshold"] = raw["threshold"]
    else:
        library.lost("field", f"{where}.{kind}", "an assertion type PromptPro doesn't evaluate")
        return None
    if "weight" in raw:
        out["weight"] = raw["weight"]
    out = {key: value for key, value in out.items() if value is not None}
    try:
        Assertion.model_validate(out)
    except ValueError as exc:
        library.lost(
            "field", f"{where}.{kind}", f"can't be carried: {str(exc).splitlines()[0]}"[:300]
        )
        return None
    return out


def assertion_out(ours: dict[str, Any]) -> dict[str, Any]:
    kind = ours["type"]
    if kind == "contains" and ours.get("ignoreCase"):
        out: dict[str, Any] = {"type": "icontains", "value": ours.get("value")}
    elif kind == "json-schema":
        out = {"type": "is-json", "value": ours.get("value")}
    elif kind in ("max-latency", "max-cost"):
        out = {"type": kind.removeprefix("max-"), "threshold": ours.get("value")}
    elif kind == "llm-rubric":
        out = {"type": "llm-rubric", "value": ours.get("rubric")}
        if ours.get("model"):
            out["provider"] = provider_from_model(ours["model"])
        if "threshold" in ours:
            out["threshold"] = ours["threshold"]
    else:
        out = {key: value for key, value in ours.items() if key != "ignoreCase"}
    if "weight" in ours:
        out["weight"] = ours["weight"]
    return {key: value for key, value in out.items() if value is not None}


def render(library: ExportedLibrary) -> list[tuple[str, str]]:
    prompts = []
    models: dict[str, list[str]] = {}
    for prompt in library.prompts:
        version = latest(prompt)
        raw = (
            json.dumps(version["messages"], ensure_ascii=False)
            if version["type"] == "chat"
            else version["content"]
        )
        item: dict[str, Any] = {"label": prompt["name"], "raw": raw}
        if version.get("parameters"):
            item["config"] = parameters_to(version["parameters"], TO_PROMPTFOO)
        prompts.append(item)
        if version.get("model"):
            models.setdefault(version["model"], []).append(prompt["name"])
    config: dict[str, Any] = {"description": library.workspace, "prompts": prompts}
    config["providers"] = [
        {"id": provider_from_model(m), "prompts": names} for m, names in models.items()
    ]
    tests = []
    default_asserts: list[dict[str, Any]] = []
    for test_set in library.test_sets:
        default_asserts += [assertion_out(a) for a in test_set.get("assertions", [])]
        for row in test_set["rows"]:
            test: dict[str, Any] = {"vars": row["variables"]}
            asserts = [assertion_out(a) for a in row.get("assertions") or []]
            if "expected" in row:
                asserts.insert(0, {"type": "equals", "value": row["expected"]})
            if asserts:
                test["assert"] = asserts
            test["metadata"] = {**(row.get("metadata") or {}), "testSet": test_set["name"]}
            tests.append(test)
    if len(library.test_sets) == 1 and default_asserts:
        config["defaultTest"] = {"assert": default_asserts}
    config["tests"] = tests
    return [("promptfooconfig.yaml", yaml_io.dump(config))]


def _prompt(index: int, raw: object, library: ParsedLibrary) -> Doc | None:
    config: object = None
    label: str | None = None
    if isinstance(raw, dict):
        label = raw.get("label") if isinstance(raw.get("label"), str) else None
        config = raw.get("config")
        text = raw.get("raw")
        if text is None and isinstance(raw.get("id"), str):
            library.lost("file", raw["id"], "a prompt in another file: import that file's text")
            return None
    else:
        text = raw
    if not isinstance(text, str):
        return None
    if text.startswith("file://"):
        library.lost("file", text, "a prompt in another file: import that file's text")
        return None
    name = (
        label
        if label and NAME_PATTERN.fullmatch(label)
        else slug(label)
        if label
        else f"prompt-{index + 1}"
    )
    wording: Doc = {"type": "text", "content": text}
    if text.lstrip().startswith("["):
        try:
            messages = json.loads(text)
        except json.JSONDecodeError:
            messages = None
        if isinstance(messages, list) and messages and all(isinstance(m, dict) for m in messages):
            wording = {"type": "chat", "messages": messages}
    where = f"prompts.{index}"
    version = one_version(
        name,
        label or title_of(name),
        wording,
        parameters=parameters_from(config, library, f"{where}.config"),
    )
    return {"name": name, "versions": [version]}


def parse(files: list[tuple[str, str]]) -> ParsedLibrary:
    if len(files) != 1:
        raise Invalid("A promptfoo import is one config file.", field="file")
    path, text = files[0]
    config = yaml_io.load_mapping(text, path)
    library = ParsedLibrary(prompts=[])
    raw_prompts = config.get("prompts") or []
    if isinstance(raw_prompts, str):
        raw_prompts = [raw_prompts]
    if not isinstance(raw_prompts, list):
        library.lost("field", "prompts", "a mapping of files to labels: import the files' text")
        raw_prompts = []
    prompts = [p for i, r in enumerate(raw_prompts) if (p := _prompt(i, r, library))]
    providers = config.get("providers") or []
    providers = [providers] if isinstance(providers, str | dict) else providers
    default_model: tuple[str | None, object] | None = None
    chosen: dict[str, tuple[str | None, object]] = {}
    for index, provider in enumerate(providers):
        pid = (
            provider
            if isinstance(provider, str)
            else provider.get("id")
            if isinstance(provider, dict)
            else None
        )
        model = model_from_provider(pid) if isinstance(pid, str) else None
        settings = provider.get("config") if isinstance(provider, dict) else None
        if model is None:
            library.lost(
                "field",
                f"providers.{index}",
                f"provider {str(pid)[:80]!r} is not one PromptPro runs",
            )
            continue
        wanted = provider.get("prompts") if isinstance(provider, dict) else None
        if isinstance(wanted, list):
            for label in wanted:
                chosen.setdefault(str(label), (model, settings))
        elif default_model is None:
            default_model = (model, settings)
        else:
            library.lost(
                "field",
                f"providers.{index}",
                "a PromptPro prompt has one model: the first provider's",
            )
    for prompt in prompts:
        model, settings = (
            chosen.get(prompt["name"])
            or chosen.get(prompt["versions"][0]["title"])
            or default_model
            or (None, None)
        )
        version = prompt["versions"][0]
        if model:
            version["model"] = model
            parameters = parameters_from(settings, library, f"{prompt['name']}.provider.config")
            if parameters:
                version["parameters"] = {**parameters, **(version.get("parameters") or {})}
    library.prompts = prompts
    library.test_sets = _test_sets(config, library)
    for key in config:
        if key not in ("description", "prompts", "providers", "tests", "defaultTest"):
            library.lost("field", key, "promptfoo settings PromptPro has no place for")
    return library


def _test_sets(config: dict[str, Any], library: ParsedLibrary) -> list[Doc]:
    tests = config.get("tests") or []
    if isinstance(tests, str):
        library.lost("file", tests, "tests in another file: import them into a test set as CSV")
        return []
    default = as_dict(config.get("defaultTest"))
    default_vars = as_dict(default.get("vars"))
    set_asserts = [
        a
        for i, r in enumerate(default.get("assert") or [])
        if (a := assertion_in(r, library, f"defaultTest.assert.{i}"))
    ]
    base = str(config.get("description") or "promptfoo tests")[:100]
    sets: dict[str, Doc] = {}
    for index, test in enumerate(tests if isinstance(tests, list) else []):
        if not isinstance(test, dict):
            continue
        metadata = dict(test.get("metadata") or {})
        name = str(metadata.pop("testSet", base))[:100]
        variables: dict[str, str] = {}
        for key, value in {**default_vars, **(test.get("vars") or {})}.items():
            if isinstance(value, list):
                library.lost(
                    "field",
                    f"tests.{index}.vars.{key}",
                    "a list of values (one test each) is kept as JSON text",
                )
            variables[str(key)] = value if isinstance(value, str) else json.dumps(value)
        row: Doc = {"variables": variables}
        asserts = [
            a
            for i, r in enumerate(test.get("assert") or [])
            if (a := assertion_in(r, library, f"tests.{index}.assert.{i}"))
        ]
        if asserts:
            row["assertions"] = asserts
        if test.get("description"):
            metadata["description"] = test["description"]
        if metadata:
            row["metadata"] = metadata
        for key in test:
            if key not in ("vars", "assert", "description", "metadata"):
                library.lost(
                    "field", f"tests.{index}.{key}", "a test setting PromptPro has no place for"
                )
        sets.setdefault(name, {"name": name, "assertions": set_asserts, "rows": []})["rows"].append(
            row
        )
    return list(sets.values())
