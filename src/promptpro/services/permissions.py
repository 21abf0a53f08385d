"""Who may do what: the one table of (role x action), and `require`.

Every check of a right goes through `require`; nothing else compares roles. Instance-level
roles for now (the instance admin, everyone else); workspace roles (owner, admin, editor,
viewer) join the same table with their actions.
"""

from __future__ import annotations

import enum

from promptpro.db.models import User
from promptpro.errors import Forbidden


class Role(enum.StrEnum):
    """A role someone holds."""

    INSTANCE_ADMIN = "instance-admin"
    USER = "user"


# action -> the roles allowed to do it
PERMISSIONS: dict[str, frozenset[Role]] = {
    "admin.users.read": frozenset({Role.INSTANCE_ADMIN}),
    "admin.users.write": frozenset({Role.INSTANCE_ADMIN}),
    "admin.settings.write": frozenset({Role.INSTANCE_ADMIN}),
    "admin.audit.read": frozenset({Role.INSTANCE_ADMIN}),
    "audit.own.read": frozenset({Role.INSTANCE_ADMIN, Role.USER}),
}

ADMIN_REQUIRED = "This needs the instance admin's rights."


def instance_roles(actor: User) -> frozenset[Role]:
    """The instance-level roles a user holds (a disabled account holds none)."""
    if actor.disabled:
        return frozenset()
    return frozenset({Role.INSTANCE_ADMIN, Role.USER}) if actor.is_admin else frozenset({Role.USER})


def allowed(actor: User, action: str) -> bool:
    """Whether the user may do `action` (an action missing from the table: nobody may)."""
    return bool(PERMISSIONS.get(action, frozenset()) & instance_roles(actor))


def require(actor: User, action: str) -> None:
    """Raise Forbidden (403 `/problems/admin-required`) unless the user may do `action`."""
    if not allowed(actor, action):
        kind = "admin-required" if action.startswith("admin.") else "forbidden"
        detail = ADMIN_REQUIRED if kind == "admin-required" else "You may not do this."
        raise Forbidden(detail, kind=kind)
