"""Provider keys on the wire: what is shown about a stored key, and a key to store."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field, SecretStr

from promptpro.schemas.base import ReadSchema, WriteSchema


class KeyProvider(enum.StrEnum):
    """The providers a user can store a key for, in the order they are listed."""

    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    GEMINI = "gemini"
    XAI = "xai"


MIN_KEY_LENGTH = 8
MAX_KEY_LENGTH = 512


def plausible_key(value: SecretStr) -> SecretStr:
    """Refuse what can't be a provider key; the messages never repeat the value."""
    key = value.get_secret_value()
    if not MIN_KEY_LENGTH <= len(key) <= MAX_KEY_LENGTH:
        raise ValueError(f"must be {MIN_KEY_LENGTH} to {MAX_KEY_LENGTH} characters long")
    # Keys travel in HTTP headers, so they are printable ASCII; refusing the rest catches
    # what a paste brings along (a newline, a space, a zero-width space) instead of storing
    # a key every provider would then refuse.
    if not all("!" <= char <= "~" for char in key):
        raise ValueError(
            "must be printable ASCII, without spaces, line breaks or NUL; check the paste"
        )
    return value


# SecretStr: a stray repr or log of the request model shows asterisks, not the key.
ProviderKey = Annotated[
    SecretStr,
    AfterValidator(plausible_key),
    Field(
        json_schema_extra={
            "minLength": MIN_KEY_LENGTH,
            "maxLength": MAX_KEY_LENGTH,
            "pattern": "^[!-~]+$",  # printable ASCII, as plausible_key checks
        }
    ),
]


class KeyRead(ReadSchema):
    """What is shown about one provider's key: never the key, at most a hint of it."""

    provider: KeyProvider
    configured: bool = Field(description="Whether a key is stored for this provider.")
    hint: str | None = Field(
        description="A well-known prefix and the last 4 characters, like `sk-…abcd`."
    )
    updated_at: datetime | None = Field(description="When the user's keys were last changed.")
    error: str | None = Field(
        default=None, description="Why a stored key can't be used, and how to fix it."
    )


class KeyUpdate(WriteSchema):
    """A key to store for one provider."""

    key: ProviderKey
