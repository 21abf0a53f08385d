"""Labels, their history, change requests and a prompt fetched by name, on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints

from promptpro.schemas.base import NotBoolean, ReadSchema, WriteSchema, no_nul
from promptpro.schemas.names import LabelName

Note = Annotated[str, StringConstraints(max_length=500), AfterValidator(no_nul)]
VersionNumber = Annotated[int, Field(ge=1, le=2_147_483_647), NotBoolean]


class LabelRead(ReadSchema):
    """A label and the version it points at (`latest`: always the newest, computed)."""

    label: str
    version: int
    protected: bool = Field(description="Only workspace admins and owners may move it.")
    updated_at: datetime | None = None
    updated_by: str | None = None


class LabelSet(WriteSchema):
    """Point a label at a version."""

    version: VersionNumber
    note: Note | None = None


class LabelEventRead(ReadSchema):
    """One move of a label (from None: it was set; to None: it was removed)."""

    label: str
    from_version: int | None
    to_version: int | None
    actor_id: str | None
    note: str | None
    change_request_id: int | None
    occurred_at: datetime


class VersionRestore(WriteSchema):
    """Restore an old version as a new one."""

    message: Note | None = None


class ChangeRequestCreate(WriteSchema):
    """Ask an admin to move a protected label."""

    label: LabelName
    version: VersionNumber
    note: Note | None = None


class ChangeRequestReject(WriteSchema):
    """Why a change request is refused."""

    reason: Annotated[str, StringConstraints(min_length=1, max_length=500), AfterValidator(no_nul)]


class ChangeRequestRead(ReadSchema):
    """A request to move a protected label, and what became of it."""

    id: int
    prompt_id: int
    label: str
    version: int
    base_version: int | None = Field(description="Where the label pointed when asked.")
    note: str | None
    status: Literal["pending", "approved", "rejected"]
    requested_by: str | None
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None


class SnippetUse(ReadSchema):
    """A prompt included with `{{> name}}`, and the version that was used."""

    name: str
    version: int


class FetchedPrompt(ReadSchema):
    """A prompt as an application needs it, snippets resolved, variables left to fill."""

    name: str
    type: str = Field(description="`text` or `chat`.")
    version: int
    labels: list[str] = Field(description="Every label on this version, `latest` included.")
    text: str = Field(description="The wording with `{{> snippets}}` resolved.")
    model: str | None
    parameters: dict[str, Any] | None
    variables: list[str] = Field(description="The `{{variables}}` to fill in.")
    snippets: list[SnippetUse]
    messages: list[dict[str, Any]] | None = Field(
        default=None,
        description="A chat prompt's messages [{role, content}], snippets resolved "
        "(null for a text prompt).",
    )
    output_schema: dict[str, Any] | None = Field(
        default=None, alias="schema", description="The JSON Schema the output must fit."
    )
    tools: list[dict[str, Any]] | None = Field(
        default=None, description="The tools the model may call: [{name, description, parameters}]."
    )
    prompt_id: int
    workspace_id: int
