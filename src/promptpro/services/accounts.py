"""Local accounts: register, sign in, change password, edit the profile, delete everything.

Password hashing runs in a worker thread: argon2id is deliberately slow and would
otherwise stall every other request on the event loop.
"""

from __future__ import annotations

import asyncio
import logging

from promptpro.config import Settings
from promptpro.db.models import User
from promptpro.errors import Forbidden, Invalid, NotFound, Unauthenticated
from promptpro.schemas.auth import AccountDelete, PasswordChange, RegisterRequest
from promptpro.schemas.users import UserCreate, UserUpdate
from promptpro.security import passwords
from promptpro.services.rate_limits import LoginLimiter
from promptpro.services.tokens import token_cache
from promptpro.storage import Storage

log = logging.getLogger(__name__)

WRONG_CREDENTIALS = "Wrong username or password."


async def _hash(password: str) -> str:
    return await asyncio.to_thread(passwords.hash_password, password)


async def _verify(password_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(passwords.verify_password, password_hash, password)


async def register(storage: Storage, settings: Settings, data: RegisterRequest) -> User:
    """A new local account with a password (when self-registration is on)."""
    if not settings.registration_enabled:
        raise Forbidden(
            "Self-registration is turned off on this server.", kind="registration-closed"
        )
    password_hash = await _hash(data.password)
    user = await storage.create_user(
        UserCreate(**data.model_dump(exclude={"password"}, exclude_none=True))
    )
    await storage.set_password_hash(user.id, password_hash)
    log.info("registered user %s", user.id)
    return user


async def authenticate_password(
    storage: Storage, settings: Settings, username: str, password: str, *, address: str | None
) -> User:
    """The user these credentials belong to, or Unauthenticated (the same either way).

    Failures are recorded for the rate limiter, so a caller must still commit the unit of
    work when this raises Unauthenticated.
    """
    limiter = LoginLimiter.from_settings(settings)
    keys = limiter.keys(username, address)
    await limiter.check(storage, keys)
    user = await storage.get_user_by_username(username)
    password_hash = await storage.get_password_hash(user.id) if user else None
    # Unknown users and accounts without a password are checked against a dummy hash,
    # so the answer takes as long as for a wrong password.
    if not await _verify(password_hash, password) or user is None or password_hash is None:
        await limiter.record_failure(storage, keys)
        raise Unauthenticated(WRONG_CREDENTIALS)
    await limiter.clear_username(storage, username)
    if passwords.needs_rehash(password_hash):
        await storage.set_password_hash(user.id, await _hash(password))
    return user


async def _check_own_password(
    storage: Storage, settings: Settings, user: User, password: str | None, *, field: str
) -> None:
    """Raise Invalid unless `password` is the user's (failures count for the rate limiter)."""
    password_hash = await storage.get_password_hash(user.id)
    if password_hash is None:
        return
    limiter = LoginLimiter.from_settings(settings)
    keys = limiter.keys(user.username, None)
    await limiter.check(storage, keys)
    if password is None or not await _verify(password_hash, password):
        await limiter.record_failure(storage, keys)
        raise Invalid("That is not your current password.", field=field)


async def change_password(
    storage: Storage, settings: Settings, user: User, data: PasswordChange
) -> None:
    """Replace the user's password after checking the current one.

    An account without a password (signed up through OpenID Connect) cannot set one here:
    the current password is what proves the request comes from its owner.
    """
    if await storage.get_password_hash(user.id) is None:
        raise Invalid(
            "This account signs in through its identity provider.", field="currentPassword"
        )
    await _check_own_password(
        storage, settings, user, data.current_password, field="currentPassword"
    )
    await storage.set_password_hash(user.id, await _hash(data.new_password))
    log.info("user %s changed their password", user.id)


async def update_profile(storage: Storage, user: User, changes: UserUpdate) -> User:
    """Apply a profile change (a taken username or email is a Conflict naming it)."""
    updated = await storage.update_user(user.id, changes)
    if updated is None:
        raise NotFound("No such user.")
    token_cache.forget_user(user.id)  # bearer requests must see the new profile
    return updated


async def delete_account(
    storage: Storage, settings: Settings, user: User, data: AccountDelete
) -> None:
    """Delete the user and everything they own; an account with a password must give it."""
    await _check_own_password(storage, settings, user, data.password, field="password")
    await storage.delete_user(user.id)
    token_cache.forget_user(user.id)  # its tokens went with it
    log.info("deleted user %s", user.id)
