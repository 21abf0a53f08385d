"""Prompts: the owner's library, its versions, its search and its keyset pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from promptpro.db.models import Prompt, PromptVersion, Response
from promptpro.db.session import SessionFactory
from promptpro.errors import Invalid
from promptpro.schemas.library import (
    CategoryCreate,
    PromptCreate,
    PromptParameters,
    PromptRead,
    PromptUpdate,
)
from promptpro.schemas.responses import ResponseCreate
from promptpro.schemas.users import UserCreate
from promptpro.storage import Keyset, Storage

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
SHARED_STAMP = datetime(2024, 5, 17, 12, 30, 45, 123456, tzinfo=UTC)
OUT_OF_RANGE_IDS = [0, -1, 2**31, 2**63]


async def make_user(storage: Storage, username: str) -> str:
    user = await storage.create_user(UserCreate(username=username))
    return user.id


async def make_prompt(storage: Storage, owner_id: str, title: str = "T", content: str = "C") -> int:
    prompt = await storage.create_prompt(owner_id, PromptCreate(title=title, content=content))
    return prompt.id


async def count(session: AsyncSession, model: type[Any]) -> int:
    return await session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


async def walk(storage: Storage, owner_id: str, *, limit: int, **filters: Any) -> list[list[int]]:
    """Every page of the owner's listing, as lists of ids, following the cursors."""
    pages: list[list[int]] = []
    after: Keyset | None = None
    for _ in range(1000):
        page = await storage.list_prompts(owner_id, limit=limit, after=after, **filters)
        pages.append([prompt.id for prompt in page.items])
        if page.next_cursor is None:
            return pages
        # Through the opaque form, as a client would send it back.
        after = Keyset.decode(page.next_cursor.encode())
    raise AssertionError("the cursors never reached a last page")


async def search(storage: Storage, owner_id: str, q: str) -> set[int]:
    page = await storage.list_prompts(owner_id, q=q)
    return {prompt.id for prompt in page.items}


# Creating and reading


async def test_a_new_prompt_reads_back_with_every_field(
    storage: Storage, session_factory: SessionFactory
) -> None:
    ada = await make_user(storage, "ada")
    category = await storage.create_category(ada, CategoryCreate(name="Work"))
    created = await storage.create_prompt(
        ada,
        PromptCreate(
            title="Summarise",
            content="Summarise {{text}}",
            category_id=category.id,
            model="openai/gpt-4o-mini",
            parameters=PromptParameters(temperature=0.2, max_tokens=500),
        ),
    )
    prompt_id, category_id = created.id, category.id
    await storage.session.commit()
    async with session_factory() as session:
        prompt = await Storage(session).get_prompt(ada, prompt_id)
        assert prompt is not None
        read = PromptRead.model_validate(prompt)
    assert (read.title, read.content, read.category_id, read.model) == (
        "Summarise",
        "Summarise {{text}}",
        category_id,
        "openai/gpt-4o-mini",
    )
    assert read.parameters == PromptParameters(temperature=0.2, max_tokens=500)
    assert read.created_at.tzinfo is not None


async def test_a_prompt_without_category_model_or_parameters_reads_back_empty(
    storage: Storage,
) -> None:
    ada = await make_user(storage, "ada")
    prompt_id = await make_prompt(storage, ada)
    storage.session.expire_all()
    prompt = await storage.get_prompt(ada, prompt_id)
    assert prompt is not None
    assert (prompt.category_id, prompt.model, prompt.parameters) == (None, None, None)


async def test_an_unknown_prompt_reads_as_absent(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    assert await storage.get_prompt(ada, 12345) is None


async def test_a_new_prompt_is_saved_as_version_one(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    prompt = await storage.create_prompt(
        ada,
        PromptCreate(
            title="T",
            content="C",
            model="openai/gpt-4o",
            parameters=PromptParameters(temperature=1.0),
        ),
    )
    versions = await storage.list_prompt_versions(ada, prompt.id)
    assert versions is not None
    assert len(versions) == 1
    (version,) = versions
    assert (version.version, version.prompt_id, version.title, version.content) == (
        1,
        prompt.id,
        "T",
        "C",
    )
    assert (version.model, version.parameters) == ("openai/gpt-4o", {"temperature": 1.0})


async def test_a_prompt_cannot_be_filed_in_a_category_that_does_not_exist(
    storage: Storage, session: AsyncSession
) -> None:
    ada = await make_user(storage, "ada")
    await session.commit()
    with pytest.raises(Invalid) as raised:
        await storage.create_prompt(ada, PromptCreate(title="T", content="C", category_id=999))
    assert raised.value.field == "categoryId"
    await session.rollback()
    assert await count(session, Prompt) == 0
    assert await count(session, PromptVersion) == 0


# Updating and versions


async def test_a_change_of_content_saves_a_new_version_and_keeps_the_old_one(
    storage: Storage,
) -> None:
    ada = await make_user(storage, "ada")
    prompt_id = await make_prompt(storage, ada, content="first")
    updated = await storage.update_prompt(ada, prompt_id, PromptUpdate(content="second"))
    assert updated is not None
    assert updated.content == "second"
    versions = await storage.list_prompt_versions(ada, prompt_id)
    assert versions is not None
    assert [(v.version, v.content) for v in versions] == [(2, "second"), (1, "first")]
    latest = await storage.get_latest_version(ada, prompt_id)
    assert latest is not None
    assert (latest.version, latest.content) == (2, "second")


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param(PromptUpdate(title="New title"), id="title"),
        pytest.param(PromptUpdate(model="anthropic/claude-3-5-haiku"), id="model"),
        pytest.param(PromptUpdate(parameters=PromptParameters(top_p=0.5)), id="parameters"),
        pytest.param(PromptUpdate(parameters=None), id="parameters-cleared"),
    ],
)
async def test_a_change_of_any_versioned_field_saves_a_new_version(
    storage: Storage, changes: PromptUpdate
) -> None:
    ada = await make_user(storage, "ada")
    prompt = await storage.create_prompt(
        ada, PromptCreate(title="T", content="C", parameters=PromptParameters(temperature=1))
    )
    await storage.update_prompt(ada, prompt.id, changes)
    latest = await storage.get_latest_version(ada, prompt.id)
    assert latest is not None
    assert latest.version == 2
    assert (latest.title, latest.model, latest.parameters) == (
        prompt.title,
        prompt.model,
        prompt.parameters,
    )


async def test_an_update_that_changes_nothing_versioned_saves_no_version(
    storage: Storage,
) -> None:
    ada = await make_user(storage, "ada")
    category = await storage.create_category(ada, CategoryCreate(name="Work"))
    prompt_id = await make_prompt(storage, ada, title="T", content="C")
    await storage.update_prompt(ada, prompt_id, PromptUpdate(title="T", content="C"))
    await storage.update_prompt(ada, prompt_id, PromptUpdate(category_id=category.id))
    await storage.update_prompt(ada, prompt_id, PromptUpdate())
    versions = await storage.list_prompt_versions(ada, prompt_id)
    assert versions is not None
    assert [v.version for v in versions] == [1]


async def test_versions_are_numbered_one_by_one_per_prompt(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    first = await make_prompt(storage, ada)
    second = await make_prompt(storage, ada)
    for n in range(3):
        await storage.update_prompt(ada, first, PromptUpdate(content=f"first {n}"))
    await storage.update_prompt(ada, second, PromptUpdate(content="second"))
    first_versions = await storage.list_prompt_versions(ada, first)
    second_versions = await storage.list_prompt_versions(ada, second)
    assert first_versions is not None
    assert second_versions is not None
    assert [v.version for v in first_versions] == [4, 3, 2, 1]
    assert [v.version for v in second_versions] == [2, 1]


async def test_a_prompt_can_be_moved_between_categories_and_out_of_them(
    storage: Storage,
) -> None:
    ada = await make_user(storage, "ada")
    work = await storage.create_category(ada, CategoryCreate(name="Work"))
    home = await storage.create_category(ada, CategoryCreate(name="Home"))
    prompt = await storage.create_prompt(
        ada, PromptCreate(title="T", content="C", category_id=work.id)
    )
    moved = await storage.update_prompt(ada, prompt.id, PromptUpdate(category_id=home.id))
    assert moved is not None
    assert moved.category_id == home.id
    unfiled = await storage.update_prompt(ada, prompt.id, PromptUpdate(category_id=None))
    assert unfiled is not None
    assert unfiled.category_id is None


async def test_a_prompt_cannot_be_moved_to_a_category_that_does_not_exist(
    storage: Storage,
) -> None:
    ada = await make_user(storage, "ada")
    prompt_id = await make_prompt(storage, ada)
    with pytest.raises(Invalid) as raised:
        await storage.update_prompt(ada, prompt_id, PromptUpdate(category_id=999))
    assert raised.value.field == "categoryId"


async def test_updating_an_unknown_prompt_reads_as_absent(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    assert await storage.update_prompt(ada, 999, PromptUpdate(title="x")) is None


async def test_updating_a_prompt_moves_updated_at_but_not_created_at(
    storage: Storage, session: AsyncSession
) -> None:
    ada = await make_user(storage, "ada")
    prompt_id = await make_prompt(storage, ada)
    await session.execute(
        sa.update(Prompt)
        .where(Prompt.id == prompt_id)
        .values(created_at=LONG_AGO, updated_at=LONG_AGO)
    )
    session.expire_all()
    await storage.update_prompt(ada, prompt_id, PromptUpdate(title="New"))
    created_at, updated_at = (
        await session.execute(
            sa.select(Prompt.created_at, Prompt.updated_at).where(Prompt.id == prompt_id)
        )
    ).one()
    assert created_at == LONG_AGO
    assert updated_at > LONG_AGO


async def test_an_updated_prompt_comes_first_in_the_listing(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    ids = [await make_prompt(storage, ada, title=f"P{n}") for n in range(3)]
    await storage.session.execute(
        sa.update(Prompt).values(updated_at=SHARED_STAMP - timedelta(days=1))
    )
    await storage.update_prompt(ada, ids[0], PromptUpdate(title="Touched"))
    page = await storage.list_prompts(ada)
    assert [p.id for p in page.items] == [ids[0], ids[2], ids[1]]


# Deleting


async def test_deleting_a_prompt_deletes_its_versions_and_responses(
    storage: Storage, session: AsyncSession
) -> None:
    ada = await make_user(storage, "ada")
    doomed = await make_prompt(storage, ada)
    kept = await make_prompt(storage, ada)
    for prompt_id in (doomed, kept):
        await storage.update_prompt(ada, prompt_id, PromptUpdate(content="v2"))
        await storage.create_response(ada, prompt_id, ResponseCreate(model="openai/gpt-4o"))
    assert await storage.delete_prompt(ada, doomed) is True
    session.expire_all()
    assert await storage.get_prompt(ada, doomed) is None
    assert await storage.list_prompt_versions(ada, doomed) is None
    versions = await session.scalars(sa.select(PromptVersion.prompt_id))
    responses = await session.scalars(sa.select(Response.prompt_id))
    assert set(versions) == {kept}
    assert list(responses) == [kept]
    assert await storage.delete_prompt(ada, doomed) is False


# Owner scoping


async def test_another_users_prompt_reads_as_absent(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    bob = await make_user(storage, "bob")
    prompt_id = await make_prompt(storage, ada, title="Secret", content="secret")
    assert await storage.get_prompt(bob, prompt_id) is None
    assert await storage.list_prompt_versions(bob, prompt_id) is None
    assert await storage.get_latest_version(bob, prompt_id) is None


async def test_another_users_prompts_never_appear_in_a_listing(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    bob = await make_user(storage, "bob")
    category = await storage.create_category(ada, CategoryCreate(name="Work"))
    await storage.create_prompt(
        ada, PromptCreate(title="Secret", content="secret", category_id=category.id)
    )
    bobs = await make_prompt(storage, bob, title="Mine", content="mine")
    assert [p.id for p in (await storage.list_prompts(bob)).items] == [bobs]
    assert (await storage.list_prompts(bob, q="secret")).items == []
    assert (await storage.list_prompts(bob, category_id=category.id)).items == []


async def test_another_users_prompt_cannot_be_changed_or_deleted(
    storage: Storage, session: AsyncSession
) -> None:
    ada = await make_user(storage, "ada")
    bob = await make_user(storage, "bob")
    prompt_id = await make_prompt(storage, ada, title="Secret", content="secret")
    assert await storage.update_prompt(bob, prompt_id, PromptUpdate(content="pwned")) is None
    assert await storage.delete_prompt(bob, prompt_id) is False
    session.expire_all()
    content = await session.scalar(sa.select(Prompt.content).where(Prompt.id == prompt_id))
    assert content == "secret"
    assert await count(session, PromptVersion) == 1


async def test_a_prompt_cannot_be_filed_in_another_users_category(
    storage: Storage, session: AsyncSession
) -> None:
    ada = await make_user(storage, "ada")
    bob = await make_user(storage, "bob")
    adas_category = await storage.create_category(ada, CategoryCreate(name="Work"))
    category_id = adas_category.id
    await session.commit()
    with pytest.raises(Invalid) as raised:
        await storage.create_prompt(
            bob, PromptCreate(title="T", content="C", category_id=category_id)
        )
    assert raised.value.field == "categoryId"
    await session.rollback()
    assert await count(session, Prompt) == 0
    bobs = await make_prompt(storage, bob)
    with pytest.raises(Invalid) as raised:
        await storage.update_prompt(bob, bobs, PromptUpdate(category_id=category_id))
    assert raised.value.field == "categoryId"


# Listing: category filter and search


async def test_the_listing_filters_by_category(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    work = await storage.create_category(ada, CategoryCreate(name="Work"))
    home = await storage.create_category(ada, CategoryCreate(name="Home"))
    at_work = await storage.create_prompt(
        ada, PromptCreate(title="A", content="a", category_id=work.id)
    )
    await storage.create_prompt(ada, PromptCreate(title="B", content="b", category_id=home.id))
    await make_prompt(storage, ada)
    page = await storage.list_prompts(ada, category_id=work.id)
    assert [p.id for p in page.items] == [at_work.id]


async def test_an_owner_without_prompts_gets_an_empty_last_page(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    page = await storage.list_prompts(ada)
    assert page.items == []
    assert page.next_cursor is None


async def test_search_matches_title_or_content_regardless_of_case(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    in_content = await make_prompt(storage, ada, title="Greeting", content="Say HELLO to all")
    in_title = await make_prompt(storage, ada, title="hello there", content="x")
    await make_prompt(storage, ada, title="Other", content="nothing")
    assert await search(storage, ada, "Hello") == {in_content, in_title}
    assert await search(storage, ada, "greet") == {in_content}


async def test_search_matches_percent_and_underscore_literally(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    percent = await make_prompt(storage, ada, content="Take 50% off")
    await make_prompt(storage, ada, content="Take 500 off")
    underscore = await make_prompt(storage, ada, title="snake_case")
    await make_prompt(storage, ada, title="snakeXcase")
    backslash = await make_prompt(storage, ada, content="C:\\temp\\file")
    await make_prompt(storage, ada, content="C:temp")
    assert await search(storage, ada, "50%") == {percent}
    assert await search(storage, ada, "e_c") == {underscore}
    assert await search(storage, ada, "%") == {percent}
    assert await search(storage, ada, "_") == {underscore}
    assert await search(storage, ada, "C:\\t") == {backslash}


async def test_search_ignores_the_case_of_accented_letters(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    summer = await make_prompt(storage, ada, title="ÉTÉ", content="Ça va")
    assert await search(storage, ada, "été") == {summer}
    assert await search(storage, ada, "ÇA") == {summer}


async def test_search_and_category_filter_combine(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    work = await storage.create_category(ada, CategoryCreate(name="Work"))
    wanted = await storage.create_prompt(
        ada, PromptCreate(title="Report", content="x", category_id=work.id)
    )
    await storage.create_prompt(ada, PromptCreate(title="Other", content="x", category_id=work.id))
    await make_prompt(storage, ada, title="Report", content="x")
    page = await storage.list_prompts(ada, category_id=work.id, q="report")
    assert [p.id for p in page.items] == [wanted.id]


# Listing: keyset pages


async def test_pages_cover_every_prompt_once_when_all_share_one_timestamp(
    storage: Storage, session: AsyncSession
) -> None:
    ada = await make_user(storage, "ada")
    bob = await make_user(storage, "bob")
    ids = [await make_prompt(storage, ada, title=f"P{n}") for n in range(25)]
    await make_prompt(storage, bob)
    await session.execute(sa.update(Prompt).values(updated_at=SHARED_STAMP))
    pages = await walk(storage, ada, limit=7)
    assert [len(page) for page in pages] == [7, 7, 7, 4]
    assert [prompt_id for page in pages for prompt_id in page] == sorted(ids, reverse=True)


async def test_pages_follow_updated_at_then_id_both_descending(
    storage: Storage, session: AsyncSession
) -> None:
    ada = await make_user(storage, "ada")
    ids = [await make_prompt(storage, ada, title=f"P{n}") for n in range(25)]
    stamps = [SHARED_STAMP - timedelta(microseconds=n % 3) for n in range(25)]
    for prompt_id, stamp in zip(ids, stamps, strict=True):
        await session.execute(
            sa.update(Prompt).where(Prompt.id == prompt_id).values(updated_at=stamp)
        )
    pages = await walk(storage, ada, limit=7)
    expected = [
        prompt_id for stamp, prompt_id in sorted(zip(stamps, ids, strict=True), reverse=True)
    ]
    assert [prompt_id for page in pages for prompt_id in page] == expected


async def test_a_listing_that_fills_its_last_page_exactly_has_no_next_cursor(
    storage: Storage,
) -> None:
    ada = await make_user(storage, "ada")
    for n in range(14):
        await make_prompt(storage, ada, title=f"P{n}")
    pages = await walk(storage, ada, limit=7)
    assert [len(page) for page in pages] == [7, 7]


async def test_pages_stay_stable_when_prompts_are_added_during_the_walk(
    storage: Storage, session: AsyncSession
) -> None:
    ada = await make_user(storage, "ada")
    ids = [await make_prompt(storage, ada, title=f"P{n}") for n in range(25)]
    await session.execute(sa.update(Prompt).values(updated_at=SHARED_STAMP))
    seen: list[int] = []
    page = await storage.list_prompts(ada, limit=7)
    for _ in range(10):
        seen += [p.id for p in page.items]
        # Rows added meanwhile: newer ones, and ones sharing the timestamp (with higher ids).
        await make_prompt(storage, ada, title="newer")
        same_stamp = await make_prompt(storage, ada, title="same stamp")
        await session.execute(
            sa.update(Prompt).where(Prompt.id == same_stamp).values(updated_at=SHARED_STAMP)
        )
        if page.next_cursor is None:
            break
        page = await storage.list_prompts(ada, limit=7, after=page.next_cursor)
    assert seen == sorted(ids, reverse=True)


async def test_search_results_are_paged_too(storage: Storage, session: AsyncSession) -> None:
    ada = await make_user(storage, "ada")
    wanted = [await make_prompt(storage, ada, title=f"Match {n}") for n in range(10)]
    for n in range(10):
        await make_prompt(storage, ada, title=f"Other {n}")
    await session.execute(sa.update(Prompt).values(updated_at=SHARED_STAMP))
    pages = await walk(storage, ada, limit=3, q="match")
    assert [len(page) for page in pages] == [3, 3, 3, 1]
    assert [prompt_id for page in pages for prompt_id in page] == sorted(wanted, reverse=True)


@pytest.mark.parametrize(
    "at",
    [
        pytest.param(datetime.min.replace(tzinfo=UTC), id="first-instant"),
        pytest.param(datetime.max.replace(tzinfo=UTC), id="last-instant"),
    ],
)
async def test_a_cursor_at_either_end_of_the_calendar_pages_without_error(
    storage: Storage, at: datetime
) -> None:
    ada = await make_user(storage, "ada")
    ids = [await make_prompt(storage, ada) for _ in range(2)]
    after = Keyset.decode(Keyset(at, 2**31 - 1).encode())
    page = await storage.list_prompts(ada, after=after)
    expected = sorted(ids, reverse=True) if at.year == 9999 else []
    assert [p.id for p in page.items] == expected


@pytest.mark.parametrize("limit", [0, -1])
async def test_a_page_limit_below_one_is_invalid(storage: Storage, limit: int) -> None:
    ada = await make_user(storage, "ada")
    await make_prompt(storage, ada)
    with pytest.raises(Invalid) as raised:
        await storage.list_prompts(ada, limit=limit)
    assert raised.value.field == "limit"


# What goes in comes out


async def test_parameters_round_trip_exactly(
    storage: Storage, session_factory: SessionFactory
) -> None:
    ada = await make_user(storage, "ada")
    parameters = PromptParameters(
        temperature=0.1 + 0.2,
        max_tokens=1_000_000,
        top_p=1 / 3,
        system='Réponds en français 🇫🇷 — 日本語 — שלום — "quotes" \\ and\nnewlines',
        stop=["\n\n", "###", "終わり", "🛑"],
    )
    prompt = await storage.create_prompt(
        ada, PromptCreate(title="T", content="C", parameters=parameters)
    )
    prompt_id = prompt.id
    await storage.session.commit()
    async with session_factory() as session:
        fresh = Storage(session)
        reread = await fresh.get_prompt(ada, prompt_id)
        version = await fresh.get_latest_version(ada, prompt_id)
        assert reread is not None
        assert version is not None
        expected = parameters.model_dump(exclude_none=True)
        assert reread.parameters == expected
        assert version.parameters == expected
        assert reread.parameters is not None
        assert reread.parameters["temperature"] == 0.30000000000000004
        assert reread.parameters["top_p"] == 0.3333333333333333
        assert PromptRead.model_validate(reread).parameters == parameters


async def test_unicode_text_round_trips(storage: Storage, session_factory: SessionFactory) -> None:
    ada = await make_user(storage, "ada")
    title = "Emoji 🧪🚀 中文 العربية עברית"
    content = (
        "Family 👩\u200d👩\u200d👧\u200d👦, combining e\u0301, RTL שלום עולם مرحبا, "
        "CJK 漢字かなカナ한국어, astral 𝄞𓀀🀄, BOM \ufeff, tabs\tand\r\nnewlines"
    )
    prompt_id = await make_prompt(storage, ada, title=title, content=content)
    await storage.session.commit()
    async with session_factory() as session:
        fresh = Storage(session)
        prompt = await fresh.get_prompt(ada, prompt_id)
        assert prompt is not None
        assert (prompt.title, prompt.content) == (title, content)
        assert await search(fresh, ada, "👩\u200d👩") == {prompt_id}
        assert await search(fresh, ada, "漢字") == {prompt_id}


async def test_the_largest_prompt_content_round_trips(
    storage: Storage, session_factory: SessionFactory
) -> None:
    ada = await make_user(storage, "ada")
    content = "🧪" * 99_999 + "!"  # the schema's maximum: 100 000 characters, ~400 kB of UTF-8
    prompt_id = await make_prompt(storage, ada, content=content)
    await storage.session.commit()
    async with session_factory() as session:
        prompt = await Storage(session).get_prompt(ada, prompt_id)
        assert prompt is not None
        assert prompt.content == content


# Bad input


async def test_a_prompt_id_out_of_range_reads_as_absent(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    await make_prompt(storage, ada)
    for prompt_id in OUT_OF_RANGE_IDS:
        assert await storage.get_prompt(ada, prompt_id) is None
        assert await storage.update_prompt(ada, prompt_id, PromptUpdate(title="x")) is None
        assert await storage.delete_prompt(ada, prompt_id) is False
        assert await storage.list_prompt_versions(ada, prompt_id) is None
        assert await storage.get_latest_version(ada, prompt_id) is None


async def test_a_category_id_out_of_range_is_no_category(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    prompt_id = await make_prompt(storage, ada)
    for category_id in OUT_OF_RANGE_IDS:
        with pytest.raises(Invalid) as raised:
            await storage.create_prompt(
                ada, PromptCreate(title="T", content="C", category_id=category_id)
            )
        assert raised.value.field == "categoryId"
        with pytest.raises(Invalid) as raised:
            await storage.update_prompt(ada, prompt_id, PromptUpdate(category_id=category_id))
        assert raised.value.field == "categoryId"


@pytest.mark.parametrize("category_id", OUT_OF_RANGE_IDS)
async def test_filtering_by_a_category_id_out_of_range_lists_nothing(
    storage: Storage, category_id: int
) -> None:
    ada = await make_user(storage, "ada")
    await make_prompt(storage, ada)
    page = await storage.list_prompts(ada, category_id=category_id)
    assert page.items == []
    assert page.next_cursor is None


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(lambda s, owner, p: s.list_prompts(owner, q="a\x00b"), id="search"),
        pytest.param(lambda s, owner, p: s.list_prompts("a\x00b"), id="list-owner"),
        pytest.param(lambda s, owner, p: s.get_prompt("a\x00b", p), id="get-owner"),
        pytest.param(
            lambda s, owner, p: s.create_prompt("a\x00b", PromptCreate(title="T", content="C")),
            id="create-owner",
        ),
    ],
)
async def test_a_nul_character_reaching_prompt_storage_is_invalid_input(
    storage: Storage, operation: Callable[[Storage, str, int], Awaitable[object]]
) -> None:
    ada = await make_user(storage, "ada")
    prompt_id = await make_prompt(storage, ada)
    with pytest.raises(Invalid):
        await operation(storage, ada, prompt_id)
