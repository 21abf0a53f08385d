"""Throttles on signing in and registering: they slow an attacker, never the owner elsewhere,
and password hashing is bounded. Limits are set small through the settings; nothing is timed."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI

from promptpro.app import create_app
from promptpro.config import Settings
from promptpro.security import passwords
from tests.conftest import AppClientFactory
from tests.support.auth import DEFAULT_PASSWORD, login, register

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
PASSWORD = "/api/v1/me/password"
ME = "/api/v1/me"

ClientAt = Callable[[str], httpx.AsyncClient]


@pytest.fixture
async def client_at(app: FastAPI) -> AsyncIterator[ClientAt]:
    """Makes clients of the app that connect from a given address."""
    async with contextlib.AsyncExitStack() as stack:

        def make(address: str) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=app, client=(address, 40000))
            client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
            stack.push_async_callback(client.aclose)
            return client

        yield make


async def test_guesses_from_one_address_do_not_lock_the_owner_out_elsewhere(
    client_at: ClientAt,
) -> None:
    owner, attacker = client_at("10.0.0.1"), client_at("10.0.0.66")
    await register(owner, "ada")
    guesses = [
        (await attacker.post(LOGIN, json={"username": "ada", "password": f"guess {n}"}))
        for n in range(6)
    ]
    assert [r.status_code for r in guesses] == [401] * 5 + [429]
    assert int(guesses[-1].headers["retry-after"]) > 0
    # The attacker's address stays refused, even with the right password...
    refused = await attacker.post(LOGIN, json={"username": "ada", "password": DEFAULT_PASSWORD})
    assert refused.status_code == 429
    # ...while the owner signs in, changes the password and could delete the account.
    await login(owner, "ada")
    changed = await owner.post(
        PASSWORD, json={"currentPassword": DEFAULT_PASSWORD, "newPassword": "a new passphrase"}
    )
    assert changed.status_code == 204
    deleted = await owner.request("DELETE", ME, json={"password": "a new passphrase"})
    assert deleted.status_code == 204


async def test_registration_is_throttled_per_address(app_client: AppClientFactory) -> None:
    client = await app_client(registrations_per_address=2)
    for name in ("ada", "bob"):
        assert (
            await client.post(REGISTER, json={"username": name, "password": "p" * 8})
        ).is_success
        client.cookies.clear()
    refused = await client.post(REGISTER, json={"username": "cyd", "password": "p" * 8})
    assert refused.status_code == 429
    assert refused.json()["type"] == "/problems/rate-limited"
    assert 0 < int(refused.headers["retry-after"]) <= 60 * 60
    assert "set-cookie" not in refused.headers


async def test_a_taken_username_or_email_is_refused_before_the_password_is_hashed(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = {"username": "ada", "password": "p" * 8, "email": "ada@example.com"}
    assert (await client.post(REGISTER, json=body)).status_code == 201
    client.cookies.clear()
    hashed: list[str] = []
    real_hash = passwords.hash_password

    def counting_hash(password: str) -> str:
        hashed.append(password)
        return real_hash(password)

    monkeypatch.setattr(passwords, "hash_password", counting_hash)
    taken_name = await client.post(REGISTER, json={**body, "username": "ADA", "email": None})
    taken_email = await client.post(REGISTER, json={**body, "username": "ada2"})
    assert (taken_name.status_code, taken_name.json()["errors"][0]["field"]) == (409, "username")
    assert (taken_email.status_code, taken_email.json()["errors"][0]["field"]) == (409, "email")
    assert hashed == []


class BlockingHasher:
    """Stands for argon2: each hash waits until released, counting how many run at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.active = 0
        self.most = 0

    def __call__(self, password: str) -> str:
        with self.lock:
            self.active += 1
            self.most = max(self.most, self.active)
        self.release.wait(timeout=30)
        with self.lock:
            self.active -= 1
        return f"not-a-hash:{password}"


async def test_password_hashing_is_bounded_and_off_the_event_loop(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    hasher = BlockingHasher()
    monkeypatch.setattr(passwords, "hash_password", hasher)
    app = create_app(settings.model_copy(update={"password_hash_concurrency": 2}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            registrations = [
                asyncio.create_task(
                    client.post(REGISTER, json={"username": f"user{n}", "password": "p" * 8})
                )
                for n in range(5)
            ]
            try:
                for _ in range(1000):  # until two hashes run (bounded, not timed)
                    if hasher.active == 2:
                        break
                    await asyncio.sleep(0.01)
                # The event loop still serves others while the hashes run.
                assert (await client.get("/healthz")).status_code == 200
                for _ in range(50):  # room for more to start, if nothing stopped them
                    await asyncio.sleep(0.01)
                assert (hasher.active, hasher.most) == (2, 2)
            finally:
                hasher.release.set()
            statuses = [(await task).status_code for task in registrations]
    assert statuses == [201] * 5
    assert hasher.most == 2


async def test_concurrent_guesses_can_not_overshoot_the_limit(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = BlockingHasher()  # as a password check: each waits until released
    monkeypatch.setattr(passwords, "verify_password", lambda _hash, password: not checks(password))
    limits = {"login_failures_per_pair": 2, "password_hash_concurrency": 10}
    app = create_app(settings.model_copy(update=limits))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            guesses = [
                asyncio.create_task(
                    client.post(LOGIN, json={"username": "ada", "password": f"guess {n}"})
                )
                for n in range(6)
            ]
            try:
                for _ in range(1000):  # until two checks run (bounded, not timed)
                    if checks.active == 2 or all(task.done() for task in guesses):
                        break
                    await asyncio.sleep(0.01)
                for _ in range(50):  # room for more to get through, if nothing stopped them
                    await asyncio.sleep(0.01)
                assert checks.most == 2
            finally:
                checks.release.set()
            statuses = sorted([(await task).status_code for task in guesses])
    assert statuses == [401, 401, 429, 429, 429, 429]
