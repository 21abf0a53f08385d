"""OpenID Connect sign-in: off to the provider, and back (only when one is configured)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import RedirectResponse

from promptpro.api.auth import OIDC_CALLBACK_PATH, OIDC_LOGIN_PATH
from promptpro.api.problems import domain_problem, problem_responses
from promptpro.deps import (
    ActiveSessionDep,
    SettingsDep,
    StorageDep,
    clear_session_cookie,
    set_session_cookie,
)
from promptpro.errors import NotFound, SignInFailed
from promptpro.services import oidc, sessions
from promptpro.services.sessions import SessionPolicy

router = APIRouter(tags=["auth"])

NOT_CONFIGURED = "OpenID Connect sign-in is not configured on this server."


@router.get(
    OIDC_LOGIN_PATH,
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    summary="Sign in with the OpenID Connect provider (redirects to it)",
    responses={**problem_responses(404, 503), 302: {"description": "Off to the provider"}},
)
async def oidc_login(
    storage: StorageDep, settings: SettingsDep, active: ActiveSessionDep
) -> RedirectResponse:
    """Start a sign-in and redirect to the provider; a signed-in session is kept (see
    `oidc.begin_sign_in`), the callback replaces it."""
    if not oidc.is_configured(settings):
        raise NotFound(NOT_CONFIGURED)
    callback = oidc.callback_url(settings, OIDC_CALLBACK_PATH)
    if active is not None and active.user_id is None:
        await sessions.end_session(storage, active)  # an earlier attempt: start afresh
        active = None
    new, url = await oidc.begin_sign_in(storage, settings, callback, active)
    response = RedirectResponse(url, status_code=status.HTTP_302_FOUND)
    if new is not None:
        set_session_cookie(response, settings, new)
    return response


@router.get(
    OIDC_CALLBACK_PATH,
    name="oidc_callback",
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    summary="Where the OpenID Connect provider sends people back",
    responses={**problem_responses(400, 404), 302: {"description": "Signed in: off to /"}},
)
async def oidc_callback(
    request: Request,
    storage: StorageDep,
    settings: SettingsDep,
    active: ActiveSessionDep,
    state: str | None = None,
    code: str | None = None,
    error: str | None = None,
) -> Response:
    """Finish the sign-in: check state and ID token, upsert the user, start a new session."""
    if not oidc.is_configured(settings):
        raise NotFound(NOT_CONFIGURED)
    try:
        user = await oidc.complete_sign_in(
            storage, settings, active, oidc.Callback(state=state, code=code, error=error)
        )
    except SignInFailed as exc:
        # Returned, not raised, so that ending the pending sign-in is committed. A person
        # (a browser asking for HTML) goes back to the sign-in page, which says why.
        failure: Response = domain_problem(exc)
        if "text/html" in request.headers.get("accept", ""):
            failure = RedirectResponse(
                f"/login?{oidc.FAILED_PARAM}={exc.reason}", status_code=status.HTTP_303_SEE_OTHER
            )
        if active is not None and active.user_id is None:
            await sessions.end_session(storage, active)
            clear_session_cookie(failure, settings)
        elif active is not None:
            await oidc.forget_sign_in(storage, active)  # still signed in as before
        return failure
    if active is not None:
        await sessions.end_session(storage, active)
    new = await sessions.start_session(
        storage, SessionPolicy.from_settings(settings), user_id=user.id
    )
    response = RedirectResponse("/", status_code=status.HTTP_302_FOUND)
    set_session_cookie(response, settings, new)
    return response
