"""The pieces of shipping prompts that need no database: snippet resolution, the fetch
cache's invalidation rules, folder trees, names and labels."""

from __future__ import annotations

import pytest

from promptpro.errors import Invalid
from promptpro.schemas.names import check_label, check_prompt_name, numbered, slug
from promptpro.services.folders import tree
from promptpro.services.prompt_fetch import FetchCache, Fetched
from promptpro.services.templates import resolve_snippets, snippets_in, variables_in

LIBRARY = {
    ("a", None): (1, "A({{> b}})"),
    ("b", None): (2, "B"),
    ("b", "v1"): (1, "old B"),
    ("b", "staging"): (3, "staged B"),
}


async def load(name: str, selector: str | None) -> tuple[int, str] | None:
    return LIBRARY.get((name, selector))


async def test_snippets_are_resolved_recursively_and_their_versions_listed() -> None:
    text, used = await resolve_snippets(
        "{{> a}} {{> b@v1}} {{> b@staging}} {{x}}", load, root="root"
    )
    assert text == "A(B) old B staged B {{x}}"
    assert used == [("a", 1), ("b", 2)]  # the first use of each name
    assert snippets_in("{{> a}} {{>b@v1}} {{> a}}") == ["a", "b@v1"]
    assert variables_in("{{> a}} {{x}}") == ["x"]


async def test_a_cycle_a_missing_snippet_and_depth_are_refused_by_name() -> None:
    async def cyclic(name: str, selector: str | None) -> tuple[int, str]:
        return 1, {"x": "{{> y}}", "y": "{{> x}}"}[name]

    with pytest.raises(Invalid, match="Snippet cycle: root → x → y → x"):
        await resolve_snippets("{{> x}}", cyclic, root="root")
    with pytest.raises(Invalid, match="Missing snippet: nope@prod"):
        await resolve_snippets("{{> nope@prod}}", load, root="root")

    async def chain(name: str, selector: str | None) -> tuple[int, str]:
        n = int(name[1:])
        return 1, f"{{{{> s{n + 1}}}}}" if n < 9 else "end"

    assert (await resolve_snippets("{{> s5}}", chain, root="r"))[0] == "end"
    with pytest.raises(Invalid, match="deeper than 5"):
        await resolve_snippets("{{> s1}}", chain, root="r")


def entry(tag: str) -> Fetched:
    return Fetched(tag.encode(), f'"{tag}"', 1)


def test_the_fetch_cache_forgets_a_changed_workspace_and_refuses_stale_answers() -> None:
    now = [0.0]
    cache = FetchCache(ttl=10, member_ttl=5, clock=lambda: now[0])
    key = (1, "p", "@production")
    cache.put(key, entry("a"), cache.generation(1))
    cache.put((2, "p", "@production"), entry("b"), cache.generation(2))
    assert cache.get(key) == entry("a")
    # An answer read before a change must not be stored after it.
    read_at = cache.generation(1)
    cache.forget_workspace(1)
    assert cache.get(key) is None
    cache.put(key, entry("old"), read_at)
    assert cache.get(key) is None
    assert cache.get((2, "p", "@production")) == entry("b")  # other workspaces stay
    cache.forget_message("2")
    cache.forget_message("not a number")
    assert cache.get((2, "p", "@production")) is None
    # Entries and roles expire; nothing is cached while changes can't be heard.
    cache.put(key, entry("c"), cache.generation(1))
    cache.put_role("u", 1, "editor")
    now[0] = 6
    assert cache.role("u", 1) is None
    now[0] = 11
    assert cache.get(key) is None
    cache.listening(False)
    cache.put(key, entry("d"), cache.generation(1))
    assert cache.get(key) is None
    # last_fetched_at is written once a minute per prompt.
    assert cache.should_record(7) is True
    assert cache.should_record(7) is False
    now[0] += 61
    assert cache.should_record(7) is True


def test_folders_are_a_tree_of_names() -> None:
    root = tree([(1, "support/triage"), (2, "support/en/reply"), (3, "top")])
    assert [p for p in root.prompts] == [(3, "top")]
    support = root.folders["support"]
    assert support.path == "support/"
    assert support.prompts == [(1, "triage")]
    assert support.folders["en"].prompts == [(2, "reply")]


@pytest.mark.parametrize(
    ("title", "name"),
    [("Support / Triage!", "support-triage"), ("Résumé", "resume"), ("???", "prompt")],
)
def test_names_from_titles(title: str, name: str) -> None:
    assert slug(title) == name
    assert check_prompt_name(slug(title)) == name


def test_names_and_labels_are_checked() -> None:
    assert check_prompt_name("a/b.c_d-e") == "a/b.c_d-e"
    for bad in ("", "/a", "a/", "a//b", "a b", "a/./b", "a" * 201):
        with pytest.raises(ValueError):
            check_prompt_name(bad)
    assert check_label("canary-2.b_x") == "canary-2.b_x"
    for bad in ("Prod", "-x", "a b", "x" * 41, ""):
        with pytest.raises(ValueError):
            check_label(bad)
    assert numbered("x" * 200, 12) == "x" * 197 + "-12"
