"""The instance admin's work: listing, disabling and promoting users, the registration policy.

Nothing here reads a user's prompts, responses or keys: the admin manages accounts, not
what is in them.
"""

from __future__ import annotations

import base64
import binascii
import logging
from dataclasses import dataclass

from promptpro.config import Settings
from promptpro.db.models import User
from promptpro.errors import Conflict, Invalid, NotFound
from promptpro.schemas.admin import RegistrationPolicy
from promptpro.services import audit, permissions
from promptpro.services.audit import Action
from promptpro.services.instance import REGISTRATION_KEY, registration_policy
from promptpro.services.tokens import TokenCache, tokens_changed
from promptpro.storage import Storage
from promptpro.storage.users import DELETED_USER_ID

log = logging.getLogger(__name__)

MAX_PAGE_SIZE = 100
MAX_QUERY_LENGTH = 200
LAST_ADMIN = "This is the last active instance admin: promote someone else first."
BAD_CURSOR = "The cursor is not one this server made."


@dataclass(frozen=True)
class UserPage:
    """Some users, and the cursor of the next page (None on the last one)."""

    items: list[User]
    next_cursor: str | None


def _encode(username: str) -> str:
    return base64.urlsafe_b64encode(username.lower().encode()).decode().rstrip("=")


def _decode(cursor: str) -> str:
    if len(cursor) > 200:
        raise Invalid(BAD_CURSOR, field="cursor")
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        return raw.decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise Invalid(BAD_CURSOR, field="cursor") from None


async def list_users(
    storage: Storage, actor: User, *, q: str | None, cursor: str | None, limit: int = 50
) -> UserPage:
    """Users by username, matching `q` in their username or email."""
    permissions.require(actor, "admin.users.read")
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise Invalid(f"limit must be between 1 and {MAX_PAGE_SIZE}.", field="limit")
    if q is not None and (len(q) > MAX_QUERY_LENGTH or "\x00" in q):
        raise Invalid(f"q must be at most {MAX_QUERY_LENGTH} characters, no NUL.", field="q")
    after = _decode(cursor) if cursor else None
    rows = await storage.list_users(q=(q or "").strip() or None, after=after, limit=limit)
    more = len(rows) > limit
    rows = rows[:limit]
    return UserPage(rows, _encode(rows[-1].username) if more else None)


async def _target(storage: Storage, user_id: str) -> User:
    user = await storage.get_user(user_id) if len(user_id) <= 255 else None
    if user is None or user.id == DELETED_USER_ID:  # the placeholder is no account
        raise NotFound("No such user.")
    return user


async def _keep_an_admin(storage: Storage, field: str) -> None:
    """Refuse (409) a change that leaves the instance with no active admin."""
    if await storage.count_active_admins() < 1:
        raise Conflict(LAST_ADMIN, field=field)


async def change_user(
    storage: Storage,
    actor: User | None,
    user_id: str,
    *,
    cache: TokenCache,
    disabled: bool | None = None,
    is_admin: bool | None = None,
) -> User:
    """Disable/enable or promote/demote a user (`actor` None: the server's shell).

    A disabled user's sessions end and their tokens are refused at once, in every worker
    process; their data stays. No change may leave the instance without an active admin.
    """
    if actor is not None:
        permissions.require(actor, "admin.users.write")
    user = await _target(storage, user_id)
    by = actor.username if actor else "the server's shell"
    events: list[tuple[Action, str]] = []
    if is_admin is not None and is_admin != user.is_admin:
        await storage.set_user_flags(user, is_admin=is_admin)
        await _keep_an_admin(storage, "isAdmin")
        verb = "promoted to" if is_admin else "demoted from"
        events.append(
            (
                Action.USER_PROMOTED if is_admin else Action.USER_DEMOTED,
                f"{user.username} {verb} instance admin by {by}",
            )
        )
    if disabled is not None and disabled != user.disabled:
        await storage.set_user_flags(user, disabled=disabled)
        await _keep_an_admin(storage, "disabled")
        if disabled:
            await storage.delete_user_sessions(user.id)
        events.append(
            (
                Action.USER_DISABLED if disabled else Action.USER_ENABLED,
                f"{user.username} {'disabled' if disabled else 'enabled'} by {by}",
            )
        )
    for action, summary in events:
        await audit.record(
            storage,
            action,
            summary,
            actor_id=actor.id if actor else None,
            object_type="user",
            object_id=user.id,
        )
    if events:
        # Bearer requests of this user, cached by any worker, must see the change at once.
        await tokens_changed(storage, cache, user.id)
        log.info("user %s changed by %s", user.id, actor.id if actor else "the shell")
    return user


async def change_user_by_name(
    storage: Storage, username: str, *, cache: TokenCache, is_admin: bool
) -> User:
    """Promote or demote a user by username, from the server's shell."""
    user = await storage.get_user_by_username(username)
    if user is None:
        raise NotFound(f"No user is called {username}.")
    return await change_user(storage, None, user.id, cache=cache, is_admin=is_admin)


async def get_registration(storage: Storage, settings: Settings) -> RegistrationPolicy:
    """The registration policy in force."""
    return await registration_policy(storage, settings)


async def set_registration(
    storage: Storage, settings: Settings, actor: User, policy: RegistrationPolicy
) -> RegistrationPolicy:
    """Set the registration policy (it overrides `PROMPTPRO_REGISTRATION_ENABLED`)."""
    permissions.require(actor, "admin.settings.write")
    before = await registration_policy(storage, settings)
    await storage.set_instance_setting(REGISTRATION_KEY, str(policy))
    if before is not policy:
        await audit.record(
            storage,
            Action.REGISTRATION_CHANGED,
            f"Registration changed from {before} to {policy} by {actor.username}",
            actor_id=actor.id,
            object_type="instance",
        )
    return policy
