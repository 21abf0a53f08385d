"""Session lifecycle: hashed ids, idle and absolute timeouts, the sliding write, the purge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from promptpro.config import Settings
from promptpro.db.models import LoginAttempt, Session
from promptpro.schemas.users import UserCreate
from promptpro.security.tokens import hash_secret
from promptpro.services import rate_limits, sessions
from promptpro.services.sessions import SessionPolicy
from promptpro.storage import Storage

POLICY = SessionPolicy(idle=timedelta(days=7), absolute=timedelta(days=30))
START = datetime(2026, 1, 1, 12, tzinfo=UTC)


class Clock:
    """A settable `utcnow` for the services."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = START
        for module in (sessions, rate_limits):
            monkeypatch.setattr(module, "utcnow", lambda: self.now)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
async def user_id(storage: Storage) -> str:
    return (await storage.create_user(UserCreate(username="ada"))).id


async def test_only_the_hash_of_the_id_is_stored(storage: Storage, user_id: str) -> None:
    new = await sessions.start_session(storage, POLICY, user_id=user_id)
    row = await storage.session.get(Session, hash_secret(new.session_id))
    assert row is not None
    assert row.user_id == user_id
    assert row.sess["userId"] == user_id
    assert row.sess["csrfToken"] == new.csrf_token
    assert new.session_id not in str(row.sess)
    assert await storage.session.get(Session, new.session_id) is None


async def test_every_start_is_a_new_id(storage: Storage, user_id: str) -> None:
    first = await sessions.start_session(storage, POLICY, user_id=user_id)
    second = await sessions.start_session(storage, POLICY, user_id=user_id)
    assert first.session_id != second.session_id
    assert first.csrf_token != second.csrf_token


async def test_an_idle_session_expires(storage: Storage, user_id: str, clock: Clock) -> None:
    new = await sessions.start_session(storage, POLICY, user_id=user_id)
    clock.advance(days=6, hours=23)
    assert await sessions.load_session(storage, POLICY, new.session_id) is not None
    clock.advance(days=6, hours=23)  # the last use slid the deadline on
    assert await sessions.load_session(storage, POLICY, new.session_id) is not None
    clock.advance(days=7, seconds=1)
    assert await sessions.load_session(storage, POLICY, new.session_id) is None


async def test_the_idle_deadline_is_written_at_most_once_a_minute(
    storage: Storage, user_id: str, clock: Clock
) -> None:
    new = await sessions.start_session(storage, POLICY, user_id=user_id)
    row = await storage.session.get(Session, hash_secret(new.session_id))
    assert row is not None
    first_expire = row.expire
    clock.advance(seconds=59)
    await sessions.load_session(storage, POLICY, new.session_id)
    assert row.expire == first_expire
    clock.advance(seconds=2)
    await sessions.load_session(storage, POLICY, new.session_id)
    assert row.expire == clock.now + POLICY.idle


async def test_a_session_ends_at_the_absolute_timeout_however_busy(
    storage: Storage, user_id: str, clock: Clock
) -> None:
    new = await sessions.start_session(storage, POLICY, user_id=user_id)
    for _ in range(29):
        clock.advance(days=1)
        assert await sessions.load_session(storage, POLICY, new.session_id) is not None
    row = await storage.session.get(Session, hash_secret(new.session_id))
    assert row is not None
    assert row.expire == START + POLICY.absolute
    clock.advance(days=1)
    assert await sessions.load_session(storage, POLICY, new.session_id) is None


async def test_a_shorter_absolute_setting_applies_to_existing_sessions(
    storage: Storage, user_id: str, clock: Clock
) -> None:
    new = await sessions.start_session(storage, POLICY, user_id=user_id)
    clock.advance(days=2)
    strict = SessionPolicy(idle=POLICY.idle, absolute=timedelta(days=1))
    assert await sessions.load_session(storage, strict, new.session_id) is None


async def test_unknown_or_empty_ids_are_no_session(storage: Storage) -> None:
    assert await sessions.load_session(storage, POLICY, "") is None
    assert await sessions.load_session(storage, POLICY, "made-up") is None


async def test_end_session_deletes_the_row(storage: Storage, user_id: str) -> None:
    new = await sessions.start_session(storage, POLICY, user_id=user_id)
    active = await sessions.load_session(storage, POLICY, new.session_id)
    assert active is not None
    assert (await sessions.session_user(storage, active)) is not None
    await sessions.end_session(storage, active)
    assert await sessions.load_session(storage, POLICY, new.session_id) is None
    assert await storage.count_user_sessions(user_id) == 0


async def test_purge_deletes_expired_sessions_and_old_failures(
    storage: Storage, settings: Settings, user_id: str, clock: Clock
) -> None:
    old = await sessions.start_session(storage, POLICY, user_id=user_id)
    await storage.record_login_failure(["user:ada"], at=clock.now)
    clock.advance(days=8)
    fresh = await sessions.start_session(storage, POLICY, user_id=user_id)
    await storage.record_login_failure(["user:ada"], at=clock.now)
    purged = await sessions.purge_expired(storage, settings)
    assert (purged.sessions, purged.login_failures) == (1, 1)
    remaining = list(await storage.session.scalars(sa.select(Session.sid)))
    assert remaining == [hash_secret(fresh.session_id)]
    assert hash_secret(old.session_id) not in remaining
    attempts = await storage.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt))
    assert attempts == 1
