"""Categories, prompts, their parameters and their versions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from promptpro.schemas.base import (
    LongText,
    ModelId,
    Name,
    NotBoolean,
    PatchSchema,
    PromptContent,
    ReadSchema,
    ShortText,
    Title,
    WriteSchema,
    no_nul,
)
from promptpro.schemas.chat import (
    ChatMessage,
    ChatMessageRead,
    JsonSchema,
    Messages,
    PromptType,
    ToolDefinitionRead,
    Tools,
    readable_messages,
)
from promptpro.schemas.names import PromptName


class CategoryRead(ReadSchema):
    """A category."""

    id: int
    workspace_id: int
    name: str
    description: str | None
    created_at: datetime
    updated_at: datetime


class CategoryCreate(WriteSchema):
    """A new category; its name is unique per workspace regardless of case."""

    # None: the author's personal workspace.
    workspace_id: Annotated[int, NotBoolean] | None = None
    name: Name
    description: LongText | None = None


class CategoryUpdate(PatchSchema):
    """A change to a category; only the fields sent are changed."""

    not_null = ("name",)

    name: Name | None = None
    description: LongText | None = None


# What a version changed, in its author's words.
VersionMessage = Annotated[str, StringConstraints(max_length=500), AfterValidator(no_nul)]

# A system prompt may be as long as a prompt (LongText's 5,000 characters is too short).
SystemText = Annotated[str, StringConstraints(max_length=100_000), AfterValidator(no_nul)]


class PromptParameters(WriteSchema):
    """Generation settings; each provider maps them to its own names."""

    temperature: Annotated[float, Field(ge=0, le=2), NotBoolean] | None = None
    max_tokens: Annotated[int, Field(ge=1, le=1_000_000), NotBoolean] | None = None
    top_p: Annotated[float, Field(ge=0, le=1), NotBoolean] | None = None
    system: SystemText | None = None
    stop: Annotated[list[ShortText], Field(max_length=8)] | None = None


MAX_TAGS = 20
MAX_TAG_LENGTH = 40


def normalise_tags(tags: list[str]) -> list[str]:
    """Tags trimmed, lower-cased and de-duplicated (in the order given), or a clear error."""
    normalised: list[str] = []
    for raw in tags:
        tag = no_nul(raw).strip().lower()
        if not tag:
            raise ValueError("a tag can't be empty")
        if len(tag) > MAX_TAG_LENGTH:
            raise ValueError(f"a tag is at most {MAX_TAG_LENGTH} characters")
        if tag not in normalised:
            normalised.append(tag)
    if len(normalised) > MAX_TAGS:
        raise ValueError(f"a prompt has at most {MAX_TAGS} tags")
    return normalised


# Bounded before normalising too, so a huge list is refused before it is walked.
Tags = Annotated[
    list[Annotated[str, StringConstraints(max_length=1_000)]],
    Field(max_length=100),
    AfterValidator(normalise_tags),
]


class PromptRead(ReadSchema):
    """A prompt as it is now."""

    id: int
    workspace_id: int
    name: str = Field(description="Unique in its workspace; `/` makes folders.")
    title: str
    content: str
    category_id: int | None
    model: str | None
    parameters: PromptParameters | None
    type: PromptType = "text"
    messages: list[ChatMessageRead] | None = None
    output_schema: dict[str, Any] | None = Field(default=None, alias="schema")
    tools: list[ToolDefinitionRead] | None = None
    last_fetched_at: datetime | None = Field(
        default=None, description="When an application last fetched it by name (to the minute)."
    )
    tags: list[str] = Field(default_factory=list, description="Sorted, lower-case.")
    favourite: bool = Field(default=False, description="Whether you starred it.")
    run_count: int = Field(default=0, description="How many responses it has.")
    labels: dict[str, int] = Field(
        default_factory=dict,
        description="label -> version number (`latest`, always the newest, is not listed).",
    )
    created_at: datetime
    updated_at: datetime


SCHEMA_FIELD = Field(
    default=None,
    alias="schema",
    description="A JSON Schema the output must fit (null: free text).",
)


class PromptCreate(WriteSchema):
    """A new prompt (saved as version 1): text (`content`) or chat (`messages`).

    A chat prompt's `content` is made from its messages ("role: text" blocks), so the
    library's list and search show it; any `content` sent with one is not used.
    """

    # None: the author's personal workspace.
    workspace_id: Annotated[int, NotBoolean] | None = None
    # None: made from the title, unique in the workspace (`my-title`, `my-title-2`, …).
    name: PromptName | None = None
    title: Title
    type: PromptType | None = Field(
        default=None, description='"text" or "chat"; left out: "chat" if messages are sent.'
    )
    # Checked even when left out (validate_default): whether they may be depends on `type`.
    messages: Messages | None = Field(default=None, validate_default=True)
    content: PromptContent | None = Field(default=None, validate_default=True)
    output_schema: JsonSchema | None = SCHEMA_FIELD
    tools: Tools | None = None
    category_id: Annotated[int, NotBoolean] | None = None
    model: ModelId | None = None
    parameters: PromptParameters | None = None
    tags: Tags = Field(default_factory=list)
    message: VersionMessage | None = None

    @field_validator("messages")
    @classmethod
    def _messages_for_chat(
        cls, messages: list[ChatMessage] | None, info: ValidationInfo
    ) -> list[ChatMessage] | None:
        if _kind(info.data.get("type"), messages) == "chat":
            if not messages:
                raise ValueError("a chat prompt needs at least one message")
        elif messages is not None:
            raise ValueError('messages go with type "chat"; a text prompt has content')
        return messages

    @field_validator("content")
    @classmethod
    def _content_for_text(cls, content: str | None, info: ValidationInfo) -> str | None:
        if "messages" not in info.data:
            return content  # the messages were refused: that error says it
        messages = info.data["messages"]
        if _kind(info.data.get("type"), messages) == "chat":
            return readable_messages(m.model_dump() for m in messages or ())
        if content is None:
            raise ValueError("a text prompt needs content")
        return content

    @model_validator(mode="after")
    def _settle_type(self) -> PromptCreate:
        self.type = _kind(self.type, self.messages)  # type: ignore[assignment]
        return self


def _kind(kind: str | None, messages: object) -> str:
    """The prompt's type: as sent, else chat when it has messages."""
    return kind or ("chat" if messages is not None else "text")


class PromptUpdate(PatchSchema):
    """A change to a prompt; a change of title, content, messages, type, schema, tools, model
    or parameters adds a version. Sending `messages` alone keeps (or makes) it a chat prompt.

    `tags` replaces the prompt's tags whole and saves no version.
    """

    not_null = ("title", "content", "tags", "type", "name")

    name: PromptName | None = Field(
        default=None, description="A rename breaks applications that fetch the old name."
    )
    title: Title | None = None
    type: PromptType | None = None
    content: PromptContent | None = None
    messages: Messages | None = None
    output_schema: JsonSchema | None = SCHEMA_FIELD
    tools: Tools | None = None
    category_id: Annotated[int, NotBoolean] | None = None
    model: ModelId | None = None
    parameters: PromptParameters | None = None
    tags: Tags | None = None
    message: VersionMessage | None = Field(
        default=None, description="What changed, kept on the version this change saves."
    )


class PromptVersionRead(ReadSchema):
    """One saved state of a prompt."""

    id: int
    prompt_id: int
    version: int
    title: str
    content: str
    type: PromptType = "text"
    messages: list[ChatMessageRead] | None = None
    output_schema: dict[str, Any] | None = Field(default=None, alias="schema")
    tools: list[ToolDefinitionRead] | None = None
    model: str | None
    parameters: PromptParameters | None
    message: str | None = None
    created_at: datetime
