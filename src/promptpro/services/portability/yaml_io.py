"""YAML in and out (PyYAML), and front matter: the `---` block some prompt files open with.

Reading refuses aliases (`*name`): a few lines of them expand to billions of nodes (the
"billion laughs"), and no prompt file needs them. Writing uses block style for text with
line breaks, so prompts read as written and diff well in git.
"""

from __future__ import annotations

from typing import Any

import yaml

from promptpro.errors import Invalid


class _NoAliasLoader(yaml.SafeLoader):
    """The safe loader, refusing aliases."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases are not accepted", event.start_mark
            )
        return super().compose_node(parent, index)


class _BlockDumper(yaml.SafeDumper):
    """The safe dumper, writing text with line breaks as a literal block."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_BlockDumper.add_representer(str, _text)


def load(text: str, name: str) -> Any:
    """The YAML document in `text` (Invalid naming the file and where, if it isn't)."""
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506  (a safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise Invalid(f"{name[:200]}: {problem}{where}.", field="file") from None


def dump(value: Any) -> str:
    """`value` as YAML, keys in the order given."""
    return yaml.dump(value, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=100)


def load_mapping(text: str, name: str) -> dict[str, Any]:
    """A YAML document that must be a mapping (or empty)."""
    value = load(text, name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid(f"{name[:200]}: expected a mapping of keys to values.", field="file")
    return value


def split_front_matter(text: str, name: str, *, required: bool) -> tuple[dict[str, Any], str]:
    """(front matter, body) of a file that opens with a `---` line; the body loses the one
    line break that follows the closing `---`."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        if required:
            raise Invalid(
                f"{name[:200]}: the file must open with a --- front matter block.", field="file"
            )
        return {}, text
    for index in range(1, len(lines)):
        if lines[index].rstrip() == "---":
            meta = load_mapping("\n".join(lines[1:index]), name)
            return meta, "\n".join(lines[index + 1 :])
    raise Invalid(f"{name[:200]}: the front matter has no closing --- line.", field="file")


def with_front_matter(meta: dict[str, Any], body: str) -> str:
    """A file: the front matter block, then the body."""
    return f"---\n{dump(meta)}---\n{body}"
