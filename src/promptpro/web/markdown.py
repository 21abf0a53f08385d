"""Markdown to safe HTML: markdown-it-py renders, nh3 keeps only an allowlist.

Model output and user content are untrusted. Raw HTML in the markdown is escaped (never
passed through), and the rendered HTML is cleaned again with nh3, so neither a markdown
trick nor a parser bug can bring a script, an event handler or a `javascript:` URL in.
Images become links: the page's Content-Security-Policy would refuse remote images, and
loading them would tell a third party when someone read the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup

ALLOWED_TAGS = {
    "a",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "code": {"class"},
    "ol": {"start"},
    "td": {"class"},
    "th": {"class"},
}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"
ALIGN_CLASSES = {"text-align:left": "align-left", "text-align:center": "align-center"}
ALIGN_CLASSES["text-align:right"] = "align-right"
MAX_LANGUAGE_LENGTH = 30


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Let through only the class names this module itself puts on code and table cells."""
    if attribute != "class":
        return value
    if tag == "code":
        language = value.removeprefix("language-")
        safe = value.startswith("language-") and 0 < len(language) <= MAX_LANGUAGE_LENGTH
        return value if safe and all(c.isalnum() or c in "+-_#." for c in language) else None
    return value if value in ALIGN_CLASSES.values() else None


_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags={"script", "style"},
    attributes=ALLOWED_ATTRIBUTES,
    attribute_filter=_keep_attribute,
    url_schemes=URL_SCHEMES,
    link_rel=LINK_REL,
    strip_comments=True,
)


def _image_as_link(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Render `![alt](src)` as a link to the image, labelled with its alt text."""
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env) or "image"
    src = str(token.attrGet("src") or "")
    return f'<a href="{_escape(src)}">{_escape("Image: " + alt)}</a>'


def _escape(text: str) -> str:
    return str(Markup.escape(text))


def _align_as_class(state: Any) -> None:
    """Turn table alignment's inline style (refused by the CSP) into a class."""
    for token in state.tokens:
        if token.type in ("th_open", "td_open"):
            style = token.attrGet("style")
            if isinstance(style, str) and style in ALIGN_CLASSES:
                token.attrs.pop("style", None)
                token.attrSet("class", ALIGN_CLASSES[style])


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    md.add_render_rule("image", _image_as_link)
    md.core.ruler.push("align_as_class", _align_as_class)
    return md


_MARKDOWN = _parser()


def clean_html(html: str) -> str:
    """Keep only the allowlisted tags, attributes and URL schemes of an HTML fragment."""
    return _CLEANER.clean(html)


def render_markdown(text: str) -> Markup:
    """Safe HTML for untrusted markdown (model output, prompt content)."""
    return Markup(clean_html(_MARKDOWN.render(text)))  # noqa: S704  (nh3 cleaned it)
