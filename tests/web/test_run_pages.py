"""What the run panel shows: finished answers rendered safely, the history, one response."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from promptpro.db.models import ResponseStatus
from promptpro.db.session import unit_of_work
from promptpro.providers.registry import ProviderRegistry
from promptpro.schemas.library import PromptParameters
from promptpro.schemas.responses import ResponseCreate
from promptpro.storage import Storage
from promptpro.testing import FakeProviderServer
from tests.providers.helpers import config_for
from tests.support.runs import API_KEY, parse_events
from tests.web.conftest import Browser, create_prompt, text_of

HOSTILE = (
    "# Answer\n\n<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n"
    "[click me](javascript:alert(1)) and [docs](https://example.com)"
)


async def store_response(app: FastAPI, browser: Browser, prompt_id: int, **fields: object) -> int:
    """A response stored as a finished run would have stored it; its id."""
    user = (await browser.client.get("/api/v1/auth/session")).json()["user"]
    data = {
        "content": "Hello **there**",
        "model": "openai/gpt-4o-mini",
        "rendered_input": "Write a haiku about tea in English.",
        "variables": {"topic": "tea", "language": "English"},
        "parameters": PromptParameters(temperature=0.5, stop=["\n\n"]),
        "input_tokens": 12,
        "output_tokens": 7,
        "cost_usd": 0.0000123,
        "generation_time": 1.234,
        "time_to_first_token": 0.25,
        **fields,
    }
    async with unit_of_work(app.state.session_factory) as session:
        response = await Storage(session).create_response(
            user["id"], prompt_id, ResponseCreate.model_validate(data)
        )
        return response.id


async def test_an_answer_past_the_markdown_limit_is_shown_as_plain_text(
    app: FastAPI, ada_browser: Browser
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"markdown_max_chars": 20})
    prompt_id = await create_prompt(ada_browser)
    short = await store_response(app, ada_browser, prompt_id, content="# Short\nline")
    long = await store_response(app, ada_browser, prompt_id, content="# Long\n" + "![" * 20)
    base = f"/prompts/{prompt_id}/responses"
    for suffix in ("", "/fragment"):
        assert "<h1>Short</h1>" in (await ada_browser.get(f"{base}/{short}{suffix}")).text
        html = (await ada_browser.get(f"{base}/{long}{suffix}")).text
        assert "<h1>Long" not in html and "<p># Long<br>\n" + "![" * 20 + "</p>" in html


async def test_the_fragment_renders_the_answer_as_safe_markdown_with_its_figures(
    app: FastAPI, ada_browser: Browser
) -> None:
    prompt_id = await create_prompt(ada_browser)
    response_id = await store_response(app, ada_browser, prompt_id, content=HOSTILE)
    fragment = await ada_browser.get(f"/prompts/{prompt_id}/responses/{response_id}/fragment")
    assert fragment.status_code == 200
    assert fragment.headers["cache-control"] == "no-store"
    html = fragment.text
    assert "<html" not in html
    assert "<h1>Answer</h1>" in html
    assert "<script>" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow">docs</a>' in html
    words = text_of(html)
    for figure in ("GPT-4o mini", "Completed", "0.25 s", "1.23 s", "12 / 7", "$0.000012"):
        assert figure in words, figure


async def test_a_failed_run_shows_what_to_do(app: FastAPI, ada_browser: Browser) -> None:
    prompt_id = await create_prompt(ada_browser)
    response_id = await store_response(
        app,
        ada_browser,
        prompt_id,
        content="partial",
        status=ResponseStatus.FAILED,
        error={"type": "/problems/bad-key", "title": "Refused", "detail": "Invalid key."},
    )
    html = (await ada_browser.get(f"/prompts/{prompt_id}/responses/{response_id}/fragment")).text
    assert 'data-problem="bad-key"' in html
    assert "replace it" in text_of(html)
    assert 'href="/settings/keys"' in html
    assert "partial" in html


async def test_the_history_lists_runs_newest_first_and_opens_each(
    app: FastAPI, ada_browser: Browser
) -> None:
    prompt_id = await create_prompt(ada_browser)
    older = await store_response(app, ada_browser, prompt_id, content="older")
    newer = await store_response(
        app, ada_browser, prompt_id, content="still going", status=ResponseStatus.RUNNING
    )
    page = (await ada_browser.get(f"/prompts/{prompt_id}")).text
    assert page.index(f'data-response-id="{newer}"') < page.index(f'data-response-id="{older}"')
    assert f'data-cancel-response="{newer}"' in page  # a running run can be stopped
    detail = await ada_browser.get(f"/prompts/{prompt_id}/responses/{older}")
    assert detail.status_code == 200
    words = text_of(detail.text)
    assert "Write a haiku about tea in English." in words
    assert "topic" in words and "tea" in words
    assert "Temperature" in words and "0.5" in words and "\\n\\n" in words
    fragment = await ada_browser.get(f"/prompts/{prompt_id}/history")
    assert fragment.text.count('data-testid="history-item"') == 2


async def test_history_pages_with_load_more(app: FastAPI, ada_browser: Browser) -> None:
    prompt_id = await create_prompt(ada_browser)
    for number in range(12):
        await store_response(app, ada_browser, prompt_id, content=f"answer {number}")
    page = (await ada_browser.get(f"/prompts/{prompt_id}")).text
    assert page.count('data-testid="history-item"') == 10
    assert 'data-testid="history-load-more"' in page
    start = page.index('data-fragment-url="', page.index('data-testid="history-load-more"') - 400)
    url = page[start:].split('"')[1].replace("&amp;", "&")
    more = await ada_browser.get(url)
    assert more.text.count('data-testid="history-item"') == 2
    bad = await ada_browser.get(f"/prompts/{prompt_id}/history?cursor=bogus")
    assert bad.status_code == 200  # a cursor that isn't ours starts from the top


async def test_deleting_a_response(app: FastAPI, ada_browser: Browser) -> None:
    prompt_id = await create_prompt(ada_browser)
    response_id = await store_response(app, ada_browser, prompt_id)
    await ada_browser.get(f"/prompts/{prompt_id}")
    result = await ada_browser.post(f"/prompts/{prompt_id}/responses/{response_id}/delete", {})
    assert result.headers["location"] == f"/prompts/{prompt_id}?done=response-deleted#history"
    assert (
        await ada_browser.get(f"/prompts/{prompt_id}/responses/{response_id}")
    ).status_code == 404
    again = await ada_browser.post(f"/prompts/{prompt_id}/responses/{response_id}/delete", {})
    assert again.status_code == 404


async def test_responses_of_others_or_of_another_prompt_are_not_found(
    app: FastAPI, ada_browser: Browser, bob_browser: Browser
) -> None:
    prompt_id = await create_prompt(ada_browser)
    other_prompt = await create_prompt(ada_browser, title="Other")
    response_id = await store_response(app, ada_browser, prompt_id)
    for path in (
        f"/prompts/{prompt_id}/responses/{response_id}",
        f"/prompts/{prompt_id}/responses/{response_id}/fragment",
    ):
        assert (await bob_browser.get(path)).status_code == 404
    wrong = f"/prompts/{other_prompt}/responses/{response_id}"
    assert (await ada_browser.get(wrong)).status_code == 404
    deleted = await bob_browser.post(f"/prompts/{prompt_id}/responses/{response_id}/delete", {})
    assert deleted.status_code == 404
    bobs_prompt = await create_prompt(bob_browser)
    # Through a prompt of his own: still not his response, still nothing deleted.
    deleted = await bob_browser.post(f"/prompts/{bobs_prompt}/responses/{response_id}/delete", {})
    assert deleted.status_code == 404
    assert (
        await ada_browser.get(f"/prompts/{prompt_id}/responses/{response_id}")
    ).status_code == 200


@pytest.fixture
async def fake_providers(app: FastAPI, fake: FakeProviderServer) -> AsyncIterator[None]:
    """The app's providers pointed at the fake provider server."""
    await app.state.providers.aclose()
    app.state.providers = ProviderRegistry(config_for(fake))
    yield
    await app.state.providers.aclose()


async def test_a_streamed_run_ends_up_in_the_history_and_its_fragment(
    ada_browser: Browser, fake: FakeProviderServer, fake_providers: None
) -> None:
    fake.configure(text="A **bold** answer", chunks=3)
    await ada_browser.post("/settings/keys/openai", {"key": API_KEY})
    prompt_id = await create_prompt(ada_browser)
    page = (await ada_browser.get(f"/prompts/{prompt_id}")).text
    assert '<option value="openai/gpt-4o-mini" data-has-key="true" selected>' in page
    # What run.js sends: the session cookie, the CSRF header, and Accept: text/event-stream.
    response = await ada_browser.client.post(
        f"/api/v1/prompts/{prompt_id}/run",
        json={"model": "openai/gpt-4o-mini", "variables": {"topic": "tea", "language": "en"}},
        headers={"Accept": "text/event-stream", "X-CSRF-Token": ada_browser.csrf},
    )
    events = parse_events(response.text)
    assert events[0].name == "start"
    assert events[-1].name == "done"
    response_id = events[0].data["responseId"]
    fragment = await ada_browser.get(f"/prompts/{prompt_id}/responses/{response_id}/fragment")
    assert "<strong>bold</strong>" in fragment.text
    history = await ada_browser.get(f"/prompts/{prompt_id}/history")
    assert f'data-response-id="{response_id}" data-status="completed"' in history.text


async def test_a_missing_key_is_explained_in_page_words_with_a_link(
    app: FastAPI, ada_browser: Browser
) -> None:
    prompt_id = await create_prompt(ada_browser)
    api_detail = (
        "No gemini key is stored for your account: add one in Settings, "
        "or with PUT /api/v1/keys/gemini."
    )
    response_id = await store_response(
        app,
        ada_browser,
        prompt_id,
        content="",
        status=ResponseStatus.FAILED,
        error={
            "type": "/problems/no-key",
            "title": "No API key",
            "detail": api_detail,
            "provider": "gemini",
        },
    )
    html = (await ada_browser.get(f"/prompts/{prompt_id}/responses/{response_id}/fragment")).text
    words = text_of(html)
    assert "There is no Google Gemini API key in your account yet." in words
    assert "PUT /api" not in html
    assert 'href="/settings/keys">Go to Settings \u203a Keys</a>' in html
    # The page's script says the same from its advice table.
    page = (await ada_browser.get(f"/prompts/{prompt_id}")).text
    assert '"detail": "There is no {provider} API key in your account yet."' in page
    assert '"gemini": "Google Gemini"' in page


async def test_an_unknown_model_is_called_a_wrong_model_name(
    ada_browser: Browser, fake: FakeProviderServer, fake_providers: None
) -> None:
    fake.configure(status=404, error_message="The model does not exist")
    await ada_browser.post("/settings/keys/openai", {"key": API_KEY})
    prompt_id = await create_prompt(ada_browser)
    answer = await ada_browser.client.post(
        f"/api/v1/prompts/{prompt_id}/run",
        json={"variables": {"topic": "x", "language": "y"}},
        headers={"X-CSRF-Token": ada_browser.csrf},
    )
    problem = answer.json()
    assert problem["title"] == "Unknown model"
    fragment = f"/prompts/{prompt_id}/responses/{problem['responseId']}/fragment"
    html = (await ada_browser.get(fragment)).text
    words = text_of(html)
    assert "Unknown model." in words and "The AI provider failed" not in words
    assert "Check the model name" in words


async def test_every_answer_has_copy_and_the_raw_text(app: FastAPI, ada_browser: Browser) -> None:
    raw = "# Title\n\nline one\nline <two>"
    prompt_id = await create_prompt(ada_browser)
    response_id = await store_response(app, ada_browser, prompt_id, content=raw)
    base = f"/prompts/{prompt_id}/responses/{response_id}"
    for path in (f"{base}/fragment", base):
        html = (await ada_browser.get(path)).text
        assert 'data-answer-copy data-testid="copy-answer"' in html, path
        assert 'data-answer-raw-toggle aria-pressed="false"' in html, path
        assert (
            '<pre class="answer-raw" data-answer-raw data-testid="answer-raw" hidden>'
            "# Title\n\nline one\nline &lt;two&gt;</pre>"
        ) in html, path
    page = (await ada_browser.get(f"/prompts/{prompt_id}")).text
    assert f'data-answer-url="{base}/fragment"' in page  # the history's Copy
    assert f'data-answer-lazy="{base}/fragment"' in page  # and its "Show the answer"


async def test_dates_are_time_elements_for_the_readers_time_zone(
    app: FastAPI, ada_browser: Browser
) -> None:
    prompt_id = await create_prompt(ada_browser)
    await store_response(app, ada_browser, prompt_id)
    page = (await ada_browser.get(f"/prompts/{prompt_id}")).text
    stamps = re.findall(r'<time datetime="([^"]+)">([^<]+)</time>', page)
    assert stamps
    for iso, fallback in stamps:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", iso), iso
        assert fallback.endswith(" UTC"), fallback
    # Even the hidden words of the history's buttons: no date written any other way.
    assert not re.search(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC(?!</time>)", page)
