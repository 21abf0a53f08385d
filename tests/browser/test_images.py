"""An image in real Chromium: chosen for a variable in the run panel, run on a model that
takes images, the answer shown, the image a thumbnail on the response page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import FilePayload, Page, expect

from promptpro.testing import FakeProviderServer
from promptpro.testing._images import PNG
from tests.browser.steps import (
    add_key,
    create_prompt,
    register,
    run_output,
    settle,
    wait_for_estimate,
    wait_for_run_end,
)

pytestmark = pytest.mark.browser


def test_an_image_variable_runs_and_shows_on_the_response_page(
    page: Page, fake: FakeProviderServer, username: str
) -> None:
    fake.configure(text="A single white pixel.", chunks=2)
    register(page, username)
    add_key(page, "openai")
    prompt_id = create_prompt(page, "Describe", "Describe {{photo}}.", variables=["photo"])

    pixel: FilePayload = {"name": "pixel.png", "mimeType": "image/png", "buffer": PNG}
    page.get_by_test_id("image-input-photo").set_input_files(files=[pixel])
    expect(page.locator("[data-image-status=photo]")).to_have_text("Image for photo uploaded.")
    expect(page.get_by_test_id("run-preview")).to_contain_text("Describe [image: photo].")
    page.get_by_test_id("run-button").click()
    wait_for_run_end(page)

    expect(run_output(page)).to_contain_text("A single white pixel.")
    assert fake.last_request.images == [("image/png", PNG)]
    wait_for_estimate(page)  # leaving while it is asked would abort it
    page.get_by_test_id("history-item").first.get_by_test_id("open-response").click()
    expect(page).to_have_url(re.compile(rf"/prompts/{prompt_id}/responses/\d+$"))
    thumbnail = page.get_by_alt_text("The image given as photo")
    expect(thumbnail).to_be_visible()
    assert thumbnail.evaluate("image => image.naturalWidth") == 1  # the bytes were served


def test_an_image_variable_goes_to_every_model_of_a_compare(
    page: Page, fake: FakeProviderServer, username: str
) -> None:
    fake.configure(text="A single white pixel.")
    register(page, username)
    add_key(page, "openai")
    prompt_id = create_prompt(page, "Describe", "Describe {{photo}}.", variables=["photo"])
    page.goto(f"/compare?prompt={prompt_id}")
    settle(page)
    page.get_by_test_id("compare-models").get_by_label("GPT-4.1 mini", exact=True).check()
    form = page.get_by_test_id("compare-form")

    pixel: FilePayload = {"name": "pixel.png", "mimeType": "image/png", "buffer": PNG}
    form.get_by_test_id("image-input-photo").set_input_files(files=[pixel])
    expect(form.locator("[data-image-status=photo]")).to_have_text("Image for photo uploaded.")
    page.get_by_test_id("compare-run").click()

    expect(page.get_by_test_id("compare-status")).to_have_text("All models have answered.")
    expect(page.get_by_test_id("compare-column")).to_have_count(2)
    assert [request.images for request in fake.requests[-2:]] == [[("image/png", PNG)]] * 2
