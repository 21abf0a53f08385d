"""Users: create, read, update, upsert, delete; usernames and emails unique regardless of case."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from promptpro.db.models import (
    AccessToken,
    ApiKeys,
    Category,
    OidcIdentity,
    PasswordCredential,
    Prompt,
    PromptVersion,
    Response,
    User,
)
from promptpro.db.models import Session as WebSession
from promptpro.db.session import SessionFactory
from promptpro.errors import Conflict, Invalid
from promptpro.schemas.library import CategoryCreate, PromptCreate, PromptUpdate
from promptpro.schemas.responses import ResponseCreate
from promptpro.schemas.users import UserCreate, UserUpdate
from promptpro.storage import Storage

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


async def count_rows(session: AsyncSession, model: type[Any]) -> int:
    return await session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


async def count_users(session: AsyncSession) -> int:
    return await count_rows(session, User)


async def test_a_new_user_gets_a_generated_id_and_reads_back(storage: Storage) -> None:
    created = await storage.create_user(
        UserCreate(
            username="ada",
            email="ada@example.com",
            first_name="Ada",
            last_name="Lovelace",
            bio="Wrote the first program.",
            profile_image_url="https://example.com/ada.png",
        )
    )
    user_id = created.id
    assert len(user_id) == 32
    storage.session.expire_all()
    user = await storage.get_user(user_id)
    assert user is not None
    assert (user.username, user.email, user.first_name, user.last_name) == (
        "ada",
        "ada@example.com",
        "Ada",
        "Lovelace",
    )
    assert user.bio == "Wrote the first program."
    assert user.profile_image_url == "https://example.com/ada.png"
    assert user.created_at.tzinfo is not None
    assert user.updated_at.tzinfo is not None


async def test_an_unknown_user_id_reads_as_absent(storage: Storage) -> None:
    assert await storage.get_user("nobody") is None
    assert await storage.get_user("") is None


async def test_a_user_is_found_by_username_whatever_its_case(storage: Storage) -> None:
    user = await storage.create_user(UserCreate(username="Ada.Lovelace"))
    for spelling in ("Ada.Lovelace", "ada.lovelace", "ADA.LOVELACE"):
        found = await storage.get_user_by_username(spelling)
        assert found is not None
        assert found.id == user.id
    assert await storage.get_user_by_username("ada") is None


async def test_a_user_is_found_by_email_whatever_its_case(storage: Storage) -> None:
    user = await storage.create_user(UserCreate(username="ada", email="Ada@Example.com"))
    found = await storage.get_user_by_email("ADA@EXAMPLE.COM")
    assert found is not None
    assert found.id == user.id
    assert await storage.get_user_by_email("bob@example.com") is None


async def test_usernames_are_unique_regardless_of_case(
    storage: Storage, session: AsyncSession
) -> None:
    await storage.create_user(UserCreate(username="ada"))
    await session.commit()
    with pytest.raises(Conflict) as raised:
        await storage.create_user(UserCreate(username="ADA"))
    assert raised.value.field == "username"
    await session.rollback()
    assert await count_users(session) == 1


async def test_emails_are_unique_regardless_of_case(
    storage: Storage, session: AsyncSession
) -> None:
    await storage.create_user(UserCreate(username="ada", email="ada@example.com"))
    await session.commit()
    with pytest.raises(Conflict) as raised:
        await storage.create_user(UserCreate(username="bob", email="ADA@example.com"))
    assert raised.value.field == "email"
    await session.rollback()
    assert await count_users(session) == 1


async def test_many_users_may_have_no_email(storage: Storage, session: AsyncSession) -> None:
    await storage.create_user(UserCreate(username="ada"))
    await storage.create_user(UserCreate(username="bob"))
    assert await count_users(session) == 2


async def test_a_taken_user_id_is_a_conflict_on_id(
    storage: Storage, session_factory: SessionFactory
) -> None:
    async with session_factory() as session:
        await Storage(session).create_user(UserCreate(id="oidc-sub-1", username="ada"))
        await session.commit()
    async with session_factory() as session:
        with pytest.raises(Conflict) as raised:
            await Storage(session).create_user(UserCreate(id="oidc-sub-1", username="bob"))
        assert raised.value.field == "id"
        await session.rollback()
        assert await count_users(session) == 1


async def test_a_user_profile_changes_only_in_the_fields_sent(storage: Storage) -> None:
    user = await storage.create_user(UserCreate(username="ada", email="ada@example.com", bio="old"))
    user_id = user.id
    updated = await storage.update_user(user_id, UserUpdate(bio="new", first_name="Ada"))
    assert updated is not None
    storage.session.expire_all()
    reread = await storage.get_user(user_id)
    assert reread is not None
    assert (reread.username, reread.email, reread.bio, reread.first_name) == (
        "ada",
        "ada@example.com",
        "new",
        "Ada",
    )


async def test_a_profile_field_sent_as_null_is_cleared(storage: Storage) -> None:
    user = await storage.create_user(UserCreate(username="ada", bio="old"))
    user_id = user.id
    await storage.update_user(user_id, UserUpdate(bio=None))
    storage.session.expire_all()
    reread = await storage.get_user(user_id)
    assert reread is not None
    assert reread.bio is None


async def test_updating_an_unknown_user_reads_as_absent(storage: Storage) -> None:
    assert await storage.update_user("nobody", UserUpdate(bio="x")) is None


async def test_renaming_onto_a_taken_username_is_a_conflict_on_username(
    storage: Storage, session: AsyncSession
) -> None:
    await storage.create_user(UserCreate(username="ada"))
    bob = await storage.create_user(UserCreate(username="bob"))
    await session.commit()
    with pytest.raises(Conflict) as raised:
        await storage.update_user(bob.id, UserUpdate(username="Ada"))
    assert raised.value.field == "username"
    await session.rollback()
    names = await session.scalars(sa.select(User.username).order_by(User.username))
    assert list(names) == ["ada", "bob"]


async def test_changing_email_onto_a_taken_one_is_a_conflict_on_email(
    storage: Storage, session: AsyncSession
) -> None:
    await storage.create_user(UserCreate(username="ada", email="ada@example.com"))
    bob = await storage.create_user(UserCreate(username="bob"))
    await session.commit()
    with pytest.raises(Conflict) as raised:
        await storage.update_user(bob.id, UserUpdate(email="Ada@Example.COM"))
    assert raised.value.field == "email"


async def test_a_user_may_change_the_case_of_their_own_username(storage: Storage) -> None:
    user = await storage.create_user(UserCreate(username="ada"))
    updated = await storage.update_user(user.id, UserUpdate(username="Ada"))
    assert updated is not None
    assert updated.username == "Ada"


async def test_upsert_creates_a_user_with_the_identity_providers_id(storage: Storage) -> None:
    user = await storage.upsert_user(
        UserCreate(id="sub|42", username="ada", email="ada@example.com")
    )
    assert user.id == "sub|42"
    storage.session.expire_all()
    reread = await storage.get_user("sub|42")
    assert reread is not None
    assert reread.username == "ada"


async def test_upsert_without_an_id_creates_a_user_with_a_generated_id(storage: Storage) -> None:
    user = await storage.upsert_user(UserCreate(username="ada"))
    assert len(user.id) == 32


async def test_upsert_of_a_known_id_updates_only_the_fields_given(
    storage: Storage, session: AsyncSession
) -> None:
    await storage.upsert_user(
        UserCreate(id="sub|42", username="ada", email="ada@example.com", bio="kept")
    )
    user = await storage.upsert_user(UserCreate(id="sub|42", username="ada2", first_name="Ada"))
    assert user.id == "sub|42"
    assert await count_users(session) == 1
    storage.session.expire_all()
    reread = await storage.get_user("sub|42")
    assert reread is not None
    assert (reread.username, reread.email, reread.first_name, reread.bio) == (
        "ada2",
        "ada@example.com",
        "Ada",
        "kept",
    )


async def test_upsert_onto_another_users_username_is_a_conflict(
    storage: Storage, session: AsyncSession
) -> None:
    await storage.create_user(UserCreate(username="ada"))
    await storage.upsert_user(UserCreate(id="sub|42", username="bob"))
    await session.commit()
    with pytest.raises(Conflict) as raised:
        await storage.upsert_user(UserCreate(id="sub|42", username="ADA"))
    assert raised.value.field == "username"


async def test_deleting_a_user_removes_them(storage: Storage) -> None:
    user = await storage.create_user(UserCreate(username="ada"))
    user_id = user.id
    assert await storage.delete_user(user_id) is True
    storage.session.expire_all()
    assert await storage.get_user(user_id) is None
    assert await storage.get_user_by_username("ada") is None


async def test_deleting_an_unknown_user_reports_nothing_deleted(storage: Storage) -> None:
    assert await storage.delete_user("nobody") is False


async def test_updating_a_user_moves_updated_at_but_not_created_at(
    storage: Storage, session: AsyncSession
) -> None:
    user = await storage.create_user(UserCreate(username="ada"))
    user_id = user.id
    await session.execute(
        sa.update(User).where(User.id == user_id).values(created_at=LONG_AGO, updated_at=LONG_AGO)
    )
    session.expire_all()
    await storage.update_user(user_id, UserUpdate(bio="new"))
    created_at, updated_at = (
        await session.execute(sa.select(User.created_at, User.updated_at).where(User.id == user_id))
    ).one()
    assert created_at == LONG_AGO
    assert updated_at > LONG_AGO


@pytest.mark.parametrize(
    "lookup",
    [
        pytest.param(lambda s: s.get_user("a\x00b"), id="get_user"),
        pytest.param(lambda s: s.get_user_by_username("a\x00b"), id="get_user_by_username"),
        pytest.param(lambda s: s.get_user_by_email("a\x00b@example.com"), id="get_user_by_email"),
        pytest.param(lambda s: s.update_user("a\x00b", UserUpdate(bio="x")), id="update_user"),
        pytest.param(lambda s: s.delete_user("a\x00b"), id="delete_user"),
    ],
)
async def test_a_nul_character_in_a_user_lookup_is_invalid_input(
    storage: Storage, lookup: Callable[[Storage], Awaitable[object]]
) -> None:
    with pytest.raises(Invalid):
        await lookup(storage)


async def give_everything(storage: Storage, username: str) -> str:
    """A user owning one of every kind of row."""
    session = storage.session
    owner = (await storage.create_user(UserCreate(username=username))).id
    category = await storage.create_category(owner, CategoryCreate(name="Work"))
    prompt = await storage.create_prompt(
        owner, PromptCreate(title="T", content="v1", category_id=category.id)
    )
    await storage.update_prompt(owner, prompt.id, PromptUpdate(content="v2"))
    await storage.create_response(owner, prompt.id, ResponseCreate(model="openai/gpt-4o"))
    await storage.save_api_keys(owner, {"openai": "ciphertext"})
    session.add_all(
        [
            WebSession(sid=f"sid-{username}", sess={"u": owner}, expire=LONG_AGO, user_id=owner),
            PasswordCredential(user_id=owner, password_hash="$argon2id$..."),
            OidcIdentity(user_id=owner, issuer="https://id.example.com", subject=username),
            AccessToken(user_id=owner, name="cli", token_hash=f"hash-{username}"),
        ]
    )
    await session.flush()
    return owner


OWNED_TABLES: list[type[Any]] = [
    Category,
    Prompt,
    PromptVersion,
    Response,
    ApiKeys,
    WebSession,
    PasswordCredential,
    OidcIdentity,
    AccessToken,
]


async def test_deleting_a_user_deletes_everything_they_own_and_nothing_else(
    storage: Storage, session: AsyncSession
) -> None:
    ada = await give_everything(storage, "ada")
    bob = await give_everything(storage, "bob")
    before = {model: await count_rows(session, model) for model in OWNED_TABLES}
    assert await storage.delete_user(ada) is True
    session.expire_all()
    after = {model: await count_rows(session, model) for model in OWNED_TABLES}
    assert after == {model: rows // 2 for model, rows in before.items()}
    assert await count_users(session) == 1
    assert [p.title for p in (await storage.list_prompts(bob)).items] == ["T"]
    assert await storage.list_categories(ada) == []
    assert (await storage.list_prompts(ada)).items == []
    assert await storage.get_api_keys(ada) is None
    assert await storage.get_api_keys(bob) is not None
