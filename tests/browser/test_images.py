"""An image in real Chromium: chosen for a variable in the run panel, run on a model that
takes images, the answer shown, the image a thumbnail on the response page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import FilePayload, Page, expect

from promptpro.testing import FakeProviderServer
from promptpro.testing._images import PNG
from tests.browser.steps import add_key, create_prompt, register, run_output, wait_for_run_end

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
    page.get_by_test_id("history-item").first.get_by_test_id("open-response").click()
    expect(page).to_have_url(re.compile(rf"/prompts/{prompt_id}/responses/\d+$"))
    thumbnail = page.get_by_alt_text("The image given as photo")
    expect(thumbnail).to_be_visible()
    assert thumbnail.evaluate("image => image.naturalWidth") == 1  # the bytes were served
