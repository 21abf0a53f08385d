"""Provider keys: one row per user, one ciphertext column per provider."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from promptpro.db.models import ApiKeys
from promptpro.errors import Conflict, Invalid
from promptpro.schemas.users import UserCreate
from promptpro.storage import Storage
from promptpro.storage.integrity import to_domain_error

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


async def make_user(storage: Storage, username: str) -> str:
    user = await storage.create_user(UserCreate(username=username))
    return user.id


async def count_rows(session: AsyncSession) -> int:
    return await session.scalar(sa.select(sa.func.count()).select_from(ApiKeys)) or 0


async def keys_of(session: AsyncSession, owner_id: str) -> dict[str, str | None]:
    """The owner's key columns, read fresh from the database."""
    row = (
        await session.execute(
            sa.select(
                ApiKeys.xai_key, ApiKeys.openai_key, ApiKeys.anthropic_key, ApiKeys.gemini_key
            ).where(ApiKeys.user_id == owner_id)
        )
    ).one()
    return dict(zip(("xai", "openai", "anthropic", "gemini"), row, strict=True))


async def test_a_user_who_never_saved_a_key_has_no_keys_row(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    assert await storage.get_api_keys(ada) is None


async def test_saving_a_key_creates_the_users_row(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    row = await storage.save_api_keys(ada, {"openai": "ciphertext-1"})
    assert row.user_id == ada
    assert await keys_of(storage.session, ada) == {
        "xai": None,
        "openai": "ciphertext-1",
        "anthropic": None,
        "gemini": None,
    }
    fetched = await storage.get_api_keys(ada)
    assert fetched is not None
    assert fetched.openai_key == "ciphertext-1"


async def test_later_saves_change_the_same_row_and_keep_other_providers(
    storage: Storage, session: AsyncSession
) -> None:
    ada = await make_user(storage, "ada")
    first = await storage.save_api_keys(ada, {"openai": "o1", "gemini": "g1"})
    first_id = first.id
    second = await storage.save_api_keys(ada, {"anthropic": "a1", "openai": "o2"})
    assert second.id == first_id
    assert await count_rows(session) == 1
    assert await keys_of(session, ada) == {
        "xai": None,
        "openai": "o2",
        "anthropic": "a1",
        "gemini": "g1",
    }


async def test_none_clears_a_providers_key(storage: Storage, session: AsyncSession) -> None:
    ada = await make_user(storage, "ada")
    await storage.save_api_keys(ada, {"openai": "o1", "xai": "x1"})
    await storage.save_api_keys(ada, {"openai": None})
    assert await keys_of(session, ada) == {
        "xai": "x1",
        "openai": None,
        "anthropic": None,
        "gemini": None,
    }


async def test_an_unknown_provider_is_invalid_and_changes_nothing(
    storage: Storage, session: AsyncSession
) -> None:
    ada = await make_user(storage, "ada")
    bob = await make_user(storage, "bob")
    await storage.save_api_keys(ada, {"openai": "o1"})
    with pytest.raises(Invalid) as raised:
        await storage.save_api_keys(ada, {"openai": "o2", "mistral": "m1"})
    assert raised.value.field == "provider"
    with pytest.raises(Invalid):
        await storage.save_api_keys(bob, {"OpenAI": "o1"})
    assert (await keys_of(session, ada))["openai"] == "o1"
    assert await storage.get_api_keys(bob) is None
    assert await count_rows(session) == 1


async def test_saving_keys_moves_updated_at(storage: Storage, session: AsyncSession) -> None:
    ada = await make_user(storage, "ada")
    await storage.save_api_keys(ada, {"openai": "o1"})
    await session.execute(
        sa.update(ApiKeys).where(ApiKeys.user_id == ada).values(updated_at=LONG_AGO)
    )
    session.expire_all()
    await storage.save_api_keys(ada, {"openai": "o2"})
    updated_at = await session.scalar(sa.select(ApiKeys.updated_at).where(ApiKeys.user_id == ada))
    assert updated_at is not None
    assert updated_at > LONG_AGO


async def test_each_user_has_their_own_keys(storage: Storage, session: AsyncSession) -> None:
    ada = await make_user(storage, "ada")
    bob = await make_user(storage, "bob")
    await storage.save_api_keys(ada, {"openai": "adas"})
    assert await storage.get_api_keys(bob) is None
    await storage.save_api_keys(bob, {"openai": "bobs"})
    assert (await keys_of(session, ada))["openai"] == "adas"
    assert (await keys_of(session, bob))["openai"] == "bobs"


async def test_every_users_keys_are_listed_for_re_encryption(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    bob = await make_user(storage, "bob")
    await make_user(storage, "cyd")
    await storage.save_api_keys(bob, {"xai": "b"})
    await storage.save_api_keys(ada, {"gemini": "a"})
    rows = await storage.list_all_api_keys()
    assert [(row.user_id, row.xai_key, row.gemini_key) for row in rows] == [
        (bob, "b", None),
        (ada, None, "a"),
    ]


async def test_no_keys_are_listed_when_nobody_saved_any(storage: Storage) -> None:
    await make_user(storage, "ada")
    assert await storage.list_all_api_keys() == []


async def test_a_user_can_never_have_a_second_keys_row(
    storage: Storage, session: AsyncSession
) -> None:
    ada = await make_user(storage, "ada")
    await storage.save_api_keys(ada, {"openai": "o1"})
    await session.commit()
    session.add(ApiKeys(user_id=ada, openai_key="o2"))
    with pytest.raises(IntegrityError) as raised:
        await session.flush()
    error = to_domain_error(raised.value)
    assert isinstance(error, Conflict)
    assert error.field == "userId"
    await session.rollback()
    assert await count_rows(session) == 1


async def test_keys_for_a_user_who_does_not_exist_are_invalid(
    storage: Storage, session: AsyncSession
) -> None:
    with pytest.raises(Invalid):
        await storage.save_api_keys("nobody", {"openai": "o1"})
    await session.rollback()
    assert await count_rows(session) == 0


async def test_a_nul_character_in_a_ciphertext_is_invalid(
    storage: Storage, session: AsyncSession
) -> None:
    ada = await make_user(storage, "ada")
    await session.commit()
    with pytest.raises(Invalid):
        await storage.save_api_keys(ada, {"openai": "cipher\x00text"})
    await session.rollback()
    assert await count_rows(session) == 0


async def test_a_nul_character_in_an_owner_id_is_invalid(storage: Storage) -> None:
    with pytest.raises(Invalid):
        await storage.get_api_keys("a\x00b")
