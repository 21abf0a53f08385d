"""Settings: the profile, the password, and deleting the account."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from promptpro.deps import SettingsDep, StorageDep, TokenCacheDep, clear_session_cookie
from promptpro.errors import Conflict, Invalid, RateLimited
from promptpro.schemas.auth import AccountDelete, PasswordChange
from promptpro.schemas.users import UserUpdate
from promptpro.services import accounts
from promptpro.web.errors import RolledBack
from promptpro.web.forms import (
    FORM,
    FieldErrors,
    FormInvalid,
    domain_errors,
    optional,
    read_form,
    text,
    validate,
    values,
)
from promptpro.web.pages.common import PageAuth, PageUser, page, see_other

router = APIRouter()

PROFILE_FIELDS = ("username", "email", "firstName", "lastName", "bio", "profileImageUrl")
CONFIRM_MISMATCH = "Type your username exactly as shown to confirm."


def _profile_values(auth: PageUser) -> dict[str, str]:
    user = auth.user
    return {
        "username": user.username,
        "email": user.email or "",
        "firstName": user.first_name or "",
        "lastName": user.last_name or "",
        "bio": user.bio or "",
        "profileImageUrl": user.profile_image_url or "",
    }


def _profile_page(
    request: Request,
    auth: PageUser,
    *,
    status_code: int = 200,
    profile: dict[str, str] | None = None,
    profile_errors: FieldErrors | None = None,
    password_errors: FieldErrors | None = None,
) -> Response:
    return page(
        request,
        "settings/profile.html",
        auth,
        status_code=status_code,
        profile=profile or _profile_values(auth),
        profile_errors=profile_errors or {},
        password_errors=password_errors or {},
    )


@router.get("/settings")
async def profile_page(request: Request, auth: PageAuth) -> Response:
    """The profile form and the change-password form."""
    return _profile_page(request, auth)


@router.post("/settings/profile")
async def save_profile(
    request: Request, storage: StorageDep, cache: TokenCacheDep, auth: PageAuth
) -> Response:
    """Save the profile (emptied optional fields are cleared)."""
    form = await read_form(request)
    kept = values(form, *PROFILE_FIELDS)
    data: dict[str, Any] = {name: optional(value) for name, value in kept.items()}
    data["username"] = kept["username"]
    try:
        changes = validate(UserUpdate, data)
        await accounts.update_profile(storage, auth.user, changes, cache=cache)
    except (FormInvalid, Invalid, Conflict) as exc:
        errors = exc.errors if isinstance(exc, FormInvalid) else domain_errors(exc)
        status_code = 409 if isinstance(exc, Conflict) else 422
        response = _profile_page(
            request, auth, status_code=status_code, profile=kept, profile_errors=errors
        )
        raise RolledBack(response) from None
    return see_other("/settings?done=profile")


@router.post("/settings/password")
async def change_password(
    request: Request,
    storage: StorageDep,
    settings: SettingsDep,
    cache: TokenCacheDep,
    auth: PageAuth,
) -> Response:
    """Change the password after checking the current one; other sessions are signed out,
    and the access tokens revoked when the box is ticked (it is, at first)."""
    form = await read_form(request)
    try:
        data = validate(
            PasswordChange,
            {
                "currentPassword": text(form, "currentPassword"),
                "newPassword": text(form, "newPassword"),
                "revokeTokens": text(form, "revokeTokens") == "on",
            },
        )
        await accounts.change_password(
            storage, settings, auth.user, data, caller=auth.auth.caller, cache=cache
        )
    except FormInvalid as exc:
        return _profile_page(request, auth, status_code=422, password_errors=exc.errors)
    except Invalid as exc:
        # Returned, not raised: the unit of work must commit the failure it recorded.
        return _profile_page(request, auth, status_code=422, password_errors=domain_errors(exc))
    except RateLimited as exc:
        return _profile_page(request, auth, status_code=429, password_errors={FORM: exc.detail})
    return see_other("/settings?done=password")


def _account_page(
    request: Request, auth: PageUser, *, status_code: int = 200, errors: FieldErrors | None = None
) -> Response:
    return page(
        request, "settings/account.html", auth, status_code=status_code, errors=errors or {}
    )


@router.get("/settings/account")
async def account_page(request: Request, auth: PageAuth) -> Response:
    """Deleting the account, with a typed confirmation."""
    return _account_page(request, auth)


@router.post("/settings/account/delete")
async def delete_account(
    request: Request,
    storage: StorageDep,
    settings: SettingsDep,
    cache: TokenCacheDep,
    auth: PageAuth,
) -> Response:
    """Delete the account and everything in it, once the user has typed their username."""
    form = await read_form(request)
    if text(form, "confirm") != auth.user.username:
        return _account_page(request, auth, status_code=422, errors={"confirm": CONFIRM_MISMATCH})
    try:
        data = validate(AccountDelete, {"password": optional(text(form, "password"))})
        await accounts.delete_account(
            storage, settings, auth.user, data, caller=auth.auth.caller, cache=cache
        )
    except FormInvalid as exc:
        return _account_page(request, auth, status_code=422, errors=exc.errors)
    except Invalid as exc:
        # Returned, not raised: the unit of work must commit the failure it recorded.
        return _account_page(request, auth, status_code=422, errors=domain_errors(exc))
    except Conflict as exc:
        # The only owner of a shared team: the message says what to do first.
        return _account_page(request, auth, status_code=409, errors={FORM: exc.detail})
    except RateLimited as exc:
        return _account_page(request, auth, status_code=429, errors={FORM: exc.detail})
    response = see_other("/login?done=account-deleted")
    clear_session_cookie(response, settings)
    return response
