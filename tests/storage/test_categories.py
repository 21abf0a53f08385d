"""Categories: the owner's folders, unique by name per owner regardless of case."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from promptpro.db.models import Category, Prompt
from promptpro.errors import Conflict, Invalid
from promptpro.schemas.library import CategoryCreate, CategoryUpdate, PromptCreate
from promptpro.schemas.users import UserCreate
from promptpro.storage import Storage

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
OUT_OF_RANGE_IDS = [0, -1, 2**31, 2**63]


async def make_user(storage: Storage, username: str) -> str:
    user = await storage.create_user(UserCreate(username=username))
    return user.id


async def count_categories(session: AsyncSession) -> int:
    return await session.scalar(sa.select(sa.func.count()).select_from(Category)) or 0


async def test_a_new_category_reads_back(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    created = await storage.create_category(
        ada, CategoryCreate(name="Work", description="Things for the job")
    )
    category_id = created.id
    storage.session.expire_all()
    category = await storage.get_category(ada, category_id)
    assert category is not None
    assert (category.name, category.description, category.user_id) == (
        "Work",
        "Things for the job",
        ada,
    )


async def test_a_category_name_is_stripped_of_surrounding_whitespace(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    category = await storage.create_category(ada, CategoryCreate(name="  Work  "))
    assert category.name == "Work"


async def test_an_owners_categories_are_listed_by_name_regardless_of_case(
    storage: Storage,
) -> None:
    ada = await make_user(storage, "ada")
    for name in ("beta", "Alpha", "gamma", "Delta"):
        await storage.create_category(ada, CategoryCreate(name=name))
    listed = await storage.list_categories(ada)
    assert [c.name for c in listed] == ["Alpha", "beta", "Delta", "gamma"]


async def test_an_owner_without_categories_lists_none(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    assert await storage.list_categories(ada) == []


async def test_category_names_are_unique_per_owner_regardless_of_case(
    storage: Storage, session: AsyncSession
) -> None:
    ada = await make_user(storage, "ada")
    await storage.create_category(ada, CategoryCreate(name="Work"))
    await session.commit()
    with pytest.raises(Conflict) as raised:
        await storage.create_category(ada, CategoryCreate(name="WORK"))
    assert raised.value.field == "name"
    await session.rollback()
    assert await count_categories(session) == 1


async def test_category_names_differing_only_in_the_case_of_accented_letters_conflict(
    storage: Storage,
) -> None:
    ada = await make_user(storage, "ada")
    await storage.create_category(ada, CategoryCreate(name="Été"))
    with pytest.raises(Conflict) as raised:
        await storage.create_category(ada, CategoryCreate(name="éTÉ"))
    assert raised.value.field == "name"


async def test_another_user_may_reuse_a_category_name(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    bob = await make_user(storage, "bob")
    await storage.create_category(ada, CategoryCreate(name="Work"))
    theirs = await storage.create_category(bob, CategoryCreate(name="work"))
    assert theirs.user_id == bob
    assert [c.name for c in await storage.list_categories(ada)] == ["Work"]
    assert [c.name for c in await storage.list_categories(bob)] == ["work"]


async def test_a_category_changes_only_in_the_fields_sent(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    category = await storage.create_category(ada, CategoryCreate(name="Work", description="d"))
    category_id = category.id
    await storage.update_category(ada, category_id, CategoryUpdate(name="Job"))
    storage.session.expire_all()
    reread = await storage.get_category(ada, category_id)
    assert reread is not None
    assert (reread.name, reread.description) == ("Job", "d")
    await storage.update_category(ada, category_id, CategoryUpdate(description=None))
    storage.session.expire_all()
    reread = await storage.get_category(ada, category_id)
    assert reread is not None
    assert (reread.name, reread.description) == ("Job", None)


async def test_renaming_onto_another_of_ones_category_names_is_a_conflict_on_name(
    storage: Storage, session: AsyncSession
) -> None:
    ada = await make_user(storage, "ada")
    await storage.create_category(ada, CategoryCreate(name="Work"))
    home = await storage.create_category(ada, CategoryCreate(name="Home"))
    home_id = home.id
    await session.commit()
    with pytest.raises(Conflict) as raised:
        await storage.update_category(ada, home_id, CategoryUpdate(name="wOrK"))
    assert raised.value.field == "name"
    await session.rollback()
    names = await session.scalars(sa.select(Category.name).order_by(Category.name))
    assert list(names) == ["Home", "Work"]


async def test_a_category_may_change_the_case_of_its_own_name(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    category = await storage.create_category(ada, CategoryCreate(name="work"))
    updated = await storage.update_category(ada, category.id, CategoryUpdate(name="Work"))
    assert updated is not None
    assert updated.name == "Work"


async def test_updating_a_category_moves_updated_at_but_not_created_at(
    storage: Storage, session: AsyncSession
) -> None:
    ada = await make_user(storage, "ada")
    category = await storage.create_category(ada, CategoryCreate(name="Work"))
    category_id = category.id
    await session.execute(
        sa.update(Category)
        .where(Category.id == category_id)
        .values(created_at=LONG_AGO, updated_at=LONG_AGO)
    )
    session.expire_all()
    await storage.update_category(ada, category_id, CategoryUpdate(description="new"))
    created_at, updated_at = (
        await session.execute(
            sa.select(Category.created_at, Category.updated_at).where(Category.id == category_id)
        )
    ).one()
    assert created_at == LONG_AGO
    assert updated_at > LONG_AGO


async def test_deleting_a_category_removes_it(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    category = await storage.create_category(ada, CategoryCreate(name="Work"))
    category_id = category.id
    assert await storage.delete_category(ada, category_id) is True
    storage.session.expire_all()
    assert await storage.get_category(ada, category_id) is None
    assert await storage.list_categories(ada) == []
    assert await storage.delete_category(ada, category_id) is False


async def test_deleting_a_category_leaves_its_prompts_uncategorised(
    storage: Storage, session: AsyncSession
) -> None:
    ada = await make_user(storage, "ada")
    work = await storage.create_category(ada, CategoryCreate(name="Work"))
    home = await storage.create_category(ada, CategoryCreate(name="Home"))
    work_id, home_id = work.id, home.id
    filed = await storage.create_prompt(
        ada, PromptCreate(title="Filed", content="x", category_id=work_id)
    )
    elsewhere = await storage.create_prompt(
        ada, PromptCreate(title="Elsewhere", content="y", category_id=home_id)
    )
    filed_id, elsewhere_id = filed.id, elsewhere.id
    assert await storage.delete_category(ada, work_id) is True
    session.expire_all()
    rows = await session.execute(sa.select(Prompt.id, Prompt.category_id).order_by(Prompt.id))
    assert {prompt_id: category_id for prompt_id, category_id in rows} == {
        filed_id: None,
        elsewhere_id: home_id,
    }
    prompt = await storage.get_prompt(ada, filed_id)
    assert prompt is not None
    assert prompt.category_id is None


async def test_another_users_category_reads_as_absent(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    bob = await make_user(storage, "bob")
    category = await storage.create_category(ada, CategoryCreate(name="Work"))
    assert await storage.get_category(bob, category.id) is None
    assert await storage.list_categories(bob) == []


async def test_another_users_category_cannot_be_changed_or_deleted(
    storage: Storage, session: AsyncSession
) -> None:
    ada = await make_user(storage, "ada")
    bob = await make_user(storage, "bob")
    category = await storage.create_category(ada, CategoryCreate(name="Work"))
    category_id = category.id
    assert await storage.update_category(bob, category_id, CategoryUpdate(name="Mine")) is None
    assert await storage.delete_category(bob, category_id) is False
    session.expire_all()
    name = await session.scalar(sa.select(Category.name).where(Category.id == category_id))
    assert name == "Work"


async def test_an_id_out_of_range_reads_as_absent(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    await storage.create_category(ada, CategoryCreate(name="Work"))
    for category_id in OUT_OF_RANGE_IDS:
        assert await storage.get_category(ada, category_id) is None
        assert await storage.update_category(ada, category_id, CategoryUpdate(name="x")) is None
        assert await storage.delete_category(ada, category_id) is False


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(lambda s, c: s.get_category("a\x00b", c), id="get_category"),
        pytest.param(lambda s, c: s.list_categories("a\x00b"), id="list_categories"),
        pytest.param(
            lambda s, c: s.create_category("a\x00b", CategoryCreate(name="x")),
            id="create_category",
        ),
        pytest.param(lambda s, c: s.delete_category("a\x00b", c), id="delete_category"),
    ],
)
async def test_a_nul_character_in_an_owner_id_is_invalid_input(
    storage: Storage, operation: Callable[[Storage, int], Awaitable[object]]
) -> None:
    ada = await make_user(storage, "ada")
    category = await storage.create_category(ada, CategoryCreate(name="Work"))
    with pytest.raises(Invalid):
        await operation(storage, category.id)


async def test_prompts_are_counted_per_category_in_one_query(
    storage: Storage, session: AsyncSession
) -> None:
    ada = await make_user(storage, "ada")
    bob = await make_user(storage, "bob")
    work = await storage.create_category(ada, CategoryCreate(name="Work"))
    home = await storage.create_category(ada, CategoryCreate(name="Home"))
    await storage.create_category(ada, CategoryCreate(name="Empty"))
    for title, category in (("a", work.id), ("b", work.id), ("c", home.id), ("d", None)):
        await storage.create_prompt(
            ada, PromptCreate(title=title, content="x", category_id=category)
        )
    await storage.create_prompt(bob, PromptCreate(title="theirs", content="x"))

    statements: list[str] = []

    def note(*args: object) -> None:
        statements.append(str(args[2]))

    engine = session.bind.sync_engine  # type: ignore[union-attr]
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        counts = await storage.count_prompts_by_category(ada)
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    assert counts == {work.id: 2, home.id: 1, None: 1}
    assert len(statements) == 1, statements
