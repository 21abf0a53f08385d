"""Images: upload one (stored once per workspace by its hash), read one back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, UploadFile, status
from fastapi.responses import Response

from promptpro.api.problems import problem_responses
from promptpro.deps import CurrentUser, SettingsDep, StorageDep
from promptpro.schemas.uploads import UploadRead
from promptpro.services.images import UploadService

router = APIRouter(prefix="/uploads", tags=["uploads"])

EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif"}


def upload_service(storage: StorageDep, user: CurrentUser, settings: SettingsDep) -> UploadService:
    """The upload service acting for the signed-in user."""
    return UploadService(storage, user.id, max_bytes=settings.upload_max_bytes)


Uploads = Annotated[UploadService, Depends(upload_service)]


@router.post(
    "",
    summary="Upload an image",
    description="A PNG, JPEG, WebP or GIF (judged from its bytes), at most "
    "`PROMPTPRO_UPLOAD_MAX_BYTES` (5 MB). The same bytes in the same workspace are one "
    "upload: sending them again answers the same id. Use it in a run as "
    '`{"image": "<id>"}`.',
    status_code=status.HTTP_201_CREATED,
    response_model=UploadRead,
    responses=problem_responses(401, 403, 413, 415, 422),
)
async def create_upload(
    uploads: Uploads,
    image: Annotated[UploadFile, File(description="The image file.")],
    workspace_id: Annotated[
        int | None, Form(alias="workspaceId", description="Default: your personal workspace.")
    ] = None,
) -> UploadRead:
    # One byte past the limit is enough to refuse it; the body limit bounds the rest.
    data = await image.read(uploads.max_bytes + 1)
    return await uploads.upload(data, workspace_id)


@router.get(
    "/{upload_id}",
    summary="An uploaded image's bytes",
    response_class=Response,
    responses={
        200: {"content": {media: {} for media in EXTENSIONS}, "description": "The image."},
        **problem_responses(401, 404),
    },
)
async def read_upload(
    uploads: Uploads, upload_id: Annotated[str, Path(description="The upload's id.")]
) -> Response:
    upload = await uploads.get(upload_id)
    extension = EXTENSIONS.get(upload.media_type, "bin")
    return Response(
        upload.data,
        media_type=upload.media_type,
        headers={
            # The type is the one read from the bytes; no browser may guess another.
            "X-Content-Type-Options": "nosniff",
            # A name we make (never one a client gave), shown inline.
            "Content-Disposition": f'inline; filename="image-{upload.id}.{extension}"',
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, max-age=86400",
            "ETag": f'"{upload.sha256}"',
        },
    )
