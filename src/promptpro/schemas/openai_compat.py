"""OpenAI's chat completions request, as the OpenAI-compatible endpoint reads it.

OpenAI's own names (snake_case), not the API's camelCase: any OpenAI client sends these.
Fields a client may send that the run path has no use for (`user`, `seed`, `tool_choice`,
`logprobs`, …) are ignored, as other OpenAI-compatible gateways do; `variables` is ours
(the SDK's `extra_body`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from promptpro.schemas.base import no_nul

MAX_REQUEST_MESSAGES = 1_000
MAX_VARIABLES = 200

Text = Annotated[str, StringConstraints(max_length=100_000), AfterValidator(no_nul)]


class _Loose(BaseModel):
    """Unknown fields are ignored (clients send many we don't use)."""

    model_config = ConfigDict(extra="ignore")


class ContentPart(_Loose):
    """A part of a message's content; only text parts can be run."""

    type: str
    text: Text | None = None


class FunctionCall(_Loose):
    name: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    arguments: Text = "{}"


class ToolCallIn(_Loose):
    id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    type: Literal["function"] = "function"
    function: FunctionCall


class MessageIn(_Loose):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: Text | list[ContentPart] | None = None
    name: Annotated[str, StringConstraints(max_length=64)] | None = None
    tool_calls: Annotated[list[ToolCallIn], Field(max_length=64)] | None = None
    tool_call_id: Annotated[str, StringConstraints(max_length=200)] | None = None


class FunctionIn(_Loose):
    name: str
    description: str = ""
    parameters: dict[str, Any] | None = None


class ToolIn(_Loose):
    type: Literal["function"] = "function"
    function: FunctionIn


class JsonSchemaFormat(_Loose):
    name: str = "output"
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")


class ResponseFormat(_Loose):
    type: Literal["text", "json_object", "json_schema"]
    json_schema: JsonSchemaFormat | None = None


class StreamOptions(_Loose):
    include_usage: bool = False


class ChatCompletionRequest(_Loose):
    """`POST /v1/chat/completions`."""

    model: Annotated[str, StringConstraints(min_length=1, max_length=400)]
    messages: Annotated[list[MessageIn], Field(max_length=MAX_REQUEST_MESSAGES)] = Field(
        default_factory=list
    )
    stream: bool = False
    stream_options: StreamOptions | None = None
    temperature: Annotated[float, Field(ge=0, le=2)] | None = None
    top_p: Annotated[float, Field(ge=0, le=1)] | None = None
    max_tokens: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    max_completion_tokens: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    stop: str | Annotated[list[str], Field(max_length=8)] | None = None
    response_format: ResponseFormat | None = None
    tools: Annotated[list[ToolIn], Field(max_length=32)] | None = None
    n: Annotated[int, Field(ge=1, le=1)] | None = None
    variables: dict[str, str | int | float | bool | None] | None = None

    @field_validator("variables")
    @classmethod
    def _bounded(
        cls, value: dict[str, str | int | float | bool | None] | None
    ) -> dict[str, str | int | float | bool | None] | None:
        if value is not None and len(value) > MAX_VARIABLES:
            raise ValueError(f"at most {MAX_VARIABLES} variables")
        for key, item in (value or {}).items():
            no_nul(key)
            if isinstance(item, str):
                no_nul(item)
        return value

    def variable_text(self) -> dict[str, str]:
        """The variables as the run path takes them: text (true/false, numbers as written;
        null as empty)."""
        out: dict[str, str] = {}
        for key, value in (self.variables or {}).items():
            if value is None:
                out[key] = ""
            elif isinstance(value, bool):
                out[key] = "true" if value else "false"
            else:
                out[key] = str(value)
        return out
