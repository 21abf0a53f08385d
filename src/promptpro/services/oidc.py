"""OpenID Connect sign-in with Authlib: discovery, state, nonce, PKCE (S256), user upsert.

The state, nonce and PKCE verifier live in a short-lived anonymous session row (not in a
cookie of their own): the browser only holds the session id. The callback checks the
state against it, redeems the code with the verifier, validates the ID token (signature
by the provider's published keys, issuer, audience, expiry, nonce), then upserts the user
as the seed's upsertUser does and hands back who signed in.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from authlib.integrations.base_client import BaseApp, OAuthError
from authlib.integrations.base_client.async_app import AsyncOAuth2Mixin
from authlib.integrations.base_client.async_openid import AsyncOpenIDMixin
from authlib.integrations.httpx_client import AsyncOAuth2Client

# The HTTP library Authlib itself uses (httpx2 when installed, else httpx), whose errors
# its calls raise.
from authlib.integrations.httpx_client._compat import httpx2 as authlib_http
from joserfc.errors import JoseError
from pydantic import ValidationError

from promptpro.config import Settings
from promptpro.db.models import User
from promptpro.db.types import utcnow
from promptpro.errors import ConfigurationError, SignInFailed
from promptpro.schemas.users import UserCreate, UserUpdate
from promptpro.security.tokens import new_secret, same_secret
from promptpro.services import audit
from promptpro.services.audit import Action
from promptpro.services.instance import first_account_is_admin
from promptpro.services.sessions import ActiveSession, NewSession, SessionPolicy, start_session
from promptpro.storage import Storage

log = logging.getLogger(__name__)

SIGN_IN_LIFETIME = timedelta(minutes=10)
PENDING = "oidc"  # the session data's key for a sign-in under way
HTTP_TIMEOUT_S = 10.0
USERNAME_MAX = 40
_NOT_USERNAME = re.compile(r"[^A-Za-z0-9._-]+")


class _OidcClient(AsyncOAuth2Mixin, AsyncOpenIDMixin, BaseApp):  # type: ignore[misc]
    """Authlib's async OpenID Connect client over httpx, without a web framework."""

    client_cls = AsyncOAuth2Client


def is_configured(settings: Settings) -> bool:
    """Whether an OpenID Connect provider is set up (issuer and client id)."""
    return bool(settings.oidc_issuer and settings.oidc_client_id)


@lru_cache(maxsize=8)
def _client(issuer: str, client_id: str, client_secret: str, scopes: str) -> _OidcClient:
    # One client per provider keeps the discovery document and signing keys cached.
    return _OidcClient(
        framework=None,
        name="oidc",
        client_id=client_id,
        client_secret=client_secret or None,
        server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": scopes, "code_challenge_method": "S256", "timeout": HTTP_TIMEOUT_S},
    )


def _client_for(settings: Settings) -> _OidcClient:
    return _client(
        settings.oidc_issuer,
        settings.oidc_client_id,
        settings.oidc_client_secret,
        settings.oidc_scopes,
    )


def callback_url(settings: Settings, path: str) -> str:
    """Where the provider sends people back: the configured public URL, never the Host
    header (which the client chooses)."""
    return settings.public_url + path


async def begin_sign_in(
    storage: Storage, settings: Settings, redirect_uri: str, current: ActiveSession | None
) -> tuple[NewSession | None, str]:
    """Note state, nonce and verifier for the callback; the provider's URL.

    Someone signed in keeps their session (a link from another site must not sign them
    out): the pending sign-in rides along in it until the callback replaces it. Otherwise
    a short-lived pre-sign-in session holds it (the new session is returned).
    """
    client = _client_for(settings)
    try:
        request = await client.create_authorization_url(
            redirect_uri, state=new_secret(), nonce=new_secret()
        )
    except (authlib_http.HTTPError, OAuthError, ValueError, KeyError, RuntimeError) as exc:
        log.warning("OIDC discovery at %s failed: %s", settings.oidc_issuer, type(exc).__name__)
        raise ConfigurationError(
            f"The identity provider at {settings.oidc_issuer} cannot be reached."
        ) from None
    pending = {
        "state": request["state"],
        "nonce": request["nonce"],
        "codeVerifier": request["code_verifier"],
        "redirectUri": redirect_uri,
        "expiresAt": (utcnow() + SIGN_IN_LIFETIME).isoformat(),
    }
    if current is not None and current.user_id is not None:
        await storage.update_session_data(current.row, {**current.data, PENDING: pending})
        return None, str(request["url"])
    new = await start_session(
        storage,
        SessionPolicy.from_settings(settings),
        user_id=None,
        extra={PENDING: pending},
        lifetime=SIGN_IN_LIFETIME,
    )
    return new, str(request["url"])


# The sign-in page's query parameter naming why a sign-in failed (SignInFailed.reason).
FAILED_PARAM = "sign_in_failed"


@dataclass(frozen=True)
class Callback:
    """What the provider sent back to the callback URL."""

    state: str | None
    code: str | None
    error: str | None


async def _claims(settings: Settings, pending: dict[str, Any], code: str) -> dict[str, Any]:
    """Redeem the code and return the validated ID token's claims (SignInFailed if not)."""
    client = _client_for(settings)
    try:
        token = await client.fetch_access_token(
            redirect_uri=pending["redirectUri"],
            code=code,
            code_verifier=pending["codeVerifier"],
        )
        claims = await client.parse_id_token(token, nonce=pending["nonce"])
    except (JoseError, OAuthError, authlib_http.HTTPError, ValueError, KeyError) as exc:
        # The reason goes to the log only: the message is what the person sees.
        log.warning("OIDC sign-in refused: %s: %s", type(exc).__name__, exc)
        raise SignInFailed(
            "The identity provider's answer could not be verified.", reason="unverified"
        ) from None
    if claims is None or not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise SignInFailed("The identity provider sent no ID token.", reason="unverified")
    return dict(claims)


def _pending(session: ActiveSession | None) -> dict[str, Any] | None:
    """The sign-in under way in this session, unless there is none or it is too old."""
    pending = session.data.get(PENDING) if session else None
    if not isinstance(pending, dict):
        return None
    try:
        expires_at = datetime.fromisoformat(str(pending["expiresAt"]))
    except (KeyError, ValueError):
        return None
    return pending if expires_at.tzinfo is not None and utcnow() < expires_at else None


async def forget_sign_in(storage: Storage, session: ActiveSession) -> None:
    """Drop a failed sign-in from a signed-in session (which goes on as it was)."""
    if PENDING in session.data:
        data = {key: value for key, value in session.data.items() if key != PENDING}
        await storage.update_session_data(session.row, data)


async def complete_sign_in(
    storage: Storage, settings: Settings, pending_session: ActiveSession | None, callback: Callback
) -> User:
    """Check the callback against the pending sign-in and return the (upserted) user."""
    pending = _pending(pending_session)
    if pending is None:
        raise SignInFailed(
            "No sign-in is under way in this browser (or it took too long).", reason="expired"
        )
    if not callback.state or not same_secret(str(pending["state"]), callback.state):
        raise SignInFailed("The sign-in state does not match; start again.", reason="state")
    if callback.error or not callback.code:
        raise SignInFailed(
            f"The identity provider refused: {callback.error or 'no code'}.", reason="refused"
        )
    claims = await _claims(settings, pending, callback.code)
    user = await upsert_oidc_user(storage, str(claims["iss"]), claims)
    if user.disabled:
        raise SignInFailed("This account has been disabled.", reason="disabled")
    await audit.record(storage, Action.SIGNED_IN, "Signed in with OpenID Connect", actor_id=user.id)
    return user


def _profile(claims: dict[str, Any]) -> dict[str, Any]:
    """The profile fields the claims give, leaving out any the schemas would refuse."""
    values = {
        "email": claims.get("email"),
        "first_name": claims.get("given_name"),
        "last_name": claims.get("family_name"),
        "profile_image_url": claims.get("picture"),
    }
    kept = {}
    for field, value in values.items():
        if not isinstance(value, str) or not value:
            continue
        try:
            UserUpdate.model_validate({field: value})
        except ValidationError:
            log.info("ignoring the identity provider's invalid %s", field)
            continue
        kept[field] = value
    return kept


def _base_username(claims: dict[str, Any]) -> str:
    """A username in our rules from preferred_username, nickname or the email's local part."""
    for claim in ("preferred_username", "nickname", "email"):
        value = claims.get(claim)
        if isinstance(value, str) and value:
            name = _NOT_USERNAME.sub("", value.split("@")[0] if claim == "email" else value)
            if name:
                return (name + "user")[:USERNAME_MAX] if len(name) < 3 else name[:USERNAME_MAX]
    return "user"


async def _unique_username(storage: Storage, base: str) -> str:
    """`base`, or `base` with digits appended when someone has it already."""
    if await storage.get_user_by_username(base) is None:
        return base
    for number in range(2, 100):
        candidate = f"{base[: USERNAME_MAX - len(str(number))]}{number}"
        if await storage.get_user_by_username(candidate) is None:
            return candidate
    suffix = str(secrets.randbelow(10**8))
    return f"{base[: USERNAME_MAX - len(suffix)]}{suffix}"


async def upsert_oidc_user(storage: Storage, issuer: str, claims: dict[str, Any]) -> User:
    """The user this (issuer, subject) signs in as: updated from the claims, or created."""
    subject = str(claims["sub"])
    profile = _profile(claims)
    email = profile.get("email")
    identity = await storage.get_identity(issuer, subject)
    existing = await storage.get_user(identity.user_id) if identity else None
    # An address someone else registered is not theirs to claim by signing in elsewhere.
    if email and (other := await storage.get_user_by_email(email)) and other is not existing:
        profile.pop("email")
    if existing is not None:
        updated = await storage.update_user(existing.id, UserUpdate.model_validate(profile))
        return updated or existing
    # As the seed's upsertUser: the id is the provider's subject, unless that id is taken.
    taken = len(subject) > 255 or await storage.get_user(subject) is not None
    username = await _unique_username(storage, _base_username(claims))
    user = await storage.create_user(
        UserCreate.model_validate(
            {**profile, "username": username, **({} if taken else {"id": subject})}
        )
    )
    await storage.link_identity(user.id, issuer, subject)
    await first_account_is_admin(storage, user)
    log.info("created user %s from an OpenID Connect sign-in", user.id)
    return user
