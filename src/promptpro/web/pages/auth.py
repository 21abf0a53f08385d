"""Sign in, register, sign out, and where `/` leads."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from promptpro.deps import (
    ActiveSessionDep,
    SettingsDep,
    StorageDep,
    admit_registration,
    admit_sign_in,
    clear_session_cookie,
    client_address,
    record_failed_sign_in,
    set_session_cookie,
    verify_csrf,
)
from promptpro.errors import Conflict, Forbidden, InvitationUnusable, RateLimited, Unauthenticated
from promptpro.schemas.auth import LoginRequest, RegisterRequest
from promptpro.services import accounts, invitations, oidc, sessions
from promptpro.services.instance import registration_allowed, registration_policy
from promptpro.services.sessions import ActiveSession, SessionPolicy
from promptpro.storage import Storage
from promptpro.web.forms import (
    FORM,
    FieldErrors,
    FormInvalid,
    domain_errors,
    optional,
    read_form,
    safe_next,
    text,
    validate,
    values,
)
from promptpro.web.guards import keep_sign_in_token, sign_in_form_token, sign_in_token_matches
from promptpro.web.pages.common import see_other
from promptpro.web.templating import render

router = APIRouter()

SIGN_IN_EXPIRED = "This form had expired, so nothing was sent. Please try again."
REGISTER_FIELDS = ("username", "email", "firstName", "lastName")


async def _signed_in(storage: Storage, active: ActiveSession | None) -> bool:
    return await sessions.session_user(storage, active) is not None


def _auth_form(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    values: dict[str, str] | None = None,
    errors: FieldErrors | None = None,
    **context: Any,
) -> HTMLResponse:
    """The sign-in or register form, with this browser's sign-in form token."""
    settings = request.app.state.settings
    token = sign_in_form_token(request, settings)
    response = render(
        request,
        template,
        user=None,
        status_code=status_code,
        form_token=token,
        values=values or {},
        errors=errors or {},
        next=safe_next(request.query_params.get("next"), ""),
        **{"invitation": "", **context},
    )
    keep_sign_in_token(response, settings, token)
    return response


def _retry_later(response: HTMLResponse, exc: RateLimited) -> HTMLResponse:
    """The form again, saying (as the API does) when to try again."""
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def _start(
    response: Response, storage: Storage, request: Request, user_id: str, previous: Any
) -> None:
    """A fresh session for the user (ending the browser's previous one): no fixation."""
    settings = request.app.state.settings
    if previous is not None:
        await sessions.end_session(storage, previous)
    new = await sessions.start_session(
        storage, SessionPolicy.from_settings(settings), user_id=user_id
    )
    set_session_cookie(response, settings, new)


@router.get("/")
async def home(storage: StorageDep, settings: SettingsDep, active: ActiveSessionDep) -> Response:
    """The library when signed in; otherwise creating an account (or signing in)."""
    if await _signed_in(storage, active):
        return RedirectResponse("/prompts", status_code=303)
    open_ = registration_allowed(await registration_policy(storage, settings), invited=False)
    return RedirectResponse("/register" if open_ else "/login", status_code=303)


# Why signing in with the identity provider failed (`oidc.FAILED_PARAM`), in words.
EXTERNAL_SIGN_IN_FAILED = {
    "expired": "Signing in with your identity provider took too long, or began in another "
    "browser. Please start again.",
    "state": "That sign-in was not the one this browser started. Please start again.",
    "refused": "Your identity provider did not sign you in.",
    "unverified": "Your identity provider's answer could not be verified. Please start "
    "again; if it keeps happening, tell whoever runs this server.",
    "disabled": "This account has been disabled by the instance admin.",
}


@router.get("/login")
async def login_form(request: Request, storage: StorageDep, active: ActiveSessionDep) -> Response:
    """The sign-in form (signed-in people go straight on)."""
    if await _signed_in(storage, active):
        return see_other(safe_next(request.query_params.get("next")))
    failed = EXTERNAL_SIGN_IN_FAILED.get(request.query_params.get(oidc.FAILED_PARAM, ""))
    settings = request.app.state.settings
    policy = await registration_policy(storage, settings)
    return _auth_form(
        request,
        "auth/login.html",
        errors={FORM: failed} if failed else None,
        registration_enabled=registration_allowed(policy, invited=False),
    )


@router.post("/login")
async def login(
    request: Request, storage: StorageDep, settings: SettingsDep, active: ActiveSessionDep
) -> Response:
    """Check the credentials and sign in; the form again, with what went wrong, if not."""
    form = await read_form(request)
    kept = values(form, "username")
    target = safe_next(text(form, "next"))

    def again(errors: FieldErrors, status_code: int) -> HTMLResponse:
        return _auth_form(
            request, "auth/login.html", status_code=status_code, values=kept, errors=errors
        )

    if not sign_in_token_matches(request, settings, text(form, "csrf_token")):
        return again({FORM: SIGN_IN_EXPIRED}, 400)
    try:
        data = validate(
            LoginRequest, {"username": text(form, "username"), "password": text(form, "password")}
        )
        admitted = await admit_sign_in(request, settings, data.username)
        user = await accounts.authenticate_password(
            storage,
            settings,
            data.username,
            data.password,
            address=client_address(request),
            admitted=admitted,
        )
    except FormInvalid as exc:
        return again(exc.errors, 422)
    except (Unauthenticated, Forbidden) as exc:
        disabled = isinstance(exc, Forbidden)
        await record_failed_sign_in(request, data.username, "account disabled" if disabled else "")
        return again({FORM: exc.detail}, 403 if disabled else 401)
    except RateLimited as exc:
        return _retry_later(again({FORM: exc.detail}, 429), exc)
    response = see_other(target)
    await _start(response, storage, request, user.id, active)
    return response


@router.get("/register")
async def register_form(
    request: Request, storage: StorageDep, settings: SettingsDep, active: ActiveSessionDep
) -> Response:
    """The form to create an account (or why there is none)."""
    invitation = request.query_params.get("invitation", "")[:200]
    if await _signed_in(storage, active):
        # Signed in already: accepting is on the invitation's own page.
        return see_other(f"/invitations/{quote(invitation, safe='')}" if invitation else "/prompts")
    invited = await invitations.is_usable(storage, invitation)
    if not registration_allowed(await registration_policy(storage, settings), invited=invited):
        return _auth_form(request, "auth/register.html", status_code=403, closed=True)
    return _auth_form(
        request, "auth/register.html", closed=False, invitation=invitation if invited else ""
    )


@router.post("/register")
async def register(
    request: Request, storage: StorageDep, settings: SettingsDep, active: ActiveSessionDep
) -> Response:
    """Create the account and sign in; the form again, with what went wrong, if not."""
    form = await read_form(request)
    kept = values(form, *REGISTER_FIELDS)

    invitation = text(form, "invitation")[:200]

    def again(errors: FieldErrors, status_code: int, closed: bool = False) -> HTMLResponse:
        return _auth_form(
            request,
            "auth/register.html",
            status_code=status_code,
            values=kept,
            errors=errors,
            closed=closed,
            invitation=invitation,
        )

    if not sign_in_token_matches(request, settings, text(form, "csrf_token")):
        return again({FORM: SIGN_IN_EXPIRED}, 400)
    fields = {name: optional(value) for name, value in kept.items()}
    fields["username"] = kept["username"]
    try:
        data = validate(
            RegisterRequest,
            {
                **{k: v for k, v in fields.items() if v is not None},
                "password": text(form, "password"),
                **({"invitation": invitation} if invitation else {}),
            },
        )
        await admit_registration(request, settings, invited=bool(invitation))
        user = await accounts.register(storage, settings, data)
    except FormInvalid as exc:
        return again(exc.errors, 422)
    except RateLimited as exc:
        return _retry_later(again({FORM: exc.detail}, 429), exc)
    except Conflict as exc:
        return again(domain_errors(exc), 409)
    except Forbidden as exc:
        return again({FORM: exc.detail}, 403, closed=True)
    except InvitationUnusable as exc:
        invitation = ""  # the form goes on without it, saying why
        return again({FORM: exc.detail}, 404 if exc.reason == "invalid" else 410)
    response = see_other("/prompts?done=invitation-accepted" if invitation else "/prompts")
    await _start(response, storage, request, user.id, active)
    return response


@router.post("/logout")
async def logout(
    request: Request, storage: StorageDep, settings: SettingsDep, active: ActiveSessionDep
) -> Response:
    """End the session and forget the cookie."""
    if active is not None:
        if active.user_id is not None:
            await verify_csrf(request, active)
        await sessions.sign_out(storage, active)
    response = see_other("/login?done=signed-out")
    clear_session_cookie(response, settings)
    return response
