"""Prompt templates: `{{name}}` placeholders, filled from the run's variables, and
`{{> name}}` snippets, other prompts included at run and fetch time."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from promptpro.errors import Invalid

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def variables_in(content: str) -> list[str]:
    """The names of the placeholders in `content`, each once, in order of appearance."""
    return list(dict.fromkeys(PLACEHOLDER.findall(content)))


def rendered_length(content: str, variables: dict[str, str]) -> int:
    """How long `content` is once rendered, counted without building it (every name given)."""
    length = len(content)
    for match in PLACEHOLDER.finditer(content):
        length += len(variables[match.group(1)]) - (match.end() - match.start())
    return length


def render(content: str, variables: dict[str, str], *, max_length: int | None = None) -> str:
    """`content` with every placeholder replaced; a missing variable is Invalid, by name.

    Past `max_length` characters it is Invalid too, measured before the text is built: a
    placeholder repeated thousands of times with a long value would fill gigabytes.
    """
    missing = [name for name in variables_in(content) if name not in variables]
    if missing:
        names = ", ".join(missing)
        raise Invalid(
            f"Missing template variable{'s' if len(missing) > 1 else ''}: {names}.",
            field=f"variables.{missing[0]}",
        )
    if max_length is not None and (length := rendered_length(content, variables)) > max_length:
        raise Invalid(
            f"The prompt with its variables filled in would be {length:,} characters long, "
            f"over the limit of {max_length:,}.",
            field="variables",
        )
    # One pass, so a value that itself looks like {{other}} is left as the user typed it.
    return PLACEHOLDER.sub(lambda match: variables[match.group(1)], content)


def render_messages(
    messages: list[dict[str, Any]], variables: dict[str, str], *, max_length: int | None = None
) -> list[dict[str, Any]]:
    """A chat prompt's messages with their placeholders filled (as `render`, over them all:
    a missing variable is named once, and `max_length` bounds them together)."""
    whole = "\n".join(str(message["content"]) for message in messages)
    if any(name not in variables for name in variables_in(whole)):
        render(whole, variables)  # raises Invalid, naming the missing ones
    if max_length is not None and (length := rendered_length(whole, variables)) > max_length:
        raise Invalid(
            f"The prompt with its variables filled in would be {length:,} characters long, "
            f"over the limit of {max_length:,}.",
            field="variables",
        )
    return [
        {"role": message["role"], "content": render(str(message["content"]), variables)}
        for message in messages
    ]


# `{{> name}}`, `{{> name@label}}`, `{{> name@v3}}`: another prompt of the workspace.
SNIPPET = re.compile(r"\{\{>\s*([A-Za-z0-9][A-Za-z0-9._/-]*?)(?:@([a-z0-9][a-z0-9._-]*))?\s*\}\}")
MAX_SNIPPET_DEPTH = 5
# (name, selector: None, a label, or "v3") -> (version number, content), None when missing
SnippetLoader = Callable[[str, str | None], Awaitable[tuple[int, str] | None]]


def snippets_in(content: str) -> list[str]:
    """The snippet references in `content` as written (`name` or `name@selector`), once each."""
    return list(
        dict.fromkeys(
            f"{m.group(1)}@{m.group(2)}" if m.group(2) else m.group(1)
            for m in SNIPPET.finditer(content)
        )
    )


async def resolve_snippets(
    content: str, load: SnippetLoader, *, root: str, max_depth: int = MAX_SNIPPET_DEPTH
) -> tuple[str, list[tuple[str, int]]]:
    """`content` with every snippet replaced by the included prompt's wording (itself
    resolved), and the (name, version) of every prompt included, in order.

    A missing snippet, a cycle, or nesting deeper than `max_depth` is Invalid, naming it.
    """
    used: dict[str, int] = {}

    async def expand(text: str, chain: tuple[str, ...]) -> str:
        parts: list[str] = []
        position = 0
        for match in SNIPPET.finditer(text):
            name, selector = match.group(1), match.group(2)
            written = f"{name}@{selector}" if selector else name
            if name in chain:
                path = " → ".join((*chain, name))
                raise Invalid(f"Snippet cycle: {path}.", field="snippets")
            if len(chain) > max_depth:
                raise Invalid(
                    f"Snippets nest deeper than {max_depth} levels at {written}.", field="snippets"
                )
            found = await load(name, selector)
            if found is None:
                raise Invalid(f"Missing snippet: {written}.", field="snippets")
            version, included = found
            used.setdefault(name, version)
            parts.append(text[position : match.start()])
            parts.append(await expand(included, (*chain, name)))
            position = match.end()
        if not parts:
            return text
        parts.append(text[position:])
        return "".join(parts)

    resolved = await expand(content, (root,))
    return resolved, list(used.items())


def image_label(name: str) -> str:
    """How an image variable reads in the recorded text of a run."""
    return f"[image: {name}]"


def render_parts(
    content: str,
    variables: dict[str, str],
    images: dict[str, str],
    *,
    max_length: int | None = None,
) -> list[dict[str, str]]:
    """`content` as parts, for a run with image variables (`images`: name -> upload id).

    Each `{{name}}` of an image splits the text there: the parts are text
    (`{"type": "text", "text"}`) and images (`{"type": "image", "name", "image"}`) in the
    template's order; text placeholders are filled as `render` fills them (a missing
    variable is Invalid, by name; the length bound counts the text). Empty text is left out.
    """
    labels = {name: image_label(name) for name in images}
    render(content, {**variables, **labels}, max_length=max_length)  # names and length checked
    parts: list[dict[str, str]] = []
    position = 0
    for match in PLACEHOLDER.finditer(content):
        name = match.group(1)
        if name not in images:
            continue
        text = render(content[position : match.start()], variables)
        if text:
            parts.append({"type": "text", "text": text})
        parts.append({"type": "image", "name": name, "image": images[name]})
        position = match.end()
    tail = render(content[position:], variables)
    if tail:
        parts.append({"type": "text", "text": tail})
    return parts


def readable_parts(parts: list[dict[str, str]]) -> str:
    """The text of parts as a run records it: each image as `[image: name]`."""
    return "".join(
        part["text"] if part["type"] == "text" else image_label(part["name"]) for part in parts
    )
