"""Instance-wide rules: who may register, and who the first admin is."""

from __future__ import annotations

from promptpro.config import Settings
from promptpro.db.models import User
from promptpro.errors import Forbidden
from promptpro.schemas.admin import RegistrationPolicy
from promptpro.storage import Storage

REGISTRATION_KEY = "registration"


REFUSALS = {
    RegistrationPolicy.INVITE: "Registration on this server needs an invitation.",
    RegistrationPolicy.CLOSED: "Self-registration is turned off on this server.",
}


async def registration_policy(storage: Storage, settings: Settings) -> RegistrationPolicy:
    """The admin's choice if they made one, else `PROMPTPRO_REGISTRATION_ENABLED`."""
    stored = await storage.get_instance_setting(REGISTRATION_KEY)
    if stored is not None and stored in set(RegistrationPolicy):
        return RegistrationPolicy(stored)
    return RegistrationPolicy.OPEN if settings.registration_enabled else RegistrationPolicy.CLOSED


def registration_allowed(policy: RegistrationPolicy, *, invited: bool) -> bool:
    """Whether someone (with an invitation token or not) may register under `policy`."""
    return policy is RegistrationPolicy.OPEN or (policy is RegistrationPolicy.INVITE and invited)


async def check_registration(storage: Storage, settings: Settings, *, invited: bool) -> None:
    """Raise Forbidden (403 `/problems/registration-closed`) unless registering is allowed."""
    policy = await registration_policy(storage, settings)
    if not registration_allowed(policy, invited=invited):
        raise Forbidden(REFUSALS[policy], kind="registration-closed")


async def first_account_is_admin(storage: Storage, user: User) -> None:
    """Make a new account the instance admin when the instance has none yet (the first)."""
    if not await storage.any_admin():
        await storage.set_user_flags(user, is_admin=True)
