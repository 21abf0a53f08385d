"""Images on the wire: an upload's record, and an image given as a run's variable."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from promptpro.schemas.base import ReadSchema, WriteSchema, http_url, no_nul

UploadId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
ImageUrl = Annotated[
    str,
    StringConstraints(max_length=2_000, pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s]+"),
    AfterValidator(no_nul),
    AfterValidator(http_url),
]


class UploadRead(ReadSchema):
    """An uploaded image: its id (for `{"image": id}`), type from its bytes, hash, size."""

    id: str
    media_type: str = Field(description="image/png, image/jpeg, image/webp or image/gif.")
    sha256: str = Field(description="The bytes' SHA-256, hex: the same bytes are one upload.")
    size: int = Field(description="In bytes.")


class ImageVariable(WriteSchema):
    """A variable whose value is an uploaded image (`POST /api/v1/uploads`)."""

    image: UploadId


class ImageUrlVariable(WriteSchema):
    """A variable whose value is an image on the web, fetched when the run starts (through
    the outgoing-URL guard) and kept as an upload of the prompt's workspace."""

    image_url: ImageUrl


class StoredImage(ReadSchema):
    """An image variable as a run recorded it: the upload, never the bytes."""

    image: str = Field(description="The upload's id: GET /api/v1/uploads/{id} gives the bytes.")
    media_type: str
    sha256: str
