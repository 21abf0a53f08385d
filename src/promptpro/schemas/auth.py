"""Sign-in, sessions, passwords and personal access tokens on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, EmailStr, Field, StrictBool, StringConstraints

from promptpro.schemas.base import (
    Name,
    NotBoolean,
    ReadSchema,
    ShortText,
    WriteSchema,
    no_nul,
)
from promptpro.schemas.users import Username, UserRead

Password = Annotated[str, StringConstraints(min_length=8, max_length=1024), AfterValidator(no_nul)]
# What a sign-in form may send: checked against the stored hash, not against today's rules.
GivenPassword = Annotated[
    str, StringConstraints(min_length=1, max_length=1024), AfterValidator(no_nul)
]
GivenUsername = Annotated[
    str, StringConstraints(min_length=1, max_length=254), AfterValidator(no_nul)
]


class RegisterRequest(WriteSchema):
    """A new local account."""

    username: Username
    password: Password
    email: EmailStr | None = None
    first_name: ShortText | None = None
    last_name: ShortText | None = None
    invitation: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        default=None,
        description="An invitation's token: registering then accepts it (and is allowed "
        "when registration is invite-only).",
    )


class LoginRequest(WriteSchema):
    """A username and password to sign in with."""

    username: GivenUsername
    password: GivenPassword


class SessionRead(ReadSchema):
    """Who is signed in, and the CSRF token their unsafe cookie requests must carry."""

    user: UserRead
    csrf_token: str


class OidcProviderRead(ReadSchema):
    """The OpenID Connect provider people can sign in with."""

    name: str
    login_url: str


class ProvidersRead(ReadSchema):
    """How people can get in: whether self-registration is open, and the OIDC provider."""

    registration: bool
    oidc: OidcProviderRead | None


class PasswordChange(WriteSchema):
    """The current password and the one to replace it; whether to revoke access tokens too."""

    current_password: GivenPassword
    new_password: Password
    revoke_tokens: bool = True


class AccountDelete(WriteSchema):
    """Confirms deleting an account: its password, when it has one."""

    password: GivenPassword | None = None


class TokenCreate(WriteSchema):
    """A new personal access token; it expires after `expiresInDays` if given. With
    `workspaceId` it sees that workspace only; `readOnly` refuses it every change."""

    name: Name
    expires_in_days: Annotated[int, Field(ge=1, le=3650), NotBoolean] | None = None
    workspace_id: Annotated[int, Field(ge=1), NotBoolean] | None = None
    read_only: StrictBool = False


class TokenRead(ReadSchema):
    """A personal access token, without its secret."""

    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    workspace_id: int | None = Field(description="The one workspace it sees (null: all yours).")
    read_only: bool = Field(description="Whether every change it asks for is refused (403).")


class TokenCreated(TokenRead):
    """A token just created: `token` is its secret, shown this once."""

    token: str
