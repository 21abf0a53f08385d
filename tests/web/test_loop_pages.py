"""The everyday loop in the pages: kept inputs filled in, history rows told apart, Stopped."""

from __future__ import annotations

from fastapi import FastAPI

from promptpro.db.models import ResponseStatus
from promptpro.web.excerpts import first_line, short_variables, status_label
from tests.web.conftest import Browser, create_prompt, text_of
from tests.web.test_run_pages import store_response


def test_the_first_line_of_an_answer_is_plain_text() -> None:
    assert first_line("# A **bold** title\n\nThen more.") == "A bold title"
    assert first_line("\n\n- item *one*\n- two") == "item one"
    assert first_line("<script>x</script> & more") == "<script>x</script> & more"
    assert first_line("x" * 500).endswith("…")
    assert len(first_line("x" * 500)) == 160
    assert first_line("") == ""


def test_variables_are_shortened_and_an_empty_one_said_so() -> None:
    assert short_variables({"topic": "tea", "language": ""}) == "topic=tea · language=(left empty)"
    assert short_variables({"topic": "a\nlong " + "x" * 100}).endswith("…")
    assert short_variables(None) == ""


def test_a_cancelled_run_reads_stopped() -> None:
    assert status_label("cancelled") == "Stopped"
    assert status_label("completed") == "Completed"


async def test_history_rows_show_version_variables_first_line_and_stopped(
    app: FastAPI, ada_browser: Browser
) -> None:
    prompt_id = await create_prompt(ada_browser)
    await store_response(
        app,
        ada_browser,
        prompt_id,
        content="**Steam** curls up\n\nsecond line",
        status=ResponseStatus.CANCELLED,
    )
    page = await ada_browser.get(f"/prompts/{prompt_id}")
    words = text_of(page.text)
    assert "Stopped" in words
    assert "cancelled" not in words.lower()
    assert "topic=tea · language=English" in words
    assert "Steam curls up" in words
    assert "**Steam**" not in page.text


async def test_the_run_panel_starts_from_the_last_inputs_or_a_given_response(
    app: FastAPI, ada_browser: Browser
) -> None:
    prompt_id = await create_prompt(ada_browser)
    first = await store_response(
        app, ada_browser, prompt_id, variables={"topic": "rain", "language": "Welsh"}
    )
    await store_response(
        app, ada_browser, prompt_id, variables={"topic": "tea & <b>", "language": ""}
    )
    page = await ada_browser.get(f"/prompts/{prompt_id}")
    assert ">tea &amp; &lt;b&gt;</textarea>" in page.text
    chosen = await ada_browser.get(f"/prompts/{prompt_id}?from={first}")
    assert ">rain</textarea>" in chosen.text and ">Welsh</textarea>" in chosen.text
    stale = await ada_browser.get(f"/prompts/{prompt_id}?from=999999")
    assert stale.status_code == 200
    assert ">tea &amp; &lt;b&gt;</textarea>" in stale.text
    compare = await ada_browser.get(f"/compare?prompt={prompt_id}")
    assert ">tea &amp; &lt;b&gt;</textarea>" in compare.text


async def test_the_history_is_filtered_by_rating_in_the_page(
    app: FastAPI, ada_browser: Browser
) -> None:
    prompt_id = await create_prompt(ada_browser)
    good = await store_response(app, ada_browser, prompt_id, content="good one")
    await store_response(app, ada_browser, prompt_id, content="plain one")
    rated = await ada_browser.client.put(
        f"/api/v1/responses/{good}/rating",
        json={"value": 1, "note": "keep"},
        headers={"X-CSRF-Token": ada_browser.csrf},
    )
    assert rated.status_code == 200, rated.text
    page = await ada_browser.get(f"/prompts/{prompt_id}?rating=1")
    assert "good one" in page.text and "plain one" not in page.text
    assert "Rated good" in text_of(page.text)
    fragment = await ada_browser.get(f"/prompts/{prompt_id}/history?rating=1")
    assert "good one" in fragment.text and "plain one" not in fragment.text
    everything = await ada_browser.get(f"/prompts/{prompt_id}?rating=bogus")
    assert "good one" in everything.text and "plain one" in everything.text
