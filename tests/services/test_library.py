"""The library services: categories, prompts, versions and responses, each scoped to its owner."""

from __future__ import annotations

import pytest

from promptpro.errors import Conflict, Invalid, NotFound
from promptpro.schemas.library import (
    CategoryCreate,
    CategoryUpdate,
    PromptCreate,
    PromptParameters,
    PromptUpdate,
)
from promptpro.schemas.pages import PromptPage
from promptpro.schemas.responses import ResponseCreate
from promptpro.schemas.users import UserCreate
from promptpro.services.categories import CategoryService
from promptpro.services.prompts import PromptService
from promptpro.services.responses import ResponseService
from promptpro.storage import Keyset, Storage


async def new_user(storage: Storage, username: str) -> str:
    user = await storage.create_user(UserCreate(username=username))
    return user.id


@pytest.fixture
async def ada_id(storage: Storage) -> str:
    return await new_user(storage, "ada")


@pytest.fixture
async def bob_id(storage: Storage) -> str:
    return await new_user(storage, "bob")


# Categories


async def test_categories_list_by_name_whatever_the_case(storage: Storage, ada_id: str) -> None:
    categories = CategoryService(storage, ada_id)
    for name in ("writing", "Code", "analysis"):
        await categories.create_category(CategoryCreate(name=name))
    names = [category.name for category in await categories.list_categories()]
    assert names == ["analysis", "Code", "writing"]


async def test_a_category_name_is_unique_per_user_regardless_of_case(
    storage: Storage, ada_id: str, bob_id: str
) -> None:
    await CategoryService(storage, ada_id).create_category(CategoryCreate(name="Writing"))
    await CategoryService(storage, bob_id).create_category(CategoryCreate(name="writing"))
    with pytest.raises(Conflict) as raised:
        await CategoryService(storage, ada_id).create_category(CategoryCreate(name="WRITING"))
    assert raised.value.field == "name"


async def test_another_users_category_is_not_found(
    storage: Storage, ada_id: str, bob_id: str
) -> None:
    created = await CategoryService(storage, ada_id).create_category(CategoryCreate(name="Mine"))
    theirs = CategoryService(storage, bob_id)
    assert await theirs.list_categories() == []
    with pytest.raises(NotFound):
        await theirs.get_category(created.id)
    with pytest.raises(NotFound):
        await theirs.update_category(created.id, CategoryUpdate(name="Stolen"))
    with pytest.raises(NotFound):
        await theirs.delete_category(created.id)
    assert (await CategoryService(storage, ada_id).get_category(created.id)).name == "Mine"


async def test_a_category_is_renamed_and_redescribed(storage: Storage, ada_id: str) -> None:
    categories = CategoryService(storage, ada_id)
    created = await categories.create_category(CategoryCreate(name="Old", description="d"))
    updated = await categories.update_category(created.id, CategoryUpdate(name="New"))
    assert (updated.name, updated.description) == ("New", "d")
    cleared = await categories.update_category(created.id, CategoryUpdate(description=None))
    assert cleared.description is None


async def test_deleting_a_category_leaves_its_prompts_uncategorised(
    storage: Storage, ada_id: str
) -> None:
    category = await CategoryService(storage, ada_id).create_category(CategoryCreate(name="Tmp"))
    prompts = PromptService(storage, ada_id)
    prompt = await prompts.create_prompt(
        PromptCreate(title="t", content="c", category_id=category.id)
    )
    await CategoryService(storage, ada_id).delete_category(category.id)
    storage.session.expire_all()
    assert (await prompts.get_prompt(prompt.id)).category_id is None


async def test_out_of_range_ids_are_not_found(storage: Storage, ada_id: str) -> None:
    with pytest.raises(NotFound):
        await CategoryService(storage, ada_id).get_category(99_999_999_999)
    with pytest.raises(NotFound):
        await PromptService(storage, ada_id).get_prompt(-1)
    with pytest.raises(NotFound):
        await ResponseService(storage, ada_id).get_response(2**63)


# Prompts


async def test_a_new_prompt_is_version_1_with_its_parameters(storage: Storage, ada_id: str) -> None:
    prompts = PromptService(storage, ada_id)
    prompt = await prompts.create_prompt(
        PromptCreate(
            title="Haiku",
            content="Write a haiku about {{topic}}",
            model="openai/gpt-4o-mini",
            parameters=PromptParameters(temperature=0.7, max_tokens=100),
        )
    )
    assert prompt.parameters == PromptParameters(temperature=0.7, max_tokens=100)
    versions = await prompts.list_versions(prompt.id)
    assert [(v.version, v.title, v.model) for v in versions] == [(1, "Haiku", "openai/gpt-4o-mini")]


async def test_each_change_of_a_versioned_field_adds_a_version(
    storage: Storage, ada_id: str
) -> None:
    prompts = PromptService(storage, ada_id)
    prompt = await prompts.create_prompt(PromptCreate(title="v1", content="one"))
    await prompts.update_prompt(prompt.id, PromptUpdate(content="two"))
    await prompts.update_prompt(prompt.id, PromptUpdate(model="anthropic/claude-sonnet-4-5"))
    await prompts.update_prompt(prompt.id, PromptUpdate(content="two"))  # no change
    category = await CategoryService(storage, ada_id).create_category(CategoryCreate(name="C"))
    await prompts.update_prompt(prompt.id, PromptUpdate(category_id=category.id))  # unversioned
    versions = await prompts.list_versions(prompt.id)
    assert [(v.version, v.content, v.model) for v in versions] == [
        (3, "two", "anthropic/claude-sonnet-4-5"),
        (2, "two", None),
        (1, "one", None),
    ]


@pytest.mark.parametrize("model", ["mistral/large", "openai-ish/gpt-4o", "ollama/llama3"])
async def test_a_model_of_an_unknown_provider_is_invalid(
    storage: Storage, ada_id: str, model: str
) -> None:
    prompts = PromptService(storage, ada_id)
    with pytest.raises(Invalid) as raised:
        await prompts.create_prompt(PromptCreate(title="t", content="c", model=model))
    assert raised.value.field == "model"
    prompt = await prompts.create_prompt(PromptCreate(title="t", content="c"))
    with pytest.raises(Invalid):
        await prompts.update_prompt(prompt.id, PromptUpdate(model=model))


@pytest.mark.parametrize("model", ["openai/gpt-4o", "anthropic/x", "gemini/g-2.5", "xai/grok-4"])
async def test_models_of_every_known_provider_are_accepted(
    storage: Storage, ada_id: str, model: str
) -> None:
    prompt = await PromptService(storage, ada_id).create_prompt(
        PromptCreate(title="t", content="c", model=model)
    )
    assert prompt.model == model


async def test_a_prompt_can_only_be_filed_in_the_users_own_category(
    storage: Storage, ada_id: str, bob_id: str
) -> None:
    bobs = await CategoryService(storage, bob_id).create_category(CategoryCreate(name="Bob's"))
    prompts = PromptService(storage, ada_id)
    with pytest.raises(Invalid) as raised:
        await prompts.create_prompt(PromptCreate(title="t", content="c", category_id=bobs.id))
    assert raised.value.field == "categoryId"
    prompt = await prompts.create_prompt(PromptCreate(title="t", content="c"))
    with pytest.raises(Invalid):
        await prompts.update_prompt(prompt.id, PromptUpdate(category_id=bobs.id))


async def test_the_list_pages_newest_updated_first(storage: Storage, ada_id: str) -> None:
    prompts = PromptService(storage, ada_id)
    ids = [
        (await prompts.create_prompt(PromptCreate(title=f"p{n}", content="c"))).id for n in range(5)
    ]
    await prompts.update_prompt(ids[0], PromptUpdate(title="touched"))
    expected = [ids[0], ids[4], ids[3], ids[2], ids[1]]
    seen: list[int] = []
    cursor = None
    for _ in range(3):
        page = await prompts.list_prompts(limit=2, cursor=cursor)
        seen += [prompt.id for prompt in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == expected
    assert cursor is None


async def test_the_list_filters_by_category_and_searches_title_and_content(
    storage: Storage, ada_id: str
) -> None:
    category = await CategoryService(storage, ada_id).create_category(CategoryCreate(name="Code"))
    prompts = PromptService(storage, ada_id)
    await prompts.create_prompt(PromptCreate(title="Refactor", content="Tidy this Python"))
    await prompts.create_prompt(
        PromptCreate(title="Review", content="Find bugs", category_id=category.id)
    )
    await prompts.create_prompt(PromptCreate(title="Poem", content="100% rhyme"))

    def titles(page: PromptPage) -> list[str]:
        return sorted(prompt.title for prompt in page.items)

    assert titles(await prompts.list_prompts(category_id=category.id)) == ["Review"]
    assert titles(await prompts.list_prompts(q="python")) == ["Refactor"]
    assert titles(await prompts.list_prompts(q="RE")) == ["Refactor", "Review"]
    assert titles(await prompts.list_prompts(q="100%")) == ["Poem"]
    assert titles(await prompts.list_prompts(q="_")) == []
    assert titles(await prompts.list_prompts(q="  ")) == ["Poem", "Refactor", "Review"]
    assert titles(await prompts.list_prompts(category_id=99_999_999_999)) == []


async def test_the_list_never_shows_another_users_prompts(
    storage: Storage, ada_id: str, bob_id: str
) -> None:
    await PromptService(storage, ada_id).create_prompt(PromptCreate(title="ada's", content="c"))
    assert (await PromptService(storage, bob_id).list_prompts()).items == []


@pytest.mark.parametrize("limit", [0, -1, 101])
async def test_a_page_size_outside_1_to_100_is_invalid(
    storage: Storage, ada_id: str, limit: int
) -> None:
    with pytest.raises(Invalid) as raised:
        await PromptService(storage, ada_id).list_prompts(limit=limit)
    assert raised.value.field == "limit"


@pytest.mark.parametrize(
    "cursor",
    ["", "not-a-cursor", "W10", Keyset.__name__, "x" * 500, "WyIyMDI0IiwwXQ", "\x00"],
)
async def test_a_cursor_this_server_did_not_make_is_invalid(
    storage: Storage, ada_id: str, cursor: str
) -> None:
    with pytest.raises(Invalid) as raised:
        await PromptService(storage, ada_id).list_prompts(cursor=cursor)
    assert raised.value.field == "cursor"
    with pytest.raises(Invalid):
        await ResponseService(storage, ada_id).list_responses(1, cursor=cursor)


@pytest.mark.parametrize("q", ["a\x00b", "x" * 201])
async def test_unsearchable_text_is_invalid(storage: Storage, ada_id: str, q: str) -> None:
    with pytest.raises(Invalid) as raised:
        await PromptService(storage, ada_id).list_prompts(q=q)
    assert raised.value.field == "q"


async def test_another_users_prompt_and_its_versions_are_not_found(
    storage: Storage, ada_id: str, bob_id: str
) -> None:
    prompt = await PromptService(storage, ada_id).create_prompt(
        PromptCreate(title="t", content="c")
    )
    theirs = PromptService(storage, bob_id)
    for attempt in (
        theirs.get_prompt(prompt.id),
        theirs.update_prompt(prompt.id, PromptUpdate(title="stolen")),
        theirs.list_versions(prompt.id),
        theirs.delete_prompt(prompt.id),
    ):
        with pytest.raises(NotFound):
            await attempt
    assert (await PromptService(storage, ada_id).get_prompt(prompt.id)).title == "t"


# Responses


async def add_responses(storage: Storage, owner: str, prompt_id: int, count: int) -> list[int]:
    ids = []
    for n in range(count):
        response = await storage.create_response(
            owner, prompt_id, ResponseCreate(model="openai/gpt-4o-mini", content=f"answer {n}")
        )
        ids.append(response.id)
    return ids


async def test_responses_page_newest_first(storage: Storage, ada_id: str) -> None:
    prompt = await PromptService(storage, ada_id).create_prompt(
        PromptCreate(title="t", content="c")
    )
    ids = await add_responses(storage, ada_id, prompt.id, 3)
    responses = ResponseService(storage, ada_id)
    first = await responses.list_responses(prompt.id, limit=2)
    assert [r.id for r in first.items] == [ids[2], ids[1]]
    second = await responses.list_responses(prompt.id, limit=2, cursor=first.next_cursor)
    assert [r.id for r in second.items] == [ids[0]]
    assert second.next_cursor is None


async def test_a_response_is_read_and_deleted_by_its_owner_only(
    storage: Storage, ada_id: str, bob_id: str
) -> None:
    prompt = await PromptService(storage, ada_id).create_prompt(
        PromptCreate(title="t", content="c")
    )
    [response_id] = await add_responses(storage, ada_id, prompt.id, 1)
    theirs = ResponseService(storage, bob_id)
    with pytest.raises(NotFound):
        await theirs.list_responses(prompt.id)
    with pytest.raises(NotFound):
        await theirs.get_response(response_id)
    with pytest.raises(NotFound):
        await theirs.delete_response(response_id)
    mine = ResponseService(storage, ada_id)
    assert (await mine.get_response(response_id)).content == "answer 0"
    await mine.delete_response(response_id)
    with pytest.raises(NotFound):
        await mine.get_response(response_id)
    assert (await mine.list_responses(prompt.id)).items == []


async def test_deleting_a_prompt_deletes_its_responses(storage: Storage, ada_id: str) -> None:
    prompt = await PromptService(storage, ada_id).create_prompt(
        PromptCreate(title="t", content="c")
    )
    [response_id] = await add_responses(storage, ada_id, prompt.id, 1)
    await PromptService(storage, ada_id).delete_prompt(prompt.id)
    with pytest.raises(NotFound):
        await ResponseService(storage, ada_id).get_response(response_id)
