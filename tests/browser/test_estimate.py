"""The estimate next to Run, in real Chromium: shown on opening, fetched again as inputs change."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from promptpro.testing import FakeProviderServer
from tests.browser.conftest import Watch
from tests.browser.steps import add_key, create_prompt, register

pytestmark = pytest.mark.browser


def test_the_estimate_follows_the_inputs(
    page: Page, fake: FakeProviderServer, username: str, watch: Watch
) -> None:
    register(page, username)
    add_key(page, "openai")
    create_prompt(page, "Estimated", "Describe {{thing}}.", variables=["thing"])

    estimate = page.get_by_test_id("run-estimate")
    expect(estimate).to_contain_text(re.compile(r"Estimate: \$[\d.]+ · \d+ in"))
    expect(estimate).to_contain_text("OpenAI's tokenizer")
    before = estimate.inner_text()

    page.get_by_label("thing", exact=True).fill("a very long description " * 40)

    expect(estimate).not_to_have_text(before)
    expect(estimate).to_contain_text(re.compile(r"\d{3,} in"))
    assert fake.requests == []  # estimating an OpenAI model asks no provider
