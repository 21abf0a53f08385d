"""Local sign-in: register, login, logout, the current session, and how people can get in."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse

from promptpro.api.problems import domain_problem, problem_responses
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
from promptpro.errors import Forbidden, Unauthenticated
from promptpro.schemas.auth import (
    LoginRequest,
    OidcProviderRead,
    ProvidersRead,
    RegisterRequest,
    SessionRead,
)
from promptpro.schemas.users import UserRead
from promptpro.services import accounts, oidc, sessions
from promptpro.services.instance import registration_allowed, registration_policy
from promptpro.services.sessions import ActiveSession, SessionPolicy

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

OIDC_LOGIN_PATH = "/auth/oidc/login"
OIDC_CALLBACK_PATH = "/auth/oidc/callback"

# Login CSRF: these endpoints take JSON only (FastAPI refuses other content types), and
# a cross-site page cannot send a JSON body without a CORS preflight, which we never allow.


async def _sign_in(
    response: Response,
    storage: StorageDep,
    settings: SettingsDep,
    user_id: str,
    previous: ActiveSession | None,
) -> str:
    """Start a fresh session for the user (ending the one the browser had); its CSRF token."""
    if previous is not None:
        await sessions.end_session(storage, previous)
    new = await sessions.start_session(
        storage, SessionPolicy.from_settings(settings), user_id=user_id
    )
    set_session_cookie(response, settings, new)
    return new.csrf_token


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=SessionRead,
    summary="Create a local account and sign in",
    description="Each client address may create `PROMPTPRO_REGISTRATIONS_PER_ADDRESS` "
    "accounts per registration window; past that, 429 with `Retry-After`.",
    responses=problem_responses(403, 404, 409, 410, 413, 422, 429),
)
async def register(
    body: RegisterRequest,
    request: Request,
    response: Response,
    storage: StorageDep,
    settings: SettingsDep,
    active: ActiveSessionDep,
) -> SessionRead:
    """Create the account, start a session and return the user with the CSRF token."""
    await admit_registration(request, settings, invited=body.invitation is not None)
    user = await accounts.register(storage, settings, body)
    csrf_token = await _sign_in(response, storage, settings, user.id, active)
    return SessionRead(user=UserRead.model_validate(user), csrf_token=csrf_token)


@router.post(
    "/login",
    response_model=SessionRead,
    summary="Sign in with a username and password (always a new session id)",
    responses={
        **problem_responses(413, 422, 429),
        401: {**problem_responses(401)[401], "description": "Wrong username or password"},
    },
)
async def login(
    body: LoginRequest,
    request: Request,
    response: Response,
    storage: StorageDep,
    settings: SettingsDep,
    active: ActiveSessionDep,
) -> SessionRead | JSONResponse:
    """Check the credentials, start a new session and return the user with the CSRF token."""
    admitted = await admit_sign_in(request, settings, body.username)
    try:
        user = await accounts.authenticate_password(
            storage,
            settings,
            body.username,
            body.password,
            address=client_address(request),
            admitted=admitted,
        )
    except (Unauthenticated, Forbidden) as exc:
        reason = "account disabled" if isinstance(exc, Forbidden) else ""
        await record_failed_sign_in(request, body.username, reason)
        return domain_problem(exc)
    csrf_token = await _sign_in(response, storage, settings, user.id, active)
    return SessionRead(user=UserRead.model_validate(user), csrf_token=csrf_token)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End the session (its row is deleted)",
    responses=problem_responses(403),
)
async def logout(
    request: Request, storage: StorageDep, settings: SettingsDep, active: ActiveSessionDep
) -> Response:
    """Delete the session and clear the cookie; without a session there is nothing to end."""
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    if active is not None:
        if active.user_id is not None:
            await verify_csrf(request, active)
        await sessions.sign_out(storage, active)
    clear_session_cookie(response, settings)
    return response


@router.get(
    "/session",
    response_model=SessionRead,
    summary="Who is signed in with this cookie, and the session's CSRF token",
    responses=problem_responses(401),
)
async def current_session(storage: StorageDep, active: ActiveSessionDep) -> SessionRead:
    """The signed-in user and the CSRF token (401 without a valid session cookie)."""
    user = await sessions.session_user(storage, active)
    if active is None or user is None:
        raise Unauthenticated("Not signed in.")
    return SessionRead(user=UserRead.model_validate(user), csrf_token=active.csrf_token)


@router.get(
    "/providers",
    response_model=ProvidersRead,
    summary="How people can sign in: registration open?, OpenID Connect provider",
)
async def providers(settings: SettingsDep, storage: StorageDep) -> ProvidersRead:
    """Whether self-registration is open and which OIDC provider (if any) is configured."""
    provider = (
        OidcProviderRead(name=settings.oidc_name, login_url=OIDC_LOGIN_PATH)
        if oidc.is_configured(settings)
        else None
    )
    policy = await registration_policy(storage, settings)
    registration = registration_allowed(policy, invited=False)
    return ProvidersRead(registration=registration, oidc=provider)
