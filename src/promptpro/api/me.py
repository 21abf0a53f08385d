"""The signed-in user's own account: profile, password, deletion."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from promptpro.api.problems import domain_problem, problem_responses
from promptpro.deps import (
    CurrentAuth,
    CurrentUser,
    SettingsDep,
    StorageDep,
    TokenCacheDep,
    clear_session_cookie,
)
from promptpro.errors import Invalid
from promptpro.schemas.auth import AccountDelete, PasswordChange
from promptpro.schemas.users import UserRead, UserUpdate
from promptpro.services import accounts

router = APIRouter(prefix="/api/v1/me", tags=["me"])


@router.get(
    "",
    response_model=UserRead,
    summary="Your profile",
    responses=problem_responses(401),
)
async def get_me(user: CurrentUser) -> UserRead:
    """The signed-in user's profile."""
    return UserRead.model_validate(user)


@router.patch(
    "",
    response_model=UserRead,
    summary="Change your profile (username, email, names, bio, picture)",
    responses=problem_responses(401, 403, 409, 413, 422),
)
async def update_me(
    body: UserUpdate, user: CurrentUser, storage: StorageDep, cache: TokenCacheDep
) -> UserRead:
    """Apply the fields sent; a username or email someone else has is a 409 naming it."""
    return UserRead.model_validate(await accounts.update_profile(storage, user, body, cache=cache))


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change your password (your other sessions, and your access tokens, are ended)",
    description="Every other session is signed out. Every personal access token is revoked "
    "too (but the one making this request), unless `revokeTokens` is false.",
    responses=problem_responses(401, 403, 413, 422, 429),
)
async def change_password(
    body: PasswordChange,
    auth: CurrentAuth,
    storage: StorageDep,
    settings: SettingsDep,
    cache: TokenCacheDep,
) -> Response:
    """Replace the password after checking the current one; sign out every other session."""
    try:
        await accounts.change_password(
            storage, settings, auth.user, body, caller=auth.caller, cache=cache
        )
    except Invalid as exc:
        # Answer without raising, so the unit of work commits the recorded failure.
        return domain_problem(exc)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete your account and everything in it",
    description='An account with a password must confirm with `{"password": ...}`; '
    "one that signs in through OpenID Connect needs no body.",
    responses=problem_responses(401, 403, 413, 422, 429),
)
async def delete_me(
    auth: CurrentAuth,
    storage: StorageDep,
    settings: SettingsDep,
    cache: TokenCacheDep,
    body: AccountDelete | None = None,
) -> Response:
    """Delete the user with their prompts, responses, keys, tokens and sessions."""
    try:
        await accounts.delete_account(
            storage, settings, auth.user, body or AccountDelete(), caller=auth.caller, cache=cache
        )
    except Invalid as exc:
        return domain_problem(exc)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookie(response, settings)
    return response
