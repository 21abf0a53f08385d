"""What a client sends to run a prompt, on one model or several."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from promptpro.schemas.base import ModelId, ResponseText, WriteSchema
from promptpro.schemas.library import PromptParameters

VariableName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=100)]
Variables = Annotated[
    dict[VariableName, Annotated[ResponseText, Field(max_length=100_000)]], Field(max_length=100)
]


class RunCreate(WriteSchema):
    """Run a prompt once; model and parameters default to the prompt's own."""

    model: ModelId | None = None
    parameters: PromptParameters | None = None
    variables: Variables = Field(default_factory=dict)


class CompareCreate(WriteSchema):
    """Run a prompt on 2 to 6 models at once."""

    models: Annotated[
        list[ModelId],
        Field(min_length=2, max_length=6, json_schema_extra={"uniqueItems": True}),
    ]
    parameters: PromptParameters | None = None
    variables: Variables = Field(default_factory=dict)

    @field_validator("models")
    @classmethod
    def _distinct(cls, models: list[str]) -> list[str]:
        if len(set(models)) != len(models):
            raise ValueError("each model may be chosen once")
        return models
