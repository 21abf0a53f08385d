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
        update={
            "login_failures_per_pair": 2,
            "login_failures_per_address": 4,
            "login_failures_per_username": 3,
        }
    )


async def fail(storage: Storage, settings: Settings, username: str, address: str) -> None:
    with pytest.raises(Unauthenticated, match="Wrong username or password"):
        await accounts.authenticate_password(
            storage, settings, username, "wrong password", address=address
        )


async def sign_in(storage: Storage, settings: Settings, address: str | None) -> str:
    user = await accounts.authenticate_password(storage, settings, "ada", "p" * 8, address=address)
    return user.username


async def test_a_username_and_address_pair_is_refused_after_its_failures(
    storage: Storage, strict: Settings
) -> None:
    await accounts.register(storage, strict, RegisterRequest(username="ada", password="p" * 8))
    await fail(storage, strict, "ada", "10.0.0.66")
    await fail(storage, strict, "ADA", "10.0.0.66")
    with pytest.raises(RateLimited) as raised:
        await sign_in(storage, strict, "10.0.0.66")
    assert 0 < raised.value.retry_after <= 15 * 60
    # The owner, elsewhere, is not locked out by someone else's guesses.
    assert await sign_in(storage, strict, "10.0.0.1") == "ada"


async def test_past_the_username_ceiling_only_a_fresh_address_may_try(
    storage: Storage, strict: Settings
) -> None:
    await accounts.register(storage, strict, RegisterRequest(username="ada", password="p" * 8))
    for address in ("10.0.0.2", "10.0.0.3", "10.0.0.4"):
        await fail(storage, strict, "ada", address)
    # Each of those addresses failed once for ada: under attack, that was their one try.
    with pytest.raises(RateLimited):
        await sign_in(storage, strict, "10.0.0.2")
    # A fresh address gets its try: a wrong password counts, a right one signs in.
    await fail(storage, strict, "ada", "10.0.0.5")
    with pytest.raises(RateLimited):
        await fail(storage, strict, "ada", "10.0.0.5")
    assert await sign_in(storage, strict, "10.0.0.1") == "ada"
    # Other usernames are not concerned.
    await fail(storage, strict, "bob", "10.0.0.2")


async def test_an_address_is_refused_after_its_failures_whatever_the_username(
    storage: Storage, strict: Settings
) -> None:
    for name in ("a1", "a2", "a3", "a4"):
        await fail(storage, strict, name, "10.0.0.9")
    with pytest.raises(RateLimited):
        await accounts.authenticate_password(storage, strict, "a5", "x", address="10.0.0.9")
    await fail(storage, strict, "a5", "10.0.0.10")  # another address may still try


async def test_a_successful_sign_in_clears_its_pairs_count(
    storage: Storage, strict: Settings
) -> None:
    await accounts.register(storage, strict, RegisterRequest(username="ada", password="p" * 8))
    await fail(storage, strict, "ada", "10.0.0.1")
    assert await sign_in(storage, strict, "10.0.0.1") == "ada"
    await fail(storage, strict, "ada", "10.0.0.1")
    assert await sign_in(storage, strict, "10.0.0.1") == "ada"
    user = await accounts.authenticate_password(storage, strict, "Ada", "p" * 8, address=None)
    assert user.username == "ada"


def test_the_limiter_reads_its_numbers_from_the_settings(settings: Settings) -> None:
    limiter = LoginLimiter.from_settings(settings)
    assert (limiter.per_pair, limiter.per_address, limiter.per_username) == (5, 20, 100)
    assert limiter.window == timedelta(minutes=15)
    assert limiter.keys("Ada", "::1").all == ["pair:::1 ada", "user:ada", "addr:::1"]
    assert limiter.keys("Ada", None).all == ["pair:- ada", "user:ada"]


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
