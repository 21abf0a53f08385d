"""Images: what a file is (from its bytes), uploads stored once per workspace by hash, and
a run's image variables made ready to send.

The type is read from the magic numbers at the start of the bytes, never from the file's
name or the declared content type, which the client chooses: a `.png` holding JPEG bytes
is a JPEG, and text is no image at all.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from promptpro.db.models import Upload
from promptpro.errors import AddressRefused, ImageRefused, NotFound
from promptpro.schemas.uploads import ImageUrlVariable, ImageVariable, UploadRead
from promptpro.security.outgoing import OutgoingGuard
from promptpro.services import permissions
from promptpro.services.workspaces import target_workspace
from promptpro.storage import Storage

NO_SUCH_UPLOAD = "No such upload."
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif")
# The whole fetch of an image URL (the guard's connect timeout bounds name resolution).
FETCH_SECONDS = 20.0


def sniff(data: bytes) -> str | None:
    """The image type the bytes begin with (PNG, JPEG, WebP, GIF), or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def checked_type(data: bytes, max_bytes: int, *, field: str, uploaded: bool) -> str:
    """The bytes' image type, or ImageRefused: too large (413 for an upload), not an image
    we take (415 for an upload; 422 for a run's URL, where the request itself was fine)."""
    if len(data) > max_bytes:
        raise ImageRefused(
            f"The image is {len(data):,} bytes, over the limit of {max_bytes:,}.",
            field=field,
            status=413 if uploaded else 422,
            kind="image-too-large",
        )
    media_type = sniff(data)
    if media_type is None:
        raise ImageRefused(
            "This is not a PNG, JPEG, WebP or GIF image (judged from its bytes, "
            "not its name or declared type).",
            field=field,
            status=415 if uploaded else 422,
            kind="unsupported-media-type",
        )
    return media_type


@dataclass(frozen=True)
class ImageData:
    """An image ready to send: its upload, type, hash and bytes (never in a record)."""

    upload_id: str
    media_type: str
    sha256: str
    data: bytes = field(repr=False)

    @classmethod
    def of(cls, upload: Upload) -> ImageData:
        return cls(upload.id, upload.media_type, upload.sha256, upload.data)

    def reference(self) -> dict[str, str]:
        """How a run records it: the upload, not the bytes."""
        return {"image": self.upload_id, "mediaType": self.media_type, "sha256": self.sha256}


async def fetch_image(guard: OutgoingGuard, url: str, max_bytes: int, *, field: str) -> bytes:
    """The bytes at `url`, fetched through the outgoing guard (http(s) only, no private
    address unless allowed, no redirects), at most `max_bytes` + 1 of them read."""
    guard.check_url(url, field=field)  # the URL's form alone (a literal address) first
    received = bytearray()
    try:
        async with (
            asyncio.timeout(FETCH_SECONDS),
            guard.client(timeout=FETCH_SECONDS) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise ImageRefused(
                    f"Fetching the image answered {response.status_code}, not 200 "
                    "(redirects are not followed).",
                    field=field,
                )
            async for chunk in response.aiter_bytes():
                received += chunk
                if len(received) > max_bytes:
                    break  # enough to say it is too large
    except (ImageRefused, AddressRefused):
        raise
    except Exception as exc:  # transport failures of every kind: the URL can't be used
        cause: BaseException | None = exc
        while cause is not None:  # the guard's refusal, raised inside the connection
            if isinstance(cause, AddressRefused):
                raise AddressRefused(cause.detail, field=field) from None
            cause = cause.__cause__ or cause.__context__
        raise ImageRefused(
            f"The image could not be fetched ({type(exc).__name__}).", field=field
        ) from None
    return bytes(received)


class UploadService:
    """One user's uploads: store (once per workspace by hash) and read them."""

    def __init__(self, storage: Storage, actor_id: str, *, max_bytes: int) -> None:
        self.storage = storage
        self.actor_id = actor_id
        self.max_bytes = max_bytes

    async def upload(self, data: bytes, workspace_id: int | None) -> UploadRead:
        """Store an uploaded image in the workspace (None: the personal one)."""
        media_type = checked_type(data, self.max_bytes, field="image", uploaded=True)
        workspace = await target_workspace(self.storage, self.actor_id, workspace_id)
        role = await self.storage.role_in(self.actor_id, workspace)
        permissions.require_role(role, "uploads.write")
        stored = await self.storage.store_upload(
            self.actor_id,
            workspace,
            media_type=media_type,
            sha256=hashlib.sha256(data).hexdigest(),
            data=data,
        )
        return UploadRead.model_validate(stored)

    async def get(self, upload_id: str) -> Upload:
        """An upload of one of the user's workspaces (NotFound otherwise)."""
        upload = await self.storage.get_upload(self.actor_id, upload_id)
        if upload is None:
            raise NotFound(NO_SUCH_UPLOAD)
        return upload


async def store_url_image(
    storage: Storage,
    guard: OutgoingGuard,
    actor_id: str,
    workspace_id: int,
    url: str,
    max_bytes: int,
    field: str,
) -> Upload:
    """The image at `url`, fetched through the guard and stored as an upload of the
    workspace (the actor needs `uploads.write` there)."""
    data = await fetch_image(guard, url, max_bytes, field=field)
    media_type = checked_type(data, max_bytes, field=field, uploaded=False)
    permissions.require_role(await storage.role_in(actor_id, workspace_id), "uploads.write")
    return await storage.store_upload(
        actor_id,
        workspace_id,
        media_type=media_type,
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        source_url=url,
    )


async def run_images(
    storage: Storage,
    guard: OutgoingGuard,
    actor_id: str,
    prompt_workspace: int | None,
    variables: Mapping[str, Any],
    *,
    max_bytes: int,
) -> tuple[dict[str, str], dict[str, ImageData]]:
    """A run's variables split into text values and images, by name.

    An `{"image": id}` must be an upload of one of the runner's workspaces (another's is
    unusable, 422 naming the variable); an `{"imageUrl": url}` is fetched now, through the
    guard, and stored as an upload of the prompt's workspace (`prompt_workspace`), so the
    run's record keeps it. A re-run passes the recorded `{"image": id, ...}` back.
    """
    texts: dict[str, str] = {}
    images: dict[str, ImageData] = {}
    for name, value in variables.items():
        where = f"variables.{name}"
        if isinstance(value, str):
            texts[name] = value
            continue
        if isinstance(value, ImageUrlVariable):
            if prompt_workspace is None:
                raise NotFound("No such prompt.")
            stored = await store_url_image(
                storage, guard, actor_id, prompt_workspace, value.image_url, max_bytes, where
            )
            images[name] = ImageData.of(stored)
            continue
        upload_id = value.image if isinstance(value, ImageVariable) else _recorded_id(value)
        upload = await storage.get_upload(actor_id, upload_id) if upload_id else None
        if upload is None:
            raise ImageRefused(
                f"No upload {upload_id!r} in your workspaces: upload the image first "
                "(POST /api/v1/uploads).",
                field=where,
                kind="no-such-upload",
            )
        images[name] = ImageData.of(upload)
    return texts, images


def _recorded_id(value: object) -> str | None:
    """The upload id of an image variable as a run recorded it ({"image": id, ...})."""
    if isinstance(value, Mapping) and isinstance(value.get("image"), str):
        return str(value["image"])
    return None
