"""Own OpenAI-compatible endpoints on the wire, and what a key check answers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from promptpro.schemas.base import PatchSchema, ReadSchema, WriteSchema, http_url, no_nul
from promptpro.schemas.keys import ProviderKey

# What goes before the slash of `<endpoint-name>/<model>`: a provider id's form.
EndpointName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9_-]*$"),
]
BaseUrl = Annotated[
    str,
    StringConstraints(min_length=1, max_length=2048, strip_whitespace=True),
    AfterValidator(no_nul),
    AfterValidator(http_url),
]
ModelName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, pattern=r"^[^\s/][^\s]*$"),
    AfterValidator(no_nul),
]
Price = Annotated[float, Field(ge=0, le=1_000_000)]
MAX_MODELS = 1000


class EndpointModel(WriteSchema):
    """One model of an endpoint, with prices in USD per million tokens if you know them."""

    name: ModelName
    input_usd_per_mtok: Price | None = None
    output_usd_per_mtok: Price | None = None


class EndpointModelRead(ReadSchema):
    """One model of an endpoint; no price unless one was entered."""

    name: str
    input_usd_per_mtok: float | None = None
    output_usd_per_mtok: float | None = None


class EndpointCreate(WriteSchema):
    """A new endpoint: `name` becomes the prefix of its models' ids (`name/model`)."""

    name: EndpointName
    base_url: BaseUrl = Field(
        description="The OpenAI-style base URL, e.g. http://localhost:11434/v1"
    )
    key: ProviderKey | None = None
    models: list[EndpointModel] = Field(default_factory=list, max_length=MAX_MODELS)


class EndpointUpdate(PatchSchema):
    """Change an endpoint; `key: null` removes its key. A new host needs the key again."""

    not_null = ("name", "base_url", "models")

    name: EndpointName | None = None
    base_url: BaseUrl | None = None
    key: ProviderKey | None = None
    models: list[EndpointModel] | None = Field(default=None, max_length=MAX_MODELS)


class EndpointRead(ReadSchema):
    """An endpoint: never its key, at most a hint of it."""

    id: int
    workspace_id: int
    name: str
    base_url: str
    key_configured: bool
    key_hint: str | None
    models: list[EndpointModelRead]
    created_at: datetime
    updated_at: datetime


class KeyCheck(ReadSchema):
    """Whether a key works: `valid`, `refused` (with the provider's reason) or `unreachable`."""

    status: Literal["valid", "refused", "unreachable"]
    detail: str
