"""Responses: what a model answered, and the record of the run that produced it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from promptpro.db.models import ResponseStatus
from promptpro.schemas.base import ModelId, ReadSchema, ResponseText, WriteSchema
from promptpro.schemas.library import PromptParameters

MAX_INT = 2**31 - 1  # PostgreSQL's integer


class ResponseRead(ReadSchema):
    """A stored response with its run record."""

    id: int
    prompt_id: int
    run_by_id: str | None = Field(
        default=None,
        serialization_alias="runBy",
        description="The id of the user who ran it (null for runs from before workspaces).",
    )
    content: str
    model: str
    generation_time: float | None
    created_at: datetime
    prompt_version_id: int | None
    rendered_input: str | None
    parameters: PromptParameters | None
    variables: dict[str, str] | None
    status: ResponseStatus
    error: dict[str, Any] | None
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    time_to_first_token: float | None
    rating: int | None = Field(
        default=None, description="1 (thumbs up), -1 (thumbs down), or null: not rated."
    )
    rating_note: str | None = Field(default=None, description="The note kept with the rating.")
    compare_group_id: int | None = Field(
        default=None, description="The compare run this answer was one column of."
    )
    snippets: list[dict[str, Any]] | None = Field(
        default=None,
        description="The prompts included with `{{> name}}`: [{name, version}].",
    )


class ResponseCreate(WriteSchema):
    """A response to store (the seed's InsertResponse plus the run record)."""

    content: ResponseText = ""
    model: ModelId
    generation_time: float | None = Field(default=None, ge=0)
    prompt_version_id: int | None = Field(default=None, ge=1, le=MAX_INT)
    rendered_input: ResponseText | None = None
    parameters: PromptParameters | None = None
    variables: dict[str, ResponseText] | None = None
    status: ResponseStatus = ResponseStatus.COMPLETED
    error: dict[str, Any] | None = None
    input_tokens: int | None = Field(default=None, ge=0, le=MAX_INT)
    output_tokens: int | None = Field(default=None, ge=0, le=MAX_INT)
    cost_usd: float | None = Field(default=None, ge=0)
    time_to_first_token: float | None = Field(default=None, ge=0)
    compare_group_id: int | None = Field(default=None, ge=1, le=MAX_INT)
    # The prompts included with `{{> name}}` and their versions: [{"name", "version"}].
    snippets: list[dict[str, Any]] | None = None


class ResponseUpdate(WriteSchema):
    """How a run ended: the fields a finished, failed or cancelled run fills in."""

    content: ResponseText | None = None
    generation_time: float | None = Field(default=None, ge=0)
    status: ResponseStatus | None = None
    error: dict[str, Any] | None = None
    input_tokens: int | None = Field(default=None, ge=0, le=MAX_INT)
    output_tokens: int | None = Field(default=None, ge=0, le=MAX_INT)
    cost_usd: float | None = Field(default=None, ge=0)
    time_to_first_token: float | None = Field(default=None, ge=0)


class CompareGroupRead(ReadSchema):
    """One compare run: its answers side by side, and the one marked the winner."""

    id: int
    prompt_id: int
    created_at: datetime
    winner_response_id: int | None
    responses: list[ResponseRead]


class WinnerUpdate(WriteSchema):
    """The response of the group to mark as the winner."""

    response_id: int = Field(ge=1, le=MAX_INT)
