"""Users: the seed's insert/select types for `users`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, EmailStr, StringConstraints

from promptpro.schemas.base import (
    HttpUrl,
    LongText,
    PatchSchema,
    ReadSchema,
    ShortText,
    WriteSchema,
    no_nul,
)

# 3-40 letters, digits and . _ -
Username = Annotated[
    str,
    StringConstraints(min_length=3, max_length=40, pattern=r"^[A-Za-z0-9._-]+$"),
    AfterValidator(no_nul),
]


class UserRead(ReadSchema):
    """A user as others (and they) see them."""

    id: str
    username: str
    email: str | None
    first_name: str | None
    last_name: str | None
    bio: str | None
    profile_image_url: str | None
    is_admin: bool
    created_at: datetime
    updated_at: datetime


class AdminUserRead(UserRead):
    """A user as the instance admin's list shows them."""

    disabled: bool


class UserCreate(WriteSchema):
    """A new user; `id` is given only by an identity provider (the seed's upsertUser)."""

    id: ShortText | None = None
    username: Username
    email: EmailStr | None = None
    first_name: ShortText | None = None
    last_name: ShortText | None = None
    bio: LongText | None = None
    profile_image_url: HttpUrl | None = None


class UserUpdate(PatchSchema):
    """A change to a profile; only the fields sent are changed."""

    not_null = ("username",)

    username: Username | None = None
    email: EmailStr | None = None
    first_name: ShortText | None = None
    last_name: ShortText | None = None
    bio: LongText | None = None
    profile_image_url: HttpUrl | None = None
