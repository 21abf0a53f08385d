"""Markdown to safe HTML: markdown-it-py renders, nh3 keeps only an allowlist.

Model output and user content are untrusted. Raw HTML in the markdown is escaped (never
passed through), and the rendered HTML is cleaned again with nh3, so neither a markdown
trick nor a parser bug can bring a script, an event handler or a `javascript:` URL in.
Images become links: the page's Content-Security-Policy would refuse remote images, and
loading them would tell a third party when someone read the answer.

Rendering is pure Python at about 10 µs a character (35 on hostile input such as
`![![![…`), so it is bounded: past `max_chars` the text is shown as plain paragraphs,
pages render it in a worker thread (`prerender_markdown`) rather than on the event loop,
and each rendering is kept in a small cache keyed by the text's hash, so a page shown
again costs nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections import OrderedDict
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
MAX_MARKDOWN_CHARS = 100_000  # the default of PROMPTPRO_MARKDOWN_MAX_CHARS
CACHE_ENTRIES = 256
CACHE_CHARS = 16_000_000  # the HTML kept, in all


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
    # `breaks`: a single line break stays one (a haiku's three lines, as they streamed).
    md = MarkdownIt("commonmark", {"html": False, "breaks": True})
    md.enable(["table", "strikethrough"])
    md.add_render_rule("image", _image_as_link)
    md.core.ruler.push("align_as_class", _align_as_class)
    return md


_MARKDOWN = _parser()


def clean_html(html: str) -> str:
    """Keep only the allowlisted tags, attributes and URL schemes of an HTML fragment."""
    return _CLEANER.clean(html)


class _RenderedCache:
    """The latest renderings by (text hash, size limit), bounded in entries and in size."""

    def __init__(self, max_entries: int = CACHE_ENTRIES, max_chars: int = CACHE_CHARS) -> None:
        self.max_entries, self.max_chars = max_entries, max_chars
        self._items: OrderedDict[tuple[bytes, int], Markup] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()  # filled from worker threads

    def get(self, key: tuple[bytes, int]) -> Markup | None:
        """The rendering kept under `key`, if any (now the most recently used)."""
        with self._lock:
            html = self._items.get(key)
            if html is not None:
                self._items.move_to_end(key)
            return html

    def put(self, key: tuple[bytes, int], html: Markup) -> None:
        """Keep a rendering, forgetting the least recently used past the bounds."""
        if len(html) > self.max_chars:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = html
            self._chars += len(html)
            while len(self._items) > self.max_entries or self._chars > self.max_chars:
                self._chars -= len(self._items.popitem(last=False)[1])

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        """Forget every rendering."""
        with self._lock:
            self._items.clear()
            self._chars = 0


_RENDERED = _RenderedCache()


def _key(text: str, max_chars: int) -> tuple[bytes, int]:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest(), max_chars


def plain_text_html(text: str) -> str:
    """Text as escaped paragraphs with its line breaks: linear, for text too long to render."""
    paragraphs = (part.strip("\n") for part in text.replace("\r\n", "\n").split("\n\n"))
    return "".join(
        "<p>" + _escape(part).replace("\n", "<br>\n") + "</p>\n" for part in paragraphs if part
    )


def _render(text: str, max_chars: int) -> Markup:
    html = _MARKDOWN.render(text) if len(text) <= max_chars else plain_text_html(text)
    return Markup(clean_html(html))  # noqa: S704  (nh3 cleaned it)


def render_markdown(text: str, max_chars: int = MAX_MARKDOWN_CHARS) -> Markup:
    """Safe HTML for untrusted markdown (model output, prompt content).

    Text longer than `max_chars` is shown as plain paragraphs. Renderings are cached; in a
    request, call `prerender_markdown` first so the work happens off the event loop.
    """
    key = _key(text, max_chars)
    html = _RENDERED.get(key)
    if html is None:
        html = _render(text, max_chars)
        _RENDERED.put(key, html)
    return html


async def prerender_markdown(text: str, max_chars: int = MAX_MARKDOWN_CHARS) -> None:
    """Render `text` in a worker thread into the cache, where the page's filter finds it."""
    if _RENDERED.get(_key(text, max_chars)) is None:
        await asyncio.to_thread(render_markdown, text, max_chars)
