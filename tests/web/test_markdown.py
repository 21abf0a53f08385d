"""Markdown of untrusted text renders to HTML that can't run anything."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from markupsafe import Markup

from promptpro.web.markdown import LINK_REL, clean_html, prerender_markdown, render_markdown

NASTY = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '<svg onload="alert(1)"></svg>',
    '<iframe src="https://evil.example"></iframe>',
    '<div style="position:fixed;inset:0">cover</div>',
    '<form action="https://evil.example"><button>go</button></form>',
    "<style>body{display:none}</style>",
    "```\n</code></pre><script>alert(1)</script>\n```",
    '```js" onmouseover="alert(1)\ncode\n```',
    "<details open ontoggle=alert(1)>",
    '[a](https://ok.example "title\\" onmouseover=\\"alert(1)")',
    "<!-- <script>alert(1)</script> -->",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
]


class Elements(HTMLParser):
    """Every element of an HTML fragment with its attributes, as a browser would parse it."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


@pytest.mark.parametrize("source", NASTY)
def test_nothing_executable_survives(source: str) -> None:
    for tag, attrs in Elements(str(render_markdown(source))).found:
        assert tag in {"p", "a", "pre", "code", "em", "strong"}, tag
        assert not any(name.startswith("on") for name in attrs), attrs
        assert "style" not in attrs and "src" not in attrs
        href = attrs.get("href")
        if href is not None:
            assert urlsplit(href).scheme in {"http", "https", "mailto"}, href


def test_raw_html_is_shown_as_text() -> None:
    assert str(render_markdown("<b>bold?</b>")) == "<p>&lt;b&gt;bold?&lt;/b&gt;</p>\n"


def test_markdown_still_renders() -> None:
    html = str(render_markdown("# Title\n\n*em* **strong** `code` ~~gone~~\n\n- one\n- two\n"))
    for fragment in (
        "<h1>Title</h1>",
        "<em>em</em>",
        "<strong>strong</strong>",
        "<code>code</code>",
    ):
        assert fragment in html
    assert "<s>gone</s>" in html
    assert "<li>one</li>" in html


def test_links_get_rel_noopener_noreferrer_nofollow() -> None:
    html = str(render_markdown("[docs](https://example.com/a?b=1&c=2)"))
    assert f'rel="{LINK_REL}"' in html
    assert 'href="https://example.com/a?b=1&amp;c=2"' in html
    assert LINK_REL == "noopener noreferrer nofollow"


def test_a_rel_in_the_input_is_replaced_not_kept() -> None:
    html = clean_html('<a href="https://x.example" rel="opener" target="_top">x</a>')
    assert 'rel="noopener noreferrer nofollow"' in html
    assert 'opener"' not in html.replace("noopener", "")
    assert "target" not in html


def test_mailto_links_are_kept() -> None:
    assert 'href="mailto:a@example.com"' in str(render_markdown("[mail](mailto:a@example.com)"))


def test_images_become_links_so_nothing_loads_from_elsewhere() -> None:
    html = str(render_markdown("![a cat](https://cats.example/cat.png)"))
    assert "<img" not in html
    assert '<a href="https://cats.example/cat.png"' in html
    assert "Image: a cat" in html


def test_code_blocks_keep_a_safe_language_class_only() -> None:
    assert 'class="language-python"' in str(render_markdown("```python\nx = 1\n```"))
    hostile = str(render_markdown('```x"><img src=x>\ny\n```'))
    assert "<img" not in hostile
    assert "class=" not in hostile


def test_table_alignment_becomes_a_class_not_a_style() -> None:
    html = str(render_markdown("| a | b |\n|:-:|--:|\n| 1 | 2 |"))
    assert 'class="align-center"' in html and 'class="align-right"' in html
    assert "style" not in html


def test_made_up_classes_are_dropped() -> None:
    html = clean_html('<td class="evil">x</td><code class="language-x evil">y</code>')
    assert "evil" not in html


def test_the_result_is_markup_safe_for_jinja() -> None:
    assert hasattr(render_markdown("x"), "__html__")


def test_single_line_breaks_are_kept() -> None:
    haiku = "Steam over the cup\nleaves drift in the amber pool\nquiet afternoon"
    assert str(render_markdown(haiku)).count("<br") == 2


def test_text_past_the_limit_is_plain_paragraphs_not_parsed() -> None:
    hostile = "![" * 50  # 100 characters of what costs the parser most
    html = str(render_markdown(hostile, max_chars=99))
    assert html == f"<p>{hostile}</p>\n"
    long = "# not a title\n<b>x</b>\nline two\n\n[a](javascript:alert(1))"
    html = str(render_markdown(long, max_chars=10))
    assert "<h1>" not in html and "<a" not in html and "<b>" not in html
    assert html.startswith("<p># not a title<br>\n&lt;b&gt;x&lt;/b&gt;<br>\nline two</p>")
    assert str(render_markdown("# Title", max_chars=7)) == "<h1>Title</h1>\n"


def test_a_rendering_is_kept_and_not_repeated(monkeypatch: pytest.MonkeyPatch) -> None:
    from promptpro.web import markdown

    calls: list[str] = []
    real = markdown._render

    def counting(text: str, max_chars: int) -> Markup:
        calls.append(text)
        return real(text, max_chars)

    monkeypatch.setattr(markdown, "_render", counting)
    text = "kept **once**, a unique text 8d1f"
    first = render_markdown(text)
    assert render_markdown(text) == first
    assert calls == [text]


def test_the_cache_is_bounded_in_entries_and_in_size() -> None:
    from promptpro.web.markdown import _RenderedCache

    cache = _RenderedCache(max_entries=2, max_chars=10)
    for n in range(3):
        cache.put((bytes([n]), 1), Markup("abc"))
    assert len(cache) == 2 and cache.get((b"\x00", 1)) is None
    cache.put((b"big", 1), Markup("x" * 9))
    assert len(cache) == 1  # 9 + 3 characters were over the size bound
    cache.put((b"huge", 1), Markup("x" * 11))
    assert cache.get((b"huge", 1)) is None


async def test_prerendering_fills_the_cache_from_a_worker_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    from promptpro.web import markdown

    threads: list[str] = []
    real = markdown._render

    def recording(text: str, max_chars: int) -> Markup:
        threads.append(threading.current_thread().name)
        return real(text, max_chars)

    monkeypatch.setattr(markdown, "_render", recording)
    await prerender_markdown("rendered *off* the loop 51c2")
    await prerender_markdown("rendered *off* the loop 51c2")
    assert len(threads) == 1 and threads[0] != threading.main_thread().name
    assert "<em>off</em>" in str(render_markdown("rendered *off* the loop 51c2"))
    assert len(threads) == 1
