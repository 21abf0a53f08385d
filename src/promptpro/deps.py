"""FastAPI dependencies shared by the API and the pages: settings, the unit of work, storage.

Every dependency is `async def`, even the trivial ones: FastAPI runs a plain `def` one in
a worker thread, and the hop there and back cost more than the rest of it (a run request
resolves about ten of them).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from promptpro.config import Settings
from promptpro.db.models import User
from promptpro.db.session import SessionFactory, unit_of_work
from promptpro.errors import Forbidden, Unauthenticated
from promptpro.providers.registry import ProviderRegistry
from promptpro.security.csrf import (
    CSRF_FORM_FIELD,
    CSRF_HEADER,
    csrf_token_matches,
    needs_csrf_check,
)
from promptpro.security.vault import Vault
from promptpro.services import audit, sessions, tokens
from promptpro.services.accounts import Caller
from promptpro.services.evaluations import EvaluationDispatch, EvaluationLimits, EvaluationService
from promptpro.services.instance import registration_allowed, registration_policy
from promptpro.services.keys import KeyService
from promptpro.services.rate_limits import AdmittedAttempt, LoginLimiter, RegistrationLimiter
from promptpro.services.run_execution import RunExecutor
from promptpro.services.runs import RunService
from promptpro.services.sessions import ActiveSession, NewSession, SessionPolicy
from promptpro.services.tokens import TokenCache
from promptpro.storage import Storage


async def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_session_factory(request: Request) -> SessionFactory:
    """The app's session factory."""
    factory: SessionFactory = request.app.state.session_factory
    return factory


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work, committed before the response is sent."""
    factory: SessionFactory = request.app.state.session_factory
    async with unit_of_work(factory) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
# scope="function": commit (or roll back) before the response leaves, so a failed commit
# becomes an error response and a client never reads older data than it just wrote.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_storage(request: Request, session: SessionDep) -> Storage:
    """Storage over the request's unit of work (the audit log notes the client's address)."""
    audit.request_address.set(client_address(request))
    return Storage(session)


StorageDep = Annotated[Storage, Depends(get_storage)]


# --- Authentication -------------------------------------------------------------------

SESSION_COOKIE = "promptpro_session"
# With https the __Host- prefix makes browsers refuse the cookie unless it is Secure,
# has Path=/ and no Domain: a sibling subdomain can't plant or overwrite it.
SECURE_SESSION_COOKIE = "__Host-promptpro_session"


def session_cookie_name(settings: Settings) -> str:
    """The session cookie's name for this deployment."""
    return SECURE_SESSION_COOKIE if settings.https else SESSION_COOKIE


def set_session_cookie(response: Response, settings: Settings, new: NewSession) -> None:
    """Hand the browser a new session id."""
    response.set_cookie(
        session_cookie_name(settings),
        new.session_id,
        max_age=int(new.max_age.total_seconds()),
        path="/",
        secure=settings.https,
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    """Tell the browser to forget its session id."""
    response.delete_cookie(
        session_cookie_name(settings),
        path="/",
        secure=settings.https,
        httponly=True,
        samesite="lax",
    )


@dataclass(frozen=True)
class Auth:
    """Who made the request and how: by session cookie (`session` set) or by bearer token
    (`token_id` set), and from which client address."""

    user: User
    session: ActiveSession | None
    token_id: int | None = None
    address: str | None = None

    @property
    def caller(self) -> Caller:
        """The same, as the account services take it."""
        return Caller(address=self.address, session=self.session, token_id=self.token_id)


def client_address(request: Request) -> str | None:
    """The client's address (the proxy's own, unless uvicorn trusts it to forward it)."""
    return request.client.host if request.client else None


async def get_token_cache(request: Request) -> TokenCache:
    """The app's cache of recently authenticated access tokens."""
    cache: TokenCache = request.app.state.token_cache
    return cache


TokenCacheDep = Annotated[TokenCache, Depends(get_token_cache)]


async def admit_sign_in(request: Request, settings: Settings, username: str) -> AdmittedAttempt:
    """Check the sign-in limits and count the attempt (a failure until it succeeds), or
    raise RateLimited; in a unit of work of its own, committed before the password check,
    so concurrent guesses see each other."""
    factory: SessionFactory = request.app.state.session_factory
    limiter = LoginLimiter.from_settings(settings)
    async with unit_of_work(factory) as session:
        return await limiter.admit(
            Storage(session), limiter.keys(username, client_address(request))
        )


async def admit_registration(
    request: Request, settings: Settings, *, invited: bool = False
) -> None:
    """Count a registration attempt from the request's address, or raise RateLimited.

    In a unit of work of its own, committed at once: concurrent attempts then see it,
    whereas the registration's own transaction is committed only after the password hash.
    """
    factory: SessionFactory = request.app.state.session_factory
    async with unit_of_work(factory) as session:
        policy = await registration_policy(Storage(session), settings)
        if not registration_allowed(policy, invited=invited):
            return  # refused anyway, at no cost
        await RegistrationLimiter.from_settings(settings).admit(
            Storage(session), client_address(request)
        )


async def record_failed_sign_in(request: Request, username: str, reason: str = "") -> None:
    """Note a refused sign-in in the audit log, in a unit of work of its own (the request's
    may roll back), as the throttle records the attempt."""
    factory: SessionFactory = request.app.state.session_factory
    async with unit_of_work(factory) as session:
        await audit.record_failed_sign_in(
            Storage(session), username, address=client_address(request), reason=reason
        )


async def _csrf_token_sent(request: Request) -> str | None:
    """The CSRF token from the header or, for an HTML form post, the hidden field."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        # Starlette caches the parsed form on the request, so the endpoint can still read it.
        value = (await request.form()).get(CSRF_FORM_FIELD)
        return value if isinstance(value, str) else None
    return None


async def verify_csrf(request: Request, session: ActiveSession) -> None:
    """Refuse an unsafe cookie-authenticated request that lacks the session's CSRF token."""
    if not needs_csrf_check(request.method):
        return
    if not csrf_token_matches(session.csrf_token, await _csrf_token_sent(request)):
        raise Forbidden(
            f"This request needs the session's CSRF token in the {CSRF_HEADER} header.",
            kind="csrf",
        )


def _bearer_secret(request: Request) -> str | None:
    """The token of an `Authorization: Bearer` header (None when there is no header)."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated("Use `Authorization: Bearer <personal access token>`.")
    return secret.strip()


_NOT_LOOKED_UP = object()
READ_ONLY_TOKEN = (
    "This access token is read-only: it may read, not change anything. "  # noqa: S105
    "Use a token made without readOnly for changes."
)


async def get_active_session(
    request: Request, storage: StorageDep, settings: SettingsDep
) -> ActiveSession | None:
    """The valid session the request's cookie names, if any (signed in or not).

    Looked up once per request, whether as a dependency or by `current_auth` itself.
    """
    found = getattr(request.state, "active_session", _NOT_LOOKED_UP)
    if found is not _NOT_LOOKED_UP:
        return found  # type: ignore[return-value]
    session_id = request.cookies.get(session_cookie_name(settings))
    active = None
    if session_id:
        policy = SessionPolicy.from_settings(settings)
        active = await sessions.load_session(storage, policy, session_id)
    request.state.active_session = active
    return active


ActiveSessionDep = Annotated[ActiveSession | None, Depends(get_active_session)]


async def current_auth(request: Request, storage: StorageDep, settings: SettingsDep) -> Auth:
    """Authenticate by bearer token or session cookie (401 otherwise); check CSRF for cookies.

    A bearer request never looks at the session cookie: its session is not read (nor its
    idle timer moved) for a request it does not authenticate.
    """
    secret = _bearer_secret(request)
    address = client_address(request)
    if secret is not None:
        found = await tokens.authenticate_token(storage, secret, request.app.state.token_cache)
        # The token's limits hold here, once, for every route: a read-only token changes
        # nothing, and a token limited to a workspace reads through storage that sees
        # that workspace only (every other one is as absent as a stranger's).
        if found.read_only and needs_csrf_check(request.method):
            raise Forbidden(READ_ONLY_TOKEN, kind="read-only-token")
        storage.workspace_limit = found.workspace_id
        return Auth(found.user, None, token_id=found.token_id, address=address)
    active = await get_active_session(request, storage, settings)
    user = await sessions.session_user(storage, active)
    if active is None or user is None:
        raise Unauthenticated("Sign in, or send a personal access token.")
    await verify_csrf(request, active)
    return Auth(user, active, address=address)


CurrentAuth = Annotated[Auth, Depends(current_auth)]


async def current_user(auth: CurrentAuth) -> User:
    """The authenticated user."""
    return auth.user


CurrentUser = Annotated[User, Depends(current_user)]


# --- Provider keys --------------------------------------------------------------------


async def get_vault(request: Request) -> Vault:
    """The app's key vault (built from the settings when the app was created)."""
    vault: Vault = request.app.state.vault
    return vault


VaultDep = Annotated[Vault, Depends(get_vault)]


async def get_key_service(user: CurrentUser, storage: StorageDep, vault: VaultDep) -> KeyService:
    """The signed-in user's provider keys."""
    return KeyService(storage, vault, user.id)


KeyServiceDep = Annotated[KeyService, Depends(get_key_service)]


# --- Runs -------------------------------------------------------------------------------


async def get_providers(request: Request) -> ProviderRegistry:
    """The app's provider registry (one cached SDK client per key)."""
    providers: ProviderRegistry = request.app.state.providers
    return providers


async def get_run_executor(request: Request) -> RunExecutor:
    """The app's run executor, which owns the runs in progress."""
    executor: RunExecutor = request.app.state.runs
    return executor


ProvidersDep = Annotated[ProviderRegistry, Depends(get_providers)]
RunExecutorDep = Annotated[RunExecutor, Depends(get_run_executor)]


async def get_run_service(request: Request, user: CurrentUser, storage: StorageDep) -> RunService:
    """The signed-in user's runs.

    The app's vault, providers and executor are read here rather than through their own
    dependencies: on the run path every dependency FastAPI resolves is time someone waits.
    """
    state = request.app.state
    return RunService(
        storage,
        state.vault,
        state.providers,
        state.runs,
        user.id,
        max_input_length=state.settings.max_rendered_input_chars,
        max_image_bytes=state.settings.upload_max_bytes,
    )


RunServiceDep = Annotated[RunService, Depends(get_run_service)]


# --- Evaluations ------------------------------------------------------------------------


async def get_evaluation_service(
    request: Request, user: CurrentUser, storage: StorageDep
) -> EvaluationService:
    """The signed-in user's evaluations (planning their runs as the run path does)."""
    state = request.app.state
    settings: Settings = state.settings
    return EvaluationService(
        storage,
        user.id,
        records=state.runs.records,
        vault=state.vault,
        providers=state.providers,
        limits=EvaluationLimits(
            max_cells=settings.evaluation_max_cells,
            confirm_over_usd=settings.evaluation_confirm_over_usd,
            max_rows=settings.test_set_max_rows,
        ),
    )


async def get_evaluation_dispatch(request: Request) -> EvaluationDispatch:
    """Who runs evaluation cells: this server, or the workers' queue."""
    dispatch: EvaluationDispatch = request.app.state.evaluations
    return dispatch


EvaluationServiceDep = Annotated[EvaluationService, Depends(get_evaluation_service)]
EvaluationDispatchDep = Annotated[EvaluationDispatch, Depends(get_evaluation_dispatch)]
