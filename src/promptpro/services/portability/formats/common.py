"""What the other formats share: names from paths, models, parameters, messages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from promptpro.schemas.names import NAME_PATTERN, slug
from promptpro.services.portability import yaml_io
from promptpro.services.portability.library import Doc, ParsedLibrary, guess_provider, latest

ROLES = ("system", "user", "assistant")
KNOWN_PROVIDERS = ("openai", "anthropic", "gemini", "xai")


def as_dict(value: object) -> dict[str, Any]:
    """`value` if it is a mapping, else an empty one (files say anything)."""
    return value if isinstance(value, dict) else {}


def name_from_path(path: str, extension: str) -> str:
    """A prompt name from a file's path in a folder: folders kept, the extension dropped,
    each part made a valid name part when it isn't one."""
    stem = path[: -len(extension)] if path.endswith(extension) else path
    parts = [part if NAME_PATTERN.fullmatch(part) else slug(part) for part in stem.split("/")]
    return "/".join(part for part in parts if part) or "prompt"


def title_of(name: str) -> str:
    """A title for a prompt that came without one: the last part of its name."""
    return name.rsplit("/", 1)[-1][:200]


def model_id(model: object, library: ParsedLibrary, where: str) -> str | None:
    """`provider/model` from a model name as another tool writes it; unknown → reported."""
    if not isinstance(model, str) or not model.strip():
        return None
    model = model.strip()
    provider, _, rest = model.partition("/")
    if rest and provider in KNOWN_PROVIDERS:
        return model
    guessed = guess_provider(model)
    if guessed is not None:
        return f"{guessed}/{model}"
    library.lost("field", f"{where}.model", f"model {model[:100]!r}: its provider is unknown")
    return None


def bare_model(model: str | None) -> str | None:
    """A model id without its provider (`gpt-4o`), as tools that name no provider write it."""
    return model.partition("/")[2] if model else None


# Parameters: (our camelCase name, other tools' names for it)
PARAMETER_NAMES = {
    "temperature": ("temperature",),
    "maxTokens": ("max_tokens", "maxTokens", "maxOutputTokens", "max_output_tokens"),
    "topP": ("top_p", "topP"),
    "stop": ("stop", "stopSequences", "stop_sequences"),
}


def parameters_from(
    config: object, library: ParsedLibrary, where: str, *, ignore: tuple[str, ...] = ()
) -> dict[str, Any] | None:
    """Our parameters from another tool's model settings; any other setting is reported."""
    if not isinstance(config, dict):
        return None
    out: dict[str, Any] = {}
    known = {alias: ours for ours, aliases in PARAMETER_NAMES.items() for alias in aliases}
    for key, value in config.items():
        if key in known:
            out[known[key]] = value
        elif key not in ignore:
            library.lost("field", f"{where}.{key}", "a model setting PromptPro has no field for")
    return out or None


def parameters_to(parameters: dict[str, Any] | None, names: dict[str, str]) -> dict[str, Any]:
    """Our parameters in another tool's names (`names`: ours → theirs)."""
    return {names.get(key, key): value for key, value in (parameters or {}).items()}


def messages_from(items: object, library: ParsedLibrary, where: str) -> list[Doc]:
    """Chat messages with the roles PromptPro knows; the others are reported."""
    out: list[Doc] = []
    for index, item in enumerate(items if isinstance(items, list) else []):
        role = item.get("role") if isinstance(item, dict) else None
        content = item.get("content") if isinstance(item, dict) else None
        if role in ROLES and isinstance(content, str):
            out.append({"role": role, "content": content})
        else:
            detail = "only system, user and assistant messages with text are carried"
            library.lost("field", f"{where}.messages.{index}", detail)
    return out


def version_of(prompt: Doc) -> Doc:
    """The newest version: what one-version formats write."""
    return latest(prompt)


def one_version(
    name: str,
    title: str,
    wording: Doc,
    *,
    model: str | None = None,
    parameters: dict[str, Any] | None = None,
    schema: object = None,
    tools: object = None,
    message: str | None = None,
    version: int = 1,
) -> Doc:
    """A version document from its parts (nulls left out)."""
    doc: Doc = {"version": version, "title": title or title_of(name), **wording}
    optional = (
        ("model", model),
        ("parameters", parameters),
        ("schema", schema),
        ("tools", tools),
        ("message", message),
    )
    doc.update((key, value) for key, value in optional if value is not None)
    return doc


def wording_text(version: Doc) -> str:
    """A version's wording as text: a chat's messages as "role: text" blocks."""
    if version.get("type") == "chat":
        return "\n\n".join(f"{m['role']}:\n{m['content']}" for m in version.get("messages") or ())
    return str(version.get("content", ""))


def not_in_format(library: ParsedLibrary, format_name: str, prompt: Doc, what: str) -> None:
    library.lost("field", f"{prompt['name']}.{what}", f"{format_name} has no place for it")


def front_matter_files(
    files: list[tuple[str, str]],
    extension: str,
    library: ParsedLibrary,
    *,
    required: bool = False,
) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(prompt name, front matter, body) of each file with `extension`; any other file
    is reported as not carried (never dropped silently)."""
    for path, text in files:
        if not path.endswith(extension):
            library.lost("file", path, f"not a {extension} file")
            continue
        meta, body = yaml_io.split_front_matter(text, path, required=required)
        yield name_from_path(path, extension), meta, body
