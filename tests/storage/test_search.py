"""The search helpers: FTS5 queries that carry no syntax, and snippets made safe HTML."""

from __future__ import annotations

import pytest

from promptpro.errors import Invalid
from promptpro.storage.search import START, STOP, SearchKeyset, fts5_query, highlight


def test_highlight_escapes_everything_and_marks_only_matches() -> None:
    snippet = f'<img src=x onerror="a">{START}needle{STOP} & {START}<b>{STOP}'
    assert highlight(snippet) == (
        "&lt;img src=x onerror=&quot;a&quot;&gt;<mark>needle</mark> &amp; <mark>&lt;b&gt;</mark>"
    )


@pytest.mark.parametrize(
    ("snippet", "html"),
    [
        (f"{STOP}a{START}b", "a<mark>b</mark>"),
        (f"{START}{START}a{STOP}{STOP}", "<mark>a</mark>"),
        ("plain", "plain"),
    ],
)
def test_highlight_drops_markers_that_do_not_pair(snippet: str, html: str) -> None:
    assert highlight(snippet) == html


def test_fts5_queries_quote_every_word() -> None:
    assert fts5_query('a OR "b" NEAR(c*)') == '"a" "OR" "b" "NEAR" "c"'
    assert fts5_query("  -- ") is None


def test_a_search_cursor_round_trips_and_refuses_forgeries() -> None:
    keyset = SearchKeyset(0.125, 1, 42)
    assert SearchKeyset.decode(keyset.encode()) == keyset
    for bad in ["", "x", "WyJOYU4iLDEsMV0", SearchKeyset(1.0, 1, 0).encode()]:
        with pytest.raises(Invalid):
            SearchKeyset.decode(bad)
