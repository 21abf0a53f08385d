"""The permissions table and the registration hook, without a database."""

from __future__ import annotations

import pytest

from promptpro.db.models import User
from promptpro.errors import Forbidden
from promptpro.schemas.admin import RegistrationPolicy
from promptpro.services import permissions
from promptpro.services.instance import registration_allowed

ADMIN_ACTIONS = [
    "admin.users.read",
    "admin.users.write",
    "admin.settings.write",
    "admin.audit.read",
]


def _user(*, is_admin: bool = False, disabled: bool = False) -> User:
    return User(id="u", username="u", is_admin=is_admin, disabled=disabled)


@pytest.mark.parametrize("action", ADMIN_ACTIONS)
def test_admin_actions_need_an_active_admin(action: str) -> None:
    permissions.require(_user(is_admin=True), action)
    for user in (_user(), _user(is_admin=True, disabled=True)):
        with pytest.raises(Forbidden) as refused:
            permissions.require(user, action)
        assert refused.value.kind == "admin-required"


def test_everyone_reads_their_own_events_and_nobody_does_what_the_table_omits() -> None:
    permissions.require(_user(), "audit.own.read")
    with pytest.raises(Forbidden):
        permissions.require(_user(is_admin=True), "no.such.action")


@pytest.mark.parametrize(
    ("policy", "invited", "allowed"),
    [
        (RegistrationPolicy.OPEN, False, True),
        (RegistrationPolicy.INVITE, False, False),
        (RegistrationPolicy.INVITE, True, True),
        (RegistrationPolicy.CLOSED, True, False),
    ],
)
def test_registration_allowed(policy: RegistrationPolicy, invited: bool, allowed: bool) -> None:
    assert registration_allowed(policy, invited=invited) is allowed


@pytest.mark.parametrize(
    ("role", "allowed"), [("owner", True), ("admin", True), ("editor", False), ("viewer", False)]
)
def test_a_workspaces_audit_log_is_for_its_admins_and_owners(role: str, allowed: bool) -> None:
    assert permissions.role_allows(role, "audit.workspace.read") is allowed
    if not allowed:
        with pytest.raises(Forbidden, match="admin role"):
            permissions.require_role(role, "audit.workspace.read")
