"""Labels on a prompt's versions, their history, restores, and change requests."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from promptpro.api.problems import problem_responses
from promptpro.deps import CurrentUser, StorageDep
from promptpro.schemas.labels import (
    ChangeRequestCreate,
    ChangeRequestRead,
    ChangeRequestReject,
    LabelEventRead,
    LabelRead,
    LabelSet,
    VersionRestore,
)
from promptpro.schemas.library import PromptVersionRead
from promptpro.services.change_requests import ChangeRequestService

router = APIRouter(tags=["labels"])


def label_service(storage: StorageDep, user: CurrentUser) -> ChangeRequestService:
    """Labels and change requests, acting for the signed-in user."""
    return ChangeRequestService(storage, user.id)


Labels = Annotated[ChangeRequestService, Depends(label_service)]
LabelPath = Annotated[str, Path(max_length=1000, description="e.g. production, staging")]


@router.get(
    "/prompts/{prompt_id}/labels",
    summary="List a prompt's labels",
    response_model=list[LabelRead],
    responses=problem_responses(401, 404, 422),
)
async def list_labels(prompt_id: int, labels: Labels) -> list[LabelRead]:
    """`latest` (always the newest version) first, then every label and its version."""
    return await labels.list_labels(prompt_id)


@router.put(
    "/prompts/{prompt_id}/labels/{label}",
    summary="Point a label at a version",
    response_model=LabelRead,
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def set_label(prompt_id: int, label: LabelPath, data: LabelSet, labels: Labels) -> LabelRead:
    """Promote a version (or roll back) by moving the label; the move is kept in its
    history. A protected label takes a workspace admin: editors open a change request."""
    return await labels.set_label(prompt_id, label, data)


@router.delete(
    "/prompts/{prompt_id}/labels/{label}",
    status_code=204,
    response_class=Response,
    summary="Remove a label",
    responses=problem_responses(401, 403, 404, 422),
)
async def remove_label(prompt_id: int, label: LabelPath, labels: Labels) -> None:
    """Take the label off the prompt (recorded in its history)."""
    await labels.remove_label(prompt_id, label)


@router.get(
    "/prompts/{prompt_id}/labels/{label}/history",
    summary="A label's moves",
    response_model=list[LabelEventRead],
    responses=problem_responses(401, 404, 422),
)
async def label_history(prompt_id: int, label: LabelPath, labels: Labels) -> list[LabelEventRead]:
    """Who moved the label, when, from which version to which, and why; newest first."""
    return await labels.history(prompt_id, label)


@router.post(
    "/prompts/{prompt_id}/versions/{version}/restore",
    status_code=201,
    summary="Restore an old version as a new one",
    response_model=PromptVersionRead,
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def restore_version(
    prompt_id: int,
    version: int,
    labels: Labels,
    data: VersionRestore | None = None,
) -> PromptVersionRead:
    """A new version copying version `version`; labels stay where they are."""
    return await labels.restore(prompt_id, version, data.message if data else None)


@router.post(
    "/prompts/{prompt_id}/change-requests",
    status_code=201,
    summary="Ask for a protected label to move",
    response_model=ChangeRequestRead,
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def create_change_request(
    prompt_id: int, data: ChangeRequestCreate, labels: Labels
) -> ChangeRequestRead:
    """A pending request; a workspace admin approves (the label moves) or rejects it."""
    return await labels.create(prompt_id, data)


@router.get(
    "/prompts/{prompt_id}/change-requests",
    summary="List a prompt's change requests",
    response_model=list[ChangeRequestRead],
    responses=problem_responses(401, 404, 422),
)
async def list_change_requests(
    prompt_id: int,
    labels: Labels,
    status: Annotated[
        str | None,
        Query(max_length=20, description="pending, approved or rejected"),
    ] = None,
) -> list[ChangeRequestRead]:
    """Newest first."""
    return await labels.list_for_prompt(prompt_id, status)


@router.post(
    "/change-requests/{change_request_id}/approve",
    summary="Approve a change request",
    response_model=ChangeRequestRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def approve_change_request(change_request_id: int, labels: Labels) -> ChangeRequestRead:
    """Move the label as asked (workspace admins and owners)."""
    return await labels.approve(change_request_id)


@router.post(
    "/change-requests/{change_request_id}/reject",
    summary="Reject a change request",
    response_model=ChangeRequestRead,
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def reject_change_request(
    change_request_id: int, data: ChangeRequestReject, labels: Labels
) -> ChangeRequestRead:
    """Refuse it, saying why (workspace admins and owners)."""
    return await labels.reject(change_request_id, data.reason)
