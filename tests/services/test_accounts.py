"""Accounts at the service level: the sign-in rate limiter and the OIDC user upsert."""

from __future__ import annotations

from datetime import timedelta

import pytest

from promptpro.config import Settings
from promptpro.errors import RateLimited, Unauthenticated
from promptpro.schemas.auth import RegisterRequest
from promptpro.schemas.users import UserCreate
from promptpro.services import accounts, oidc
from promptpro.services.rate_limits import LoginLimiter
from promptpro.storage import Storage

ISSUER = "https://id.example.com"


@pytest.fixture
def strict(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"login_failures_per_username": 2, "login_failures_per_address": 3}
    )


async def fail(storage: Storage, settings: Settings, username: str, address: str) -> None:
    with pytest.raises(Unauthenticated, match="Wrong username or password"):
        await accounts.authenticate_password(
            storage, settings, username, "wrong password", address=address
        )


async def test_a_username_is_locked_after_its_failures_whatever_the_address(
    storage: Storage, strict: Settings
) -> None:
    await accounts.register(storage, strict, RegisterRequest(username="ada", password="p" * 8))
    await fail(storage, strict, "ada", "10.0.0.1")
    await fail(storage, strict, "ADA", "10.0.0.2")
    with pytest.raises(RateLimited) as raised:
        await accounts.authenticate_password(storage, strict, "ada", "p" * 8, address="10.0.0.3")
    assert 0 < raised.value.retry_after <= 15 * 60


async def test_an_address_is_locked_after_its_failures_whatever_the_username(
    storage: Storage, strict: Settings
) -> None:
    for name in ("a1", "a2", "a3"):
        await fail(storage, strict, name, "10.0.0.9")
    with pytest.raises(RateLimited):
        await accounts.authenticate_password(storage, strict, "a4", "x", address="10.0.0.9")
    await fail(storage, strict, "a4", "10.0.0.10")  # another address may still try


async def test_a_successful_sign_in_clears_the_username_count(
    storage: Storage, strict: Settings
) -> None:
    await accounts.register(storage, strict, RegisterRequest(username="ada", password="p" * 8))
    await fail(storage, strict, "ada", "10.0.0.1")
    await accounts.authenticate_password(storage, strict, "ada", "p" * 8, address="10.0.0.2")
    await fail(storage, strict, "ada", "10.0.0.3")
    user = await accounts.authenticate_password(storage, strict, "Ada", "p" * 8, address=None)
    assert user.username == "ada"


def test_the_limiter_reads_its_numbers_from_the_settings(settings: Settings) -> None:
    limiter = LoginLimiter.from_settings(settings)
    assert (limiter.per_username, limiter.per_address) == (5, 20)
    assert limiter.window == timedelta(minutes=15)
    assert limiter.keys("Ada", "::1") == ["user:ada", "addr:::1"]


async def test_oidc_sign_in_creates_a_user_whose_id_is_the_subject(storage: Storage) -> None:
    claims = {
        "sub": "12345",
        "preferred_username": "ada",
        "email": "ada@example.com",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "picture": "https://example.com/ada.png",
    }
    user = await oidc.upsert_oidc_user(storage, ISSUER, claims)
    assert (user.id, user.username, user.email) == ("12345", "ada", "ada@example.com")
    assert (user.first_name, user.last_name) == ("Ada", "Lovelace")
    assert user.profile_image_url == "https://example.com/ada.png"
    identity = await storage.get_identity(ISSUER, "12345")
    assert identity is not None and identity.user_id == "12345"


async def test_a_taken_username_gets_digits_and_a_taken_email_is_not_claimed(
    storage: Storage,
) -> None:
    await storage.create_user(UserCreate(username="Ada", email="ada@example.com"))
    await storage.create_user(UserCreate(username="ada2"))
    claims = {"sub": "s-1", "preferred_username": "ada", "email": "ADA@example.com"}
    user = await oidc.upsert_oidc_user(storage, ISSUER, claims)
    assert user.username == "ada3"
    assert user.email is None


async def test_signing_in_again_updates_the_profile_but_keeps_the_username(
    storage: Storage,
) -> None:
    first = await oidc.upsert_oidc_user(
        storage, ISSUER, {"sub": "s-1", "preferred_username": "ada", "given_name": "Ada"}
    )
    first.username = "countess"
    again = await oidc.upsert_oidc_user(
        storage,
        ISSUER,
        {"sub": "s-1", "preferred_username": "ada", "given_name": "Augusta", "picture": "x" * 300},
    )
    assert again.id == first.id
    assert (again.username, again.first_name) == ("countess", "Augusta")
    assert again.profile_image_url is None  # too long to keep: ignored, not an error


async def test_the_same_subject_at_another_issuer_is_another_user(storage: Storage) -> None:
    one = await oidc.upsert_oidc_user(storage, ISSUER, {"sub": "7", "nickname": "x"})
    other = await oidc.upsert_oidc_user(storage, "https://other.example", {"sub": "7"})
    assert one.id == "7"
    assert other.id != one.id
    assert one.username == "xuser"
    assert other.username == "user"
