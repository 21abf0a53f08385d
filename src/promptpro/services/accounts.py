"""Local accounts: register, sign in, change password, edit the profile, delete everything.

Password hashing runs in a worker thread, a bounded number at a time (services/hashing.py):
argon2id is deliberately slow and would otherwise stall or starve every other request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from promptpro.config import Settings
from promptpro.db.models import User
from promptpro.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from promptpro.schemas.auth import AccountDelete, PasswordChange, RegisterRequest
from promptpro.schemas.users import UserCreate, UserUpdate
from promptpro.security import passwords
from promptpro.services import audit, invitations
from promptpro.services.audit import Action
from promptpro.services.hashing import hash_password, verify_password
from promptpro.services.instance import check_registration, first_account_is_admin
from promptpro.services.rate_limits import AdmittedAttempt, LoginLimiter
from promptpro.services.sessions import ActiveSession
from promptpro.services.tokens import TokenCache, tokens_changed
from promptpro.storage import Storage

log = logging.getLogger(__name__)

WRONG_CREDENTIALS = "Wrong username or password."
USERNAME_TAKEN = "That username is taken."
EMAIL_TAKEN = "That email address is already in use."
ACCOUNT_DISABLED = "This account has been disabled by the instance admin."


@dataclass(frozen=True)
class Caller:
    """Who asks to change their account, and how: from which address (for the throttle),
    with which session or access token (the one a password change keeps)."""

    address: str | None
    session: ActiveSession | None = None
    token_id: int | None = None


async def register(storage: Storage, settings: Settings, data: RegisterRequest) -> User:
    """A new local account with a password (when self-registration is on).

    A taken username or email is refused before the password is hashed: hashing is the
    expensive part, and nobody should get it for free.
    """
    if data.invitation is not None:
        await invitations.find_usable(storage, data.invitation)  # a bad one is said first
    await check_registration(storage, settings, invited=data.invitation is not None)
    if await storage.get_user_by_username(data.username) is not None:
        raise Conflict(USERNAME_TAKEN, field="username")
    if data.email and await storage.get_user_by_email(data.email) is not None:
        raise Conflict(EMAIL_TAKEN, field="email")
    password_hash = await hash_password(settings, data.password)
    user = await storage.create_user(
        UserCreate(**data.model_dump(exclude={"password", "invitation"}, exclude_none=True))
    )
    await storage.set_password_hash(user.id, password_hash)
    await first_account_is_admin(storage, user)
    if data.invitation is not None:
        await invitations.accept(storage, user, data.invitation)
    log.info("registered user %s", user.id)
    return user


async def authenticate_password(
    storage: Storage,
    settings: Settings,
    username: str,
    password: str,
    *,
    address: str | None,
    admitted: AdmittedAttempt | None = None,
) -> User:
    """The user these credentials belong to, or Unauthenticated (the same either way).

    `admitted`: the attempt was checked and counted beforehand (`LoginLimiter.admit`), and
    is taken back if it succeeds. Otherwise failures are recorded here, so a caller must
    still commit the unit of work when this raises Unauthenticated.
    """
    limiter = LoginLimiter.from_settings(settings)
    keys = limiter.keys(username, address)
    if admitted is None:
        await limiter.check(storage, keys)
    user = await storage.get_user_by_username(username)
    password_hash = await storage.get_password_hash(user.id) if user else None
    # Unknown users and accounts without a password are checked against a dummy hash,
    # so the answer takes as long as for a wrong password.
    matches = await verify_password(settings, password_hash, password)
    if not matches or user is None or password_hash is None:
        if admitted is None:
            await limiter.record_failure(storage, keys)
        raise Unauthenticated(WRONG_CREDENTIALS)
    if user.disabled:
        # Said only to whoever knows the password; still a failure for the throttle.
        if admitted is None:
            await limiter.record_failure(storage, keys)
        raise Forbidden(ACCOUNT_DISABLED, kind="account-disabled")
    if admitted is not None:
        await storage.delete_login_attempts(admitted.ids)
    await limiter.clear_pair(storage, keys)
    if passwords.needs_rehash(password_hash):
        await storage.set_password_hash(user.id, await hash_password(settings, password))
    await audit.record(
        storage, Action.SIGNED_IN, "Signed in with a password", actor_id=user.id, address=address
    )
    return user


async def _check_own_password(
    storage: Storage,
    settings: Settings,
    user: User,
    password: str | None,
    *,
    field: str,
    address: str | None,
) -> None:
    """Raise Invalid unless `password` is the user's (failures count for the rate limiter,
    as sign-in failures from this address: guesses elsewhere don't block the owner)."""
    password_hash = await storage.get_password_hash(user.id)
    if password_hash is None:
        return
    limiter = LoginLimiter.from_settings(settings)
    keys = limiter.keys(user.username, address)
    await limiter.check(storage, keys)
    if password is None or not await verify_password(settings, password_hash, password):
        await limiter.record_failure(storage, keys)
        raise Invalid("That is not your current password.", field=field)


async def change_password(
    storage: Storage,
    settings: Settings,
    user: User,
    data: PasswordChange,
    *,
    caller: Caller,
    cache: TokenCache,
) -> None:
    """Replace the user's password after checking the current one, then end every other
    session and (unless `revokeTokens` is false) every other personal access token.

    An account without a password (signed up through OpenID Connect) cannot set one here:
    the current password is what proves the request comes from its owner.
    """
    if await storage.get_password_hash(user.id) is None:
        raise Invalid(
            "This account signs in through its identity provider.", field="currentPassword"
        )
    await _check_own_password(
        storage,
        settings,
        user,
        data.current_password,
        field="currentPassword",
        address=caller.address,
    )
    await storage.set_password_hash(user.id, await hash_password(settings, data.new_password))
    # Whoever knew the old password may hold a session: every one but this request's ends.
    keep = caller.session.sid_hash if caller.session else None
    await storage.delete_user_sessions(user.id, keep_sid_hash=keep)
    revoked = 0
    if data.revoke_tokens:
        revoked = await storage.delete_user_access_tokens(user.id, keep_id=caller.token_id)
    await tokens_changed(storage, cache, user.id)
    log.info("user %s changed their password (%d access tokens revoked)", user.id, revoked)
    await audit.record(
        storage,
        Action.PASSWORD_CHANGED,
        f"Changed the password ({revoked} access tokens revoked)",
        actor_id=user.id,
        object_type="user",
        object_id=user.id,
    )


async def update_profile(
    storage: Storage, user: User, changes: UserUpdate, *, cache: TokenCache
) -> User:
    """Apply a profile change (a taken username or email is a Conflict naming it)."""
    updated = await storage.update_user(user.id, changes)
    if updated is None:
        raise NotFound("No such user.")
    await tokens_changed(storage, cache, user.id)  # bearer requests must see the new profile
    return updated


async def delete_account(
    storage: Storage,
    settings: Settings,
    user: User,
    data: AccountDelete,
    *,
    caller: Caller,
    cache: TokenCache,
) -> None:
    """Delete the user and everything they own; an account with a password must give it.

    What they wrote in team workspaces stays with the team (its author becomes the
    deleted-user placeholder); a team they alone belong to goes with them. The only owner
    of a team that has other members is refused (409) until they hand it over: a team is
    never left without an owner.
    """
    await _check_own_password(
        storage, settings, user, data.password, field="password", address=caller.address
    )
    ownerless = await storage.teams_needing_an_owner(user.id)
    if ownerless:
        names = ", ".join(f"“{workspace.name}”" for workspace in ownerless)
        raise Conflict(
            f"You are the only owner of {names}, which other members share. Transfer "
            "ownership to one of them (or make one an owner, or delete the workspace) "
            "before deleting your account.",
            field="account",
        )
    for workspace_id in await storage.delete_teams_of_one(user.id):
        await audit.record(
            storage,
            Action.WORKSPACE_DELETED,
            f"Deleted workspace {workspace_id} with the account of its only member",
            actor_id=user.id,
            object_type="workspace",
            object_id=workspace_id,
            workspace_id=workspace_id,
        )
    await storage.hand_over_authorship(user.id)
    await storage.delete_user(user.id)
    await tokens_changed(storage, cache, user.id)  # its tokens went with it
    log.info("deleted user %s", user.id)
