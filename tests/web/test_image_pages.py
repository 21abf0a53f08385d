"""Images in the pages: the run panel's image control per variable, thumbnails of a run's
images on its response page, `[image]` in the history."""

from __future__ import annotations

from fastapi import FastAPI

from promptpro.testing._images import PNG
from tests.web.conftest import Browser, create_prompt
from tests.web.test_run_pages import store_response


async def upload(browser: Browser) -> str:
    await browser.get("/prompts")  # for the CSRF token
    response = await browser.client.post(
        "/api/v1/uploads",
        files={"image": ("photo.png", PNG, "image/png")},
        headers={"X-CSRF-Token": browser.csrf},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_a_runs_images_show_as_thumbnails_and_come_back_to_the_panel(
    app: FastAPI, ada_browser: Browser
) -> None:
    prompt_id = await create_prompt(ada_browser)  # "… about {{topic}} in {{language}}"
    image = await upload(ada_browser)
    reference = {"image": image, "mediaType": "image/png", "sha256": "x" * 64}
    response_id = await store_response(
        app,
        ada_browser,
        prompt_id,
        variables={"topic": reference, "language": "English"},
        rendered_input="Write a haiku about [image: topic] in English.",
    )

    page = (await ada_browser.get(f"/prompts/{prompt_id}/responses/{response_id}")).text
    assert f'src="/api/v1/uploads/{image}"' in page
    assert 'alt="The image given as topic"' in page

    prompt_page = (await ada_browser.get(f"/prompts/{prompt_id}")).text
    assert 'data-image-input="topic"' in prompt_page
    assert 'data-image-input="language"' in prompt_page
    # The panel starts from that run: the image is kept (its field sends it), text as text.
    assert f'data-image-id="{image}"' in prompt_page
    assert "topic=[image]" in prompt_page  # the history row
