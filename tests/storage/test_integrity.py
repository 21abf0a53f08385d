"""Violated constraints, as each database words them, become the domain error naming the field."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from promptpro.db.base import Base
from promptpro.db.models import (
    AccessToken,
    ApiKeys,
    Category,
    OidcIdentity,
    Prompt,
    PromptVersion,
    Response,
    User,
    Workspace,
)
from promptpro.errors import Conflict, Invalid
from promptpro.storage.integrity import to_domain_error

# Rows the database already holds before each case (a fresh database numbers them from 1).
EXISTING: list[Callable[[], Base]] = [
    lambda: User(id="u1", username="ada", email="ada@example.com"),
    lambda: User(id="u2", username="bob"),
    lambda: Workspace(id=1, name="Personal", personal_user_id="u1"),
    lambda: Category(user_id="u1", workspace_id=1, name="Work"),
    lambda: Prompt(user_id="u1", workspace_id=1, title="T", content="C"),
    lambda: PromptVersion(prompt_id=1, version=1, title="T", content="C"),
    lambda: ApiKeys(user_id="u1"),
    lambda: OidcIdentity(user_id="u1", issuer="https://id.example.com", subject="s1"),
    lambda: AccessToken(user_id="u1", name="cli", token_hash="h1"),
]


async def violate(session: AsyncSession, make_row: Callable[[], Base]) -> IntegrityError:
    for make in EXISTING:
        session.add(make())
        await session.flush()
    session.add(make_row())
    with pytest.raises(IntegrityError) as raised:
        await session.flush()
    await session.rollback()
    return raised.value


@pytest.mark.parametrize(
    ("make_row", "field"),
    [
        pytest.param(lambda: User(id="u1", username="cyd"), "id", id="user-id"),
        pytest.param(lambda: User(id="u3", username="ADA"), "username", id="username"),
        pytest.param(
            lambda: User(id="u3", username="cyd", email="ADA@example.com"), "email", id="email"
        ),
        pytest.param(
            lambda: Category(user_id="u1", workspace_id=1, name="wORK"), "name", id="category-name"
        ),
        pytest.param(lambda: ApiKeys(user_id="u1"), "userId", id="api-keys-user"),
        pytest.param(
            lambda: OidcIdentity(user_id="u2", issuer="https://id.example.com", subject="s1"),
            "subject",
            id="oidc-identity",
        ),
        pytest.param(
            lambda: AccessToken(user_id="u2", name="x", token_hash="h1"), "token", id="token"
        ),
        pytest.param(
            lambda: PromptVersion(prompt_id=1, version=1, title="T", content="C"),
            "version",
            id="prompt-version",
        ),
    ],
)
async def test_a_uniqueness_violation_is_a_conflict_naming_the_field(
    session: AsyncSession, make_row: Callable[[], Base], field: str
) -> None:
    error = to_domain_error(await violate(session, make_row))
    assert isinstance(error, Conflict)
    assert error.field == field


@pytest.mark.parametrize(
    "make_row",
    [
        pytest.param(
            lambda: Prompt(user_id="nobody", workspace_id=1, name="n2", title="T", content="C"),
            id="foreign-key",
        ),
        pytest.param(
            lambda: Response(prompt_id=1, content="", model="m", status="bogus"),
            id="check-constraint",
        ),
        pytest.param(
            lambda: Prompt(
                user_id="u1", workspace_id=1, name="n3", title="T", content="C", category_id=999
            ),
            id="foreign-key-category",
        ),
    ],
)
async def test_any_other_violation_is_invalid_input(
    session: AsyncSession, make_row: Callable[[], Base]
) -> None:
    error = to_domain_error(await violate(session, make_row))
    assert isinstance(error, Invalid)
