"""Export a workspace's library to a file, and import one: our format and other tools'."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import StreamingResponse

from promptpro.api.problems import problem_responses
from promptpro.deps import CurrentUser, SettingsDep, StorageDep
from promptpro.errors import Invalid
from promptpro.schemas.portability import ExportFormat, ImportReport, OnConflict
from promptpro.services.portability import files, registry
from promptpro.services.portability.export import export_scope
from promptpro.services.portability.import_ import Importer, ImportOptions, import_access

router = APIRouter(prefix="/workspaces", tags=["export and import"])

WorkspaceId = Annotated[int, Path(description="The workspace's id.")]
FormatQuery = Annotated[
    ExportFormat,
    Query(
        alias="format",
        description="promptpro (our JSON document), promptfoo (YAML config), langfuse (JSON), "
        "prompty, dotprompt, markdown (a zip of one file a prompt).",
    ),
]


def chosen_ids(values: list[str] | None) -> list[int] | None:
    """The prompt ids asked for: repeated parameters, each possibly a comma-separated list."""
    if not values:
        return None
    ids: list[int] = []
    for value in values:
        for part in value.split(","):
            if not part.strip().isdigit() or len(part.strip()) > 10:
                raise Invalid("promptIds are prompt ids (numbers).", field="promptIds")
            ids.append(int(part))
    return ids


@router.get(
    "/{workspace_id}/export",
    summary="Export the workspace's library",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The file (a zip for prompty, dotprompt and markdown), streamed.",
            "content": {
                media: {"schema": {"type": "string"}}
                for media in ("application/json", "application/yaml", "application/zip")
            },
        },
        **problem_responses(401, 404, 422),
    },
)
async def export_library(
    workspace_id: WorkspaceId,
    file_format: FormatQuery,
    request: Request,
    storage: StorageDep,
    user: CurrentUser,
    responses: Annotated[
        bool, Query(description="Include the responses and evaluation results (our format only).")
    ] = False,
    prompt_ids: Annotated[
        list[str] | None,
        Query(
            alias="promptIds",
            description="Only these prompts (and the snippets they include); repeat the "
            "parameter, or separate ids with commas.",
        ),
    ] = None,
) -> StreamingResponse:
    """Every category, tag, prompt (every version, labels and their history), snippet
    and test set of the workspace — never a key, a token or a password hash."""
    chosen = chosen_ids(prompt_ids)
    scope = await export_scope(storage, user.id, workspace_id, chosen, responses=responses)
    factory = request.app.state.session_factory
    spec = registry.FORMATS[file_format]
    name = registry.download_name(scope.workspace_name, file_format)

    async def body() -> AsyncIterator[bytes]:
        async for chunk in registry.export_bytes(factory, scope, file_format):
            yield chunk

    return StreamingResponse(
        body(),
        media_type=spec.media_type
        if spec.zipped or file_format != "promptpro"
        else "application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "description": "The file: JSON or YAML text, or a zip of files for prompty, "
        "dotprompt and markdown (one such file alone is taken too).",
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in ("application/octet-stream", "application/zip", "text/plain")
        },
    }
}


@router.post(
    "/{workspace_id}/import",
    summary="Import a file into the workspace's library",
    response_model=ImportReport,
    responses=problem_responses(401, 403, 404, 413, 422),
    openapi_extra=IMPORT_BODY,
)
async def import_library(
    workspace_id: WorkspaceId,
    file_format: FormatQuery,
    request: Request,
    storage: StorageDep,
    user: CurrentUser,
    settings: SettingsDep,
    dry_run: Annotated[
        bool, Query(alias="dryRun", description="Report what would happen; change nothing.")
    ] = False,
    on_conflict: Annotated[
        OnConflict,
        Query(
            alias="onConflict",
            description="A name already taken: skip it, rename the import (name-2), or add "
            "the imported wording as a new version (when it differs).",
        ),
    ] = "skip",
) -> ImportReport:
    """What was (or would be) created, updated, skipped, in conflict, and not carried.
    Importing the same file twice changes nothing the second time."""
    workspace, role = await import_access(storage, user.id, workspace_id)
    limits = files.Limits(
        max_bytes=settings.import_max_bytes,
        max_unzipped_bytes=settings.import_max_unzipped_bytes,
        max_files=settings.import_max_files,
    )
    upload = await files.spool(request.stream(), limits.max_bytes)
    with upload:
        library = registry.parse_upload(upload, file_format, limits)
        options = ImportOptions(
            format=file_format,
            dry_run=dry_run,
            on_conflict=on_conflict,
            max_rows=settings.test_set_max_rows,
        )
        return await Importer(storage, user.id, workspace, role, options).run(library)
