"""The pages' small helpers: forms, redirects, double submits, diffs and figures."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from promptpro.schemas.library import PromptCreate, PromptVersionRead
from promptpro.web.advice import page_detail
from promptpro.web.diff import field_changes, line_diff
from promptpro.web.forms import FormInvalid, field_key, safe_next, validate
from promptpro.web.guards import FormOnce
from promptpro.web.pages.editor import decode_stop, encode_stop
from promptpro.web.templating import as_json, count, seconds, usd, when


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/prompts/3", "/prompts/3"),
        ("/prompts?q=a%20b", "/prompts?q=a%20b"),
        (None, "/prompts"),
        ("", "/prompts"),
        ("//evil.example", "/prompts"),
        ("/\\evil.example", "/prompts"),
        ("https://evil.example/", "/prompts"),
        ("javascript:alert(1)", "/prompts"),
        ("/ok\r\nSet-Cookie: x", "/prompts"),
    ],
)
def test_safe_next_stays_on_the_site(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_error_locations_become_form_field_names() -> None:
    assert field_key(("parameters", "max_tokens")) == "parameters.maxTokens"
    assert field_key(("parameters", "stop", 3)) == "parameters.stop"
    assert field_key(("categoryId",)) == "categoryId"


def test_validate_names_each_field_with_the_apis_message() -> None:
    with pytest.raises(FormInvalid) as caught:
        validate(PromptCreate, {"title": "", "content": "c", "parameters": {"topP": 2}})
    assert caught.value.errors == {
        "title": "String should have at least 1 character",
        "parameters.topP": "Input should be less than or equal to 1",
    }


@pytest.mark.parametrize("stop", ["\n\n", "END", "a\\nb", "\t|\\", ""])
def test_stop_sequences_survive_one_line_editing(stop: str) -> None:
    encoded = encode_stop(stop)
    assert "\n" not in encoded
    assert decode_stop(encoded) == stop


async def test_form_once_sends_a_second_submit_where_the_first_went() -> None:
    once = FormOnce()
    made: list[int] = []

    async def submit() -> str:
        async with once.claim("ada", "token-1") as claim:
            if claim.done_url:
                return claim.done_url
            await asyncio.sleep(0.01)  # the first one is still saving
            made.append(1)
            claim.done_url = f"/things/{len(made)}"
            return claim.done_url

    results = await asyncio.gather(submit(), submit(), submit())
    assert list(results) == ["/things/1"] * 3
    assert made == [1]
    assert not once._locks  # nothing left behind


async def test_form_once_keeps_users_and_failures_apart() -> None:
    once = FormOnce()
    async with once.claim("ada", "t") as claim:
        claim.done_url = "/ada"
    async with once.claim("bob", "t") as claim:
        assert claim.done_url is None
    with pytest.raises(RuntimeError):
        async with once.claim("bob", "u") as claim:
            raise RuntimeError("validation failed")
    async with once.claim("bob", "u") as claim:
        assert claim.done_url is None  # a failed attempt can be tried again
    async with once.claim("bob", "") as claim:
        assert claim.done_url is None  # no token: no guard


async def test_form_once_forgets_after_its_ttl() -> None:
    once = FormOnce(ttl_seconds=0)
    async with once.claim("ada", "t") as claim:
        claim.done_url = "/x"
    await asyncio.sleep(0.01)
    async with once.claim("ada", "t") as claim:
        assert claim.done_url is None


def _version(number: int, content: str, **fields: object) -> PromptVersionRead:
    data = {
        "id": number,
        "prompt_id": 1,
        "version": number,
        "title": "T",
        "content": content,
        "model": None,
        "parameters": None,
        "created_at": datetime.now(UTC),
        **fields,
    }
    return PromptVersionRead.model_validate(data)


def test_the_line_diff_marks_changes_with_context_and_gaps() -> None:
    old = "\n".join(f"line {n}" for n in range(1, 21))
    new = old.replace("line 10", "line ten")
    lines = line_diff(old, new)
    assert lines is not None
    kinds = [line.kind for line in lines]
    context = ["same"] * 3
    assert kinds == ["gap", *context, "removed", "added", *context, "gap"]


def test_the_line_diff_of_a_long_text_changed_at_one_end_diffs_only_the_change() -> None:
    # 16,000 equal lines took SequenceMatcher a minute: the shared ends are matched apart.
    old = "a\n" * 16_000
    lines = line_diff(old, "b\n" + old[2:], max_lines=5)
    assert lines is not None
    assert [line.kind for line in lines] == ["removed", "added", "same", "same", "same", "gap"]


def test_the_line_diff_past_its_limit_says_so_instead_of_diffing() -> None:
    old = "".join(f"line {n}\n" for n in range(10))
    changed = old.replace("line 0", "first").replace("line 9", "last")
    assert line_diff(old, changed, max_lines=9) is None  # ten lines between the changes
    assert line_diff(old, changed, max_lines=10) is not None
    assert line_diff(old, old + "more\n", max_lines=1) is not None


def test_the_line_diff_matches_difflib_on_small_texts() -> None:
    old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj"
    new = "a\nB\nc\nd\ne\nf\ng\nh\nI\nj\nk"
    lines = line_diff(old, new, context=1)
    assert lines is not None
    assert [(line.kind, line.text) for line in lines] == [
        ("same", "a"), ("removed", "b"), ("added", "B"), ("same", "c"),
        ("gap", "…"),
        ("same", "h"), ("removed", "i"), ("added", "I"), ("same", "j"), ("added", "k"),
    ]  # fmt: skip


def test_field_changes_name_title_model_and_parameters() -> None:
    old = _version(1, "x", parameters={"temperature": 0.5})
    new = _version(2, "x", title="New", model="openai/gpt-4o", parameters={"maxTokens": 5})
    changes = {change.name: (change.old, change.new) for change in field_changes(old, new)}
    assert changes == {
        "Title": ("T", "New"),
        "Model": ("none", "openai/gpt-4o"),
        "temperature": ("0.5", "not set"),
        "maxTokens": ("not set", "5"),
    }


def test_figures_read_well() -> None:
    assert seconds(None) == "—"
    assert seconds(0.4321) == "0.43 s"
    assert seconds(12.34) == "12.3 s"
    assert seconds(125) == "2 min 5 s"
    assert usd(None) == "—" and usd(0) == "$0"
    assert usd(0.0000123) == "$0.000012"
    assert usd(0.0123) == "$0.0123"
    assert usd(12.5) == "$12.50"
    assert count(1234567) == "1,234,567" and count(None) == "—"
    assert when(datetime(2026, 6, 1, 14, 3, tzinfo=UTC)) == "1 Jun 2026, 14:03 UTC"


def test_json_data_blocks_can_not_close_their_script_element() -> None:
    text = str(as_json({"content": "</script><script>alert(1)</script>"}))
    assert "</script>" not in text and "<" not in text


def test_a_missing_key_is_told_in_page_words_with_or_without_its_provider() -> None:
    problem = {"type": "/problems/no-key", "detail": "… or with PUT /api/v1/keys/xai."}
    assert page_detail({**problem, "provider": "xai"}) == (
        "There is no xAI API key in your account yet."
    )
    assert page_detail(problem) == "There is no such API key in your account yet."
    assert page_detail({"type": "/problems/upstream", "detail": "It broke."}) == "It broke."
    assert page_detail(None) == ""
