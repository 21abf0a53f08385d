"""Runs with image variables: each provider's own image format on the wire (streamed and
not), the vision check before any call, URLs through the outgoing guard, foreign uploads
unusable, and a record that names the upload, never the bytes."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from promptpro.providers.registry import ProviderRegistry
from promptpro.testing import FakeProviderServer
from promptpro.testing._images import GIF, JPEG, PNG
from tests.support.runs import create_prompt, stream_run

VISION = {
    "openai": "openai/gpt-4o-mini",
    "anthropic": "anthropic/claude-haiku-4-5",
    "gemini": "gemini/gemini-2.5-flash",
    "xai": "xai/grok-4",
}
TEMPLATE = "Describe {{photo}} in {{style}} style."


async def upload(client: httpx.AsyncClient, data: bytes, **form: Any) -> str:
    response = await client.post("/api/v1/uploads", files={"image": ("x", data)}, data=form)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def run_path(prompt: dict[str, Any]) -> str:
    return f"/api/v1/prompts/{prompt['id']}/run"


def texts_sent(provider: str, body: dict[str, Any]) -> list[str]:
    """The text parts of the (last) user turn, in each provider's shape."""
    if provider == "gemini":
        return [part["text"] for part in body["contents"][-1]["parts"] if "text" in part]
    return [part["text"] for part in body["messages"][-1]["content"] if part["type"] == "text"]


@pytest.mark.parametrize("streamed", [False, True], ids=["json", "sse"])
@pytest.mark.parametrize("provider", list(VISION))
async def test_an_image_goes_in_each_providers_own_format_where_its_variable_is(
    runner: httpx.AsyncClient, fake: FakeProviderServer, provider: str, streamed: bool
) -> None:
    image = await upload(runner, JPEG)
    prompt = await create_prompt(runner, content=TEMPLATE, model=VISION[provider])
    body = {"variables": {"photo": {"image": image}, "style": "haiku"}}

    if streamed:
        events = await stream_run(runner, run_path(prompt), body)
        assert events[-1].name == "done", events[-1].data
    else:
        answer = await runner.post(run_path(prompt), json=body)
        assert answer.status_code == 201, answer.text

    sent = fake.last_request
    assert sent.provider == ("openai" if provider == "xai" else provider)
    assert sent.stream is streamed
    assert sent.images == [("image/jpeg", JPEG)]
    assert texts_sent(sent.provider, sent.body) == ["Describe ", " in haiku style."]


def test_the_wire_shapes_are_each_providers_own() -> None:
    """What `images` reads, spelled out: the three formats a provider's docs give."""
    from promptpro.providers.types import ChatMessage, ImagePart, TextPart
    from promptpro.providers.wire import anthropic_messages, gemini_contents, openai_messages

    message = ChatMessage("user", "x", parts=(TextPart("See "), ImagePart("image/png", PNG)))
    encoded = base64.b64encode(PNG).decode()

    assert openai_messages([message])[0]["content"][1] == {
        "type": "image_url",
        "image_url": {"url": f"data:image/png;base64,{encoded}"},
    }
    assert anthropic_messages([message])[0]["content"][1] == {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": encoded},
    }
    assert gemini_contents([message])[0]["parts"][1] == {
        "inline_data": {"mime_type": "image/png", "data": PNG}
    }


async def test_the_record_names_the_upload_never_the_bytes(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    image = await upload(runner, PNG)
    prompt = await create_prompt(runner, content=TEMPLATE)
    answer = await runner.post(
        run_path(prompt), json={"variables": {"photo": {"image": image}, "style": "plain"}}
    )
    stored = (await runner.get(f"/api/v1/responses/{answer.json()['id']}")).json()

    assert stored["variables"] == {
        "photo": {
            "image": image,
            "mediaType": "image/png",
            "sha256": hashlib.sha256(PNG).hexdigest(),
        },
        "style": "plain",
    }
    assert stored["renderedInput"] == "Describe [image: photo] in plain style."
    assert base64.b64encode(PNG).decode() not in str(stored)
    # A re-run sends the same image again, read from its upload.
    again = await runner.post(f"/api/v1/responses/{stored['id']}/rerun")
    assert again.status_code == 201, again.text
    assert fake.last_request.images == [("image/png", PNG)]
    # The run panel starts from it.
    inputs = (await runner.get(f"/api/v1/prompts/{prompt['id']}/inputs")).json()
    assert inputs["variables"]["photo"]["image"] == image


async def test_a_tool_call_continuation_sends_the_image_again(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    image = await upload(runner, PNG)
    tool = {"name": "zoom", "description": "Zoom in", "parameters": {"type": "object"}}
    prompt = await create_prompt(
        runner, content=TEMPLATE, model=VISION["anthropic"], tools=[tool], parameters={}
    )
    fake.configure(text="", tool_calls=[{"id": "c1", "name": "zoom", "arguments": {}}])
    asked = await runner.post(
        run_path(prompt), json={"variables": {"photo": {"image": image}, "style": "x"}}
    )
    assert asked.status_code == 201, asked.text
    fake.configure(text="A pixel, zoomed.")

    answer = await runner.post(
        f"/api/v1/responses/{asked.json()['id']}/continue",
        json={"toolResults": [{"callId": "c1", "content": "zoomed"}]},
    )

    assert answer.status_code == 201, answer.text
    assert fake.last_request.images == [("image/png", PNG)]
    first_turn = answer.json()["messages"][0]
    assert first_turn["content"] == "Describe [image: photo] in x style."
    assert [part["type"] for part in first_turn["parts"]] == ["text", "image", "text"]


@pytest.mark.parametrize("model", ["openai/fake-model-1", "xai/grok-code-fast-1"])
async def test_a_model_that_takes_no_images_is_a_422_before_any_call(
    runner: httpx.AsyncClient, fake: FakeProviderServer, model: str
) -> None:
    image = await upload(runner, PNG)
    prompt = await create_prompt(runner, content=TEMPLATE)

    response = await runner.post(
        run_path(prompt),
        json={"model": model, "variables": {"photo": {"image": image}, "style": "x"}},
    )

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "model"
    assert "does not take images" in response.json()["detail"]
    assert fake.requests == []
    # Compare refuses the same way, before any column runs.
    compare = await runner.post(
        f"/api/v1/prompts/{prompt['id']}/compare",
        json={
            "models": [VISION["openai"], model],
            "variables": {"photo": {"image": image}, "style": "x"},
        },
    )
    assert compare.status_code == 422, compare.text
    assert fake.requests == []


async def test_another_users_upload_is_unusable_in_a_run(
    runner: httpx.AsyncClient, bob: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    theirs = await upload(bob, GIF)
    prompt = await create_prompt(runner, content=TEMPLATE)

    for image in (theirs, "0" * 32):
        response = await runner.post(
            run_path(prompt), json={"variables": {"photo": {"image": image}, "style": "x"}}
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "variables.photo"
    assert fake.requests == []


async def test_a_chat_prompt_takes_images_in_user_messages_only(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    image = await upload(runner, PNG)
    messages = [
        {"role": "system", "content": "You describe pictures."},
        {"role": "user", "content": "What is in {{photo}}?"},
    ]
    created = await runner.post(
        "/api/v1/prompts",
        json={"title": "Chat", "model": VISION["anthropic"], "messages": messages},
    )
    prompt = created.json()
    answer = await runner.post(run_path(prompt), json={"variables": {"photo": {"image": image}}})

    assert answer.status_code == 201, answer.text
    sent = fake.last_request.body
    assert sent["system"] == "You describe pictures."
    assert fake.last_request.images == [("image/png", PNG)]
    assert [b["type"] for b in sent["messages"][0]["content"]] == ["text", "image", "text"]

    bad = [{"role": "system", "content": "Look at {{photo}}."}, messages[1]]
    changed = await runner.patch(f"/api/v1/prompts/{prompt['id']}", json={"messages": bad})
    assert changed.status_code == 200, changed.text
    refused = await runner.post(run_path(prompt), json={"variables": {"photo": {"image": image}}})
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "messages"


@pytest.fixture
async def private_ok(app: FastAPI, runner: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """The runner, with private addresses allowed (the fake listens on loopback)."""
    providers = app.state.providers
    app.state.providers = ProviderRegistry(
        dataclasses.replace(providers.config, allow_private_endpoints=True)
    )
    await providers.aclose()
    yield runner


async def test_an_image_url_on_loopback_is_refused_without_the_setting(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    fake.files["cat.png"] = ("image/png", PNG)
    prompt = await create_prompt(runner, content=TEMPLATE)

    response = await runner.post(
        run_path(prompt),
        json={"variables": {"photo": {"imageUrl": f"{fake.url}/files/cat.png"}, "style": "x"}},
    )

    assert response.status_code == 422, response.text
    assert "loopback" in response.json()["detail"]
    assert response.json()["errors"][0]["field"] == "variables.photo"
    assert fake.requests == []  # neither the file nor a provider was asked


async def test_an_image_url_is_fetched_through_the_guard_and_kept_as_an_upload(
    private_ok: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    fake.files["cat.png"] = ("text/plain", GIF)  # the declared type is not believed
    fake.files["notes.txt"] = ("image/png", b"not an image at all")
    prompt = await create_prompt(private_ok, content=TEMPLATE)
    url = f"{fake.url}/files/cat.png"

    answer = await private_ok.post(
        run_path(prompt), json={"variables": {"photo": {"imageUrl": url}, "style": "x"}}
    )

    assert answer.status_code == 201, answer.text
    assert fake.last_request.images == [("image/gif", GIF)]
    recorded = answer.json()["variables"]["photo"]
    assert recorded["mediaType"] == "image/gif"
    kept = await private_ok.get(f"/api/v1/uploads/{recorded['image']}")
    assert kept.content == GIF
    fake.file_redirects["moved.png"] = f"{fake.url}/files/cat.png"  # never followed
    for name, kind in (
        ("notes.txt", "unsupported-media-type"),
        ("missing.png", "image-refused"),
        ("moved.png", "image-refused"),
    ):
        refused = await private_ok.post(
            run_path(prompt),
            json={"variables": {"photo": {"imageUrl": f"{fake.url}/files/{name}"}, "style": "x"}},
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["type"].endswith(kind)
    assert [r.path for r in fake.requests if r.provider == "files"][-1] == "/files/moved.png"


@pytest.mark.parametrize(
    "value",
    [{"image": "not-an-id"}, {"imageUrl": "ftp://example.com/x.png"}, {"image": "a", "x": 1}],
)
async def test_a_malformed_image_variable_is_a_422(
    runner: httpx.AsyncClient, value: dict[str, Any]
) -> None:
    prompt = await create_prompt(runner, content=TEMPLATE)

    response = await runner.post(run_path(prompt), json={"variables": {"photo": value}})

    assert response.status_code == 422, response.text
