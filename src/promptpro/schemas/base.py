"""The shared base of every schema and the constrained field types they reuse."""

from __future__ import annotations

import re
from typing import Annotated, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    GetJsonSchemaHandler,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic.alias_generators import to_camel
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

# A code point of a UTF-16 surrogate pair on its own: not a character, and no database
# (nor UTF-8) can store it. Python reads one from a JSON escape such as "\ud800".
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def no_nul(value: str) -> str:
    """Refuse what no database stores: the NUL character and lone surrogates."""
    if "\x00" in value:
        raise ValueError("must not contain the NUL character (\\u0000)")
    if LONE_SURROGATE.search(value):
        raise ValueError("must not contain a lone surrogate (\\ud800 to \\udfff): not a character")
    return value


def not_a_boolean(value: object) -> object:
    """Refuse true and false where a number is expected (pydantic would read them as 1 and 0)."""
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    return value


# Put on a number field: a JSON boolean is not a number.
NotBoolean = BeforeValidator(not_a_boolean)


def http_url(value: str) -> str:
    """Refuse anything but an http(s) URL with a host (no `javascript:`, `data:`, ...)."""
    scheme, _, rest = value.partition("://")
    if scheme.lower() not in ("http", "https") or not rest.split("/", 1)[0]:
        raise ValueError("must be an http:// or https:// URL")
    return value


class ReadSchema(BaseModel):
    """What the API returns: read from ORM objects, camelCase keys."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


class WriteSchema(BaseModel):
    """What clients send: camelCase keys (snake_case accepted), unknown keys refused."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        str_strip_whitespace=False,
        allow_inf_nan=False,
    )


class PatchSchema(WriteSchema):
    """A partial update: fields left out are kept; `not_null` fields can't be sent as null."""

    not_null: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The document says what the validator does: a `not_null` field is never null."""
        schema = handler.resolve_ref_schema(handler(core_schema))
        for name in cls.not_null:
            field = schema["properties"][to_camel(name)]
            field.pop("default", None)
            types = [option for option in field.pop("anyOf", []) if option != {"type": "null"}]
            if len(types) == 1:
                field.update(types[0])
            elif types:
                field["anyOf"] = types
        return schema

    # A field validator (not a model validator) so the error names the field at fault;
    # it runs only for fields that were sent, so leaving one out stays allowed.
    @field_validator("*", mode="after")
    @classmethod
    def _refuse_null_for_required(cls, value: object, info: ValidationInfo) -> object:
        if value is None and info.field_name in cls.not_null:
            raise ValueError(f"{to_camel(info.field_name)} may be left out, but not null")
        return value


Title = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, strip_whitespace=True),
    AfterValidator(no_nul),
]
PromptContent = Annotated[
    str, StringConstraints(min_length=1, max_length=100_000), AfterValidator(no_nul)
]
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100, strip_whitespace=True),
    AfterValidator(no_nul),
]
ShortText = Annotated[str, StringConstraints(max_length=255), AfterValidator(no_nul)]
HttpUrl = Annotated[
    str,
    StringConstraints(max_length=255, pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s]+"),
    AfterValidator(no_nul),
    AfterValidator(http_url),
]
LongText = Annotated[str, StringConstraints(max_length=5_000), AfterValidator(no_nul)]
ResponseText = Annotated[str, AfterValidator(no_nul)]
# `provider/model`, e.g. openai/gpt-4o-mini; the provider part is checked by the services.
# No `..` (each dot is followed by another character, or ends the id): the Gemini SDK
# refuses it in a model id, and no provider's model is named so.
ModelId = Annotated[
    str,
    StringConstraints(
        max_length=200,
        pattern=r"^[a-z0-9][a-z0-9_-]*/[A-Za-z0-9](?:[\w:\-/@]|\.[\w:\-/@])*\.?$",
    ),
]
