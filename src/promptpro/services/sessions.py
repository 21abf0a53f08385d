"""Server-side sessions: start, load (with idle and absolute timeouts), end and purge.

The cookie carries a 256-bit random session id; the `sessions.sid` column holds only its
SHA-256, so a leaked database or backup cannot be replayed as cookies. `sess` holds the
user id, the session's CSRF token, when it was created (for the absolute timeout) and,
while an OpenID Connect sign-in is under way, its state, nonce and PKCE verifier.

`expire` is the idle deadline, capped by the absolute one; every read refuses an expired
row. Reads slide the idle deadline forward, writing at most once a minute per session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from promptpro.config import Settings
from promptpro.db.models import Session, User
from promptpro.db.types import utcnow
from promptpro.security.csrf import new_csrf_token
from promptpro.security.tokens import hash_secret, new_secret
from promptpro.services import audit
from promptpro.services.audit import Action
from promptpro.services.rate_limits import purge_attempts
from promptpro.storage import Storage

TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session lives: `idle` since its last use, `absolute` since it began."""

    idle: timedelta
    absolute: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionPolicy:
        """The policy the settings describe."""
        return cls(
            idle=timedelta(days=settings.session_idle_days),
            absolute=timedelta(days=settings.session_absolute_days),
        )

    def deadline(self, created_at: datetime, now: datetime) -> datetime:
        """When a session created at `created_at` and used `now` expires."""
        return min(now + self.idle, created_at + self.absolute)


@dataclass(frozen=True)
class NewSession:
    """A session just started: the id goes into the cookie and nowhere else."""

    session_id: str
    csrf_token: str
    max_age: timedelta


@dataclass(frozen=True)
class ActiveSession:
    """A valid session, loaded from its cookie."""

    row: Session
    sid_hash: str
    data: dict[str, Any]

    @property
    def user_id(self) -> str | None:
        """The signed-in user, or None for a sign-in still under way."""
        value = self.data.get("userId")
        return value if isinstance(value, str) else None

    @property
    def csrf_token(self) -> str:
        """The token unsafe requests made with this session's cookie must carry."""
        return str(self.data.get("csrfToken", ""))


def _created_at(data: dict[str, Any]) -> datetime | None:
    try:
        created = datetime.fromisoformat(str(data["createdAt"]))
    except (KeyError, ValueError):
        return None
    return created if created.tzinfo is not None else None


async def start_session(
    storage: Storage,
    policy: SessionPolicy,
    *,
    user_id: str | None,
    extra: dict[str, Any] | None = None,
    lifetime: timedelta | None = None,
) -> NewSession:
    """A new session (always a new id: signing in never reuses one, so no fixation)."""
    now = utcnow()
    session_id, csrf_token = new_secret(), new_csrf_token()
    data: dict[str, Any] = {"csrfToken": csrf_token, "createdAt": now.isoformat()}
    if user_id is not None:
        data["userId"] = user_id
    data.update(extra or {})
    max_age = min(lifetime or policy.absolute, policy.absolute)
    expire = min(policy.deadline(now, now), now + max_age)
    await storage.create_session(hash_secret(session_id), data, expire=expire, user_id=user_id)
    return NewSession(session_id, csrf_token, max_age)


async def load_session(
    storage: Storage, policy: SessionPolicy, session_id: str
) -> ActiveSession | None:
    """The session the cookie names, unless unknown or expired; slides its idle deadline."""
    if not session_id:
        return None
    now = utcnow()
    sid_hash = hash_secret(session_id)
    row = await storage.get_session(sid_hash, now=now)
    if row is None:
        return None
    data = dict(row.sess)
    created_at = _created_at(data)
    if created_at is None or now >= created_at + policy.absolute:
        return None
    if row.user_id is not None:
        deadline = policy.deadline(created_at, now)
        if deadline - row.expire >= TOUCH_INTERVAL:
            await storage.extend_session(row, expire=deadline)
    return ActiveSession(row, sid_hash, data)


async def end_session(storage: Storage, session: ActiveSession) -> None:
    """Delete the session's row (logout, or replaced by a new sign-in)."""
    await storage.delete_session(session.sid_hash)


async def session_user(storage: Storage, session: ActiveSession | None) -> User | None:
    """The user signed in with this session (None while an OIDC sign-in is under way)."""
    if session is None or session.user_id is None:
        return None
    user = await storage.get_user(session.user_id)
    # A disabled account's sessions stop working at once (its admin deleted them, too).
    return None if user is None or user.disabled else user


async def sign_out(storage: Storage, session: ActiveSession) -> None:
    """End a session at its user's request (recorded when someone was signed in)."""
    await end_session(storage, session)
    if session.user_id is not None:
        await audit.record(storage, Action.SIGNED_OUT, "Signed out", actor_id=session.user_id)


@dataclass(frozen=True)
class Purged:
    """How many expired rows a purge deleted."""

    sessions: int
    login_failures: int


async def purge_expired(storage: Storage, settings: Settings) -> Purged:
    """Delete expired sessions and sign-in failures too old to count."""
    ended = await storage.purge_expired_sessions(now=utcnow())
    aged = await purge_attempts(storage, settings)
    return Purged(sessions=ended, login_failures=aged)
