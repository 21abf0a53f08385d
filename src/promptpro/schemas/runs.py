"""What a client sends to run a prompt, on one model or several."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, PlainValidator, TypeAdapter, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from promptpro.schemas.base import ModelId, ResponseText, WriteSchema
from promptpro.schemas.library import PromptParameters
from promptpro.schemas.uploads import ImageUrlVariable, ImageVariable

VariableName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=100)]
Variables = Annotated[
    dict[VariableName, Annotated[ResponseText, Field(max_length=100_000)]], Field(max_length=100)
]
TextValue = Annotated[ResponseText, Field(max_length=100_000)]
VariableValue = TextValue | ImageVariable | ImageUrlVariable
_TEXT_VALUE: TypeAdapter[str] = TypeAdapter(TextValue)
_IMAGE_VALUE = TypeAdapter(ImageVariable)
_IMAGE_URL_VALUE = TypeAdapter(ImageUrlVariable)


def _variable_value(value: Any) -> VariableValue:
    """Text, or an image when an object: checked as the one kind it is, so that a bad value
    is one error on `variables.<name>` (a plain union would report every kind it is not)."""
    if not isinstance(value, dict):
        adapter: TypeAdapter[Any] = _TEXT_VALUE
    elif "imageUrl" in value:
        adapter = _IMAGE_URL_VALUE
    else:
        adapter = _IMAGE_VALUE
    try:
        result: VariableValue = adapter.validate_python(value)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        reason = f"{where}: {error['msg']}" if where else error["msg"]
        raise PydanticCustomError("variable", "{reason}", {"reason": reason}) from None
    return result


# A run's variables may also be images: `{"image": "<upload id>"}` or `{"imageUrl": "https://…"}`.
RunVariables = Annotated[
    dict[
        VariableName,
        Annotated[
            VariableValue, PlainValidator(_variable_value, json_schema_input_type=VariableValue)
        ],
    ],
    Field(max_length=100),
]


VersionNumber = Annotated[int, Field(ge=1, le=2**31 - 1)]


class RunCreate(WriteSchema):
    """Run a prompt once; model and parameters default to the prompt's own (with
    `version`, that version's own wording, model and parameters)."""

    model: ModelId | None = None
    parameters: PromptParameters | None = None
    variables: RunVariables = Field(default_factory=dict)
    version: VersionNumber | None = Field(
        default=None,
        description="Run this saved version (e.g. the one a label points at) instead of the "
        "prompt as it is now.",
    )


# Each item once (checked by the validators below; said in the OpenAPI document).
DISTINCT: dict[str, Any] = {"json_schema_extra": {"uniqueItems": True}}


class CompareCreate(WriteSchema):
    """Run a prompt on 2 to 6 models at once, or 2 to 6 of its versions on one model.

    With `versions`, `model` (or a single entry in `models`) names the model, which defaults
    to each version's own.
    """

    models: Annotated[list[ModelId], Field(min_length=1, max_length=6, **DISTINCT)] | None = None
    versions: (
        Annotated[list[VersionNumber], Field(min_length=2, max_length=6, **DISTINCT)] | None
    ) = None
    model: ModelId | None = None
    parameters: PromptParameters | None = None
    variables: RunVariables = Field(default_factory=dict)

    @field_validator("models")
    @classmethod
    def _distinct(cls, models: list[str] | None) -> list[str] | None:
        if models is not None and len(set(models)) != len(models):
            raise ValueError("each model may be chosen once")
        return models

    @field_validator("versions")
    @classmethod
    def _distinct_versions(cls, versions: list[int] | None) -> list[int] | None:
        if versions is not None and len(set(versions)) != len(versions):
            raise ValueError("each version may be chosen once")
        return versions
