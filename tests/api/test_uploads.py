"""Image uploads: the type read from the bytes, a size limit, one row per workspace and
hash, the bytes served back safely, and only to the workspace's members."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest

from promptpro.config import Settings
from promptpro.testing._images import GIF, JPEG, PNG, WEBP
from tests.api.test_workspaces import team_with
from tests.conftest import AppClientFactory
from tests.support.auth import register

UPLOADS = "/api/v1/uploads"
LIMIT = 2048  # bytes: a small limit, so that the test's "too large" image stays small


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"upload_max_bytes": LIMIT})


async def upload(
    client: httpx.AsyncClient, data: bytes, name: str = "picture.png", **form: Any
) -> httpx.Response:
    files = {"image": (name, data, "image/png")}  # the declared type is always png: ignored
    return await client.post(UPLOADS, files=files, data=form)


@pytest.mark.parametrize(
    ("data", "media_type"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp"), (GIF, "image/gif")],
)
async def test_the_type_comes_from_the_bytes_not_the_name_or_declared_type(
    ada: httpx.AsyncClient, data: bytes, media_type: str
) -> None:
    response = await upload(ada, data, name="holiday.png")

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["mediaType"] == media_type
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["size"] == len(data)
    assert set(body) == {"id", "mediaType", "sha256", "size"}


@pytest.mark.parametrize(
    "data", [b"just some text, named .png", b"<svg xmlns='http://www.w3.org/2000/svg'/>", b""]
)
async def test_bytes_that_are_no_image_we_take_are_a_415_saying_why(
    ada: httpx.AsyncClient, data: bytes
) -> None:
    response = await upload(ada, data)

    assert response.status_code == 415, response.text
    problem = response.json()
    assert problem["type"].endswith("/unsupported-media-type")
    assert "PNG, JPEG, WebP or GIF" in problem["detail"]
    assert problem["errors"][0]["field"] == "image"


async def test_an_image_over_the_limit_is_a_413(ada: httpx.AsyncClient) -> None:
    response = await upload(ada, PNG + b"\0" * LIMIT)

    assert response.status_code == 413, response.text
    assert response.json()["type"].endswith("/image-too-large")
    assert f"{LIMIT:,}" in response.json()["detail"]


async def test_the_same_bytes_are_stored_once_per_workspace(
    ada: httpx.AsyncClient, storage: Any
) -> None:
    first = (await upload(ada, PNG, name="a.png")).json()
    again = (await upload(ada, PNG, name="b.png")).json()
    other = (await upload(ada, JPEG)).json()
    team = await team_with(ada, {})
    in_team = (await upload(ada, PNG, workspaceId=str(team["id"]))).json()

    assert again["id"] == first["id"]
    assert other["id"] != first["id"]
    assert in_team["id"] != first["id"]  # another workspace keeps its own


async def test_the_bytes_come_back_with_their_type_and_safe_headers(
    ada: httpx.AsyncClient,
) -> None:
    uploaded = (await upload(ada, JPEG, name='evil"; name=x.html')).json()

    response = await ada.get(f"{UPLOADS}/{uploaded['id']}")

    assert response.status_code == 200
    assert response.content == JPEG
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"] == (
        f'inline; filename="image-{uploaded["id"]}.jpg"'
    )


async def test_another_workspaces_upload_is_a_404(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    uploaded = (await upload(ada, PNG)).json()

    assert (await bob.get(f"{UPLOADS}/{uploaded['id']}")).status_code == 404
    assert (await bob.get(f"{UPLOADS}/not-an-id")).status_code == 404
    # Uploading into a workspace bob is not in names the field.
    foreign = await upload(bob, PNG, workspaceId="1")
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["field"] == "workspaceId"


async def test_team_members_read_its_uploads_and_viewers_may_not_upload(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    team = await team_with(ada, {"bob": "viewer"})
    uploaded = (await upload(ada, GIF, workspaceId=str(team["id"]))).json()

    assert (await bob.get(f"{UPLOADS}/{uploaded['id']}")).content == GIF
    refused = await upload(bob, PNG, workspaceId=str(team["id"]))
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/role-required")


async def test_no_file_is_a_422(ada: httpx.AsyncClient) -> None:
    response = await ada.post(UPLOADS, data={"workspaceId": "1"})

    assert response.status_code == 422


async def test_the_upload_route_alone_takes_bodies_past_the_1_mb_limit(
    app_client: AppClientFactory,
) -> None:
    client = await app_client(upload_max_bytes=2 * 1024 * 1024)
    await register(client, "ada")
    big = PNG + b"\0" * (1024 * 1024 + 1)  # past the 1 MB every other route takes

    stored = await client.post(UPLOADS, files={"image": ("big.png", big)})
    elsewhere = await client.post("/api/v1/prompts", content=big)

    assert stored.status_code == 201, stored.text
    assert stored.json()["size"] == len(big)
    assert elsewhere.status_code == 413
