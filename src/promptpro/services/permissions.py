"""Who may do what: the one table of (role x action), and `require`.

Every check of a right goes through `require` (instance actions) or `require_role`
(actions inside a workspace); nothing else compares roles. Instance-level roles: the
instance admin and everyone else. Workspace roles: owner, admin, editor, viewer, held per
membership.
"""

from __future__ import annotations

import enum

from promptpro.db.models import User
from promptpro.errors import Forbidden


class Role(enum.StrEnum):
    """A role someone holds: on the instance, or in one workspace."""

    INSTANCE_ADMIN = "instance-admin"
    USER = "user"
    # Workspace roles (the values stored in workspace_members.role), weakest last.
    OWNER = "owner"
    ADMIN = "admin"
    EDITOR = "editor"
    VIEWER = "viewer"


WORKSPACE_ROLES: tuple[Role, ...] = (Role.OWNER, Role.ADMIN, Role.EDITOR, Role.VIEWER)
_MEMBERS = frozenset(WORKSPACE_ROLES)
_WRITERS = frozenset({Role.OWNER, Role.ADMIN, Role.EDITOR})
_MANAGERS = frozenset({Role.OWNER, Role.ADMIN})
_OWNERS = frozenset({Role.OWNER})

# action -> the roles allowed to do it
PERMISSIONS: dict[str, frozenset[Role]] = {
    "admin.users.read": frozenset({Role.INSTANCE_ADMIN}),
    "admin.users.write": frozenset({Role.INSTANCE_ADMIN}),
    "admin.settings.write": frozenset({Role.INSTANCE_ADMIN}),
    "admin.audit.read": frozenset({Role.INSTANCE_ADMIN}),
    "admin.usage.read": frozenset({Role.INSTANCE_ADMIN}),  # everyone's spending
    "audit.own.read": frozenset({Role.INSTANCE_ADMIN, Role.USER}),
    "workspace.create": frozenset({Role.INSTANCE_ADMIN, Role.USER}),
    # Inside a workspace:
    "workspace.read": _MEMBERS,  # the workspace, its members, prompts, versions, responses
    "workspace.leave": _MEMBERS,
    "library.write": _WRITERS,  # prompts, categories, tags, drafts; deleting them too
    "prompt.run": _WRITERS,  # run, re-run, compare, rate and delete responses
    "test_sets.write": _WRITERS,  # create, change, delete test sets and their rows; import
    "uploads.write": _WRITERS,  # upload images; a run's image URL stored as an upload
    "library.export": _MEMBERS,  # export its library (never a key or a token)
    "library.import": _WRITERS,  # import prompts, categories, test sets into it
    "evaluations.read": _MEMBERS,  # evaluations, their cells, summaries, comparisons
    "evaluations.run": _WRITERS,  # start, cancel, retry evaluations
    "evaluations.rate": _WRITERS,  # thumbs and notes on cells
    "members.manage": _MANAGERS,  # add, remove, change roles (not an owner's)
    "invitations.manage": _MANAGERS,  # make, list and revoke invitation links
    "workspace.rename": _MANAGERS,
    "audit.workspace.read": _MANAGERS,  # the workspace's audit events
    "workspace.budget": _MANAGERS,  # set or clear its monthly budget; see its spending
    # List (hints only), set, replace, remove the workspace's provider keys. Members' runs
    # use them, but only managers see even a hint.
    "workspace.keys.manage": _MANAGERS,
    "endpoints.manage": _MANAGERS,  # add, change, delete, discover own endpoints
    "labels.move": _WRITERS,  # point labels at versions, restore versions
    "labels.move.protected": _MANAGERS,  # protected labels (editors: change requests)
    "labels.protect": _MANAGERS,  # choose the workspace's protected labels
    "change_requests.create": _WRITERS,
    "change_requests.decide": _MANAGERS,  # approve or reject
    "members.manage.owners": _OWNERS,  # make, demote or remove an owner (or invite one)
    "workspace.delete": _OWNERS,
    "workspace.transfer": _OWNERS,
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


def role_allows(role: str | None, action: str) -> bool:
    """Whether a member with this workspace role (None: not a member) may do `action`."""
    return role is not None and role in PERMISSIONS.get(action, frozenset())


def needed_role(action: str) -> Role:
    """The weakest workspace role that may do `action`."""
    allowed_roles = PERMISSIONS.get(action, frozenset())
    return next((r for r in reversed(WORKSPACE_ROLES) if r in allowed_roles), Role.OWNER)


def require_role(role: str | None, action: str) -> None:
    """Raise Forbidden (403 `/problems/role-required`, naming the role needed) unless a
    member with `role` may do `action` in their workspace.

    Callers find the object through storage scoped to the actor's workspaces first, so a
    non-member never gets here: they got a 404.
    """
    if not role_allows(role, action):
        needed = needed_role(action)
        held = f" (you are {'an' if role in ('owner', 'admin', 'editor') else 'a'} {role})"
        raise Forbidden(
            f"This needs the {needed} role in this workspace{held if role else ''}.",
            kind="role-required",
        )
