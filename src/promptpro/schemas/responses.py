"""Responses: what a model answered, and the record of the run that produced it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from promptpro.db.models import ResponseStatus
from promptpro.schemas.base import ModelId, ReadSchema, ResponseText, WriteSchema
from promptpro.schemas.chat import ToolCallRead
from promptpro.schemas.library import PromptParameters
from promptpro.schemas.uploads import StoredImage

MAX_INT = 2**31 - 1  # PostgreSQL's integer
KeySource = Literal["workspace", "personal"]


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
    variables: dict[str, str | StoredImage] | None
    status: ResponseStatus
    error: dict[str, Any] | None
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None = Field(
        description="What the run cost in USD; null: no price (the model or a price is unknown)."
    )
    cached_input_tokens: int | None = Field(
        default=None, description="Of the input tokens, those read from the provider's cache."
    )
    cache_write_tokens: int | None = Field(
        default=None, description="Of the input tokens, those written to the provider's cache."
    )
    reasoning_tokens: int | None = Field(
        default=None, description="Of the output tokens, those spent reasoning (thinking)."
    )
    price_table: str | None = Field(
        default=None, description="The date of the model catalogue that priced the run."
    )
    time_to_first_token: float | None
    rating: int | None = Field(
        default=None, description="1 (thumbs up), -1 (thumbs down), or null: not rated."
    )
    rating_note: str | None = Field(default=None, description="The note kept with the rating.")
    compare_group_id: int | None = Field(
        default=None, description="The compare run this answer was one column of."
    )
    messages: list[dict[str, Any]] | None = Field(
        default=None,
        description="A chat prompt's conversation as sent, every earlier turn included.",
    )
    schema_valid: bool | None = Field(
        default=None,
        description="Whether the output parsed as JSON and fit the prompt's schema "
        "(null: the prompt has no schema).",
    )
    schema_errors: list[str] | None = Field(
        default=None, description="Why the output did not fit the schema."
    )
    tool_calls: list[ToolCallRead] | None = Field(
        default=None, description="The tools the model asked to call."
    )
    previous_response_id: int | None = Field(
        default=None, description="The response whose tool calls this one continues."
    )
    key_source: KeySource | None = Field(
        default=None,
        description="Whose provider key paid: `workspace` (the prompt's workspace's own key) "
        "or `personal` (the key of the member who ran it); null for runs from before.",
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
    variables: dict[str, ResponseText | dict[str, str]] | None = None
    status: ResponseStatus = ResponseStatus.COMPLETED
    error: dict[str, Any] | None = None
    input_tokens: int | None = Field(default=None, ge=0, le=MAX_INT)
    output_tokens: int | None = Field(default=None, ge=0, le=MAX_INT)
    cost_usd: float | None = Field(default=None, ge=0)
    cached_input_tokens: int | None = Field(default=None, ge=0, le=MAX_INT)
    cache_write_tokens: int | None = Field(default=None, ge=0, le=MAX_INT)
    reasoning_tokens: int | None = Field(default=None, ge=0, le=MAX_INT)
    price_table: str | None = Field(default=None, max_length=10)
    time_to_first_token: float | None = Field(default=None, ge=0)
    compare_group_id: int | None = Field(default=None, ge=1, le=MAX_INT)
    messages: list[dict[str, Any]] | None = None
    schema_valid: bool | None = None
    schema_errors: list[str] | None = None
    tool_calls: list[dict[str, Any]] | None = None
    previous_response_id: int | None = Field(default=None, ge=1, le=MAX_INT)
    key_source: KeySource | None = None
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
    cached_input_tokens: int | None = Field(default=None, ge=0, le=MAX_INT)
    cache_write_tokens: int | None = Field(default=None, ge=0, le=MAX_INT)
    reasoning_tokens: int | None = Field(default=None, ge=0, le=MAX_INT)
    price_table: str | None = Field(default=None, max_length=10)
    time_to_first_token: float | None = Field(default=None, ge=0)
    schema_valid: bool | None = None
    schema_errors: list[str] | None = None
    tool_calls: list[dict[str, Any]] | None = None


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
