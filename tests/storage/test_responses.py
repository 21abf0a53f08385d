"""Responses: the record of each run of a prompt, reachable only through the prompt's owner."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from promptpro.db.models import Response, ResponseStatus
from promptpro.db.session import SessionFactory
from promptpro.errors import Invalid, NotFound
from promptpro.schemas.library import PromptCreate, PromptParameters, PromptUpdate
from promptpro.schemas.responses import ResponseCreate, ResponseRead, ResponseUpdate
from promptpro.schemas.users import UserCreate
from promptpro.storage import Keyset, Storage

MODEL = "openai/gpt-4o-mini"
SHARED_STAMP = datetime(2024, 5, 17, 12, 30, 45, 123456, tzinfo=UTC)
OUT_OF_RANGE_IDS = [0, -1, 2**31, 2**63]


async def make_user(storage: Storage, username: str) -> str:
    user = await storage.create_user(UserCreate(username=username))
    return user.id


async def make_prompt(storage: Storage, owner_id: str) -> int:
    prompt = await storage.create_prompt(owner_id, PromptCreate(title="T", content="C"))
    return prompt.id


async def make_response(storage: Storage, owner_id: str, prompt_id: int, content: str = "") -> int:
    response = await storage.create_response(
        owner_id, prompt_id, ResponseCreate(model=MODEL, content=content)
    )
    return response.id


async def count_responses(session: AsyncSession) -> int:
    return await session.scalar(sa.select(sa.func.count()).select_from(Response)) or 0


async def walk(storage: Storage, owner_id: str, prompt_id: int, *, limit: int) -> list[list[int]]:
    pages: list[list[int]] = []
    after: Keyset | None = None
    for _ in range(1000):
        page = await storage.list_responses(owner_id, prompt_id, limit=limit, after=after)
        assert page is not None
        pages.append([response.id for response in page.items])
        if page.next_cursor is None:
            return pages
        after = Keyset.decode(page.next_cursor.encode())
    raise AssertionError("the cursors never reached a last page")


async def test_a_response_reads_back_with_its_whole_run_record(
    storage: Storage, session_factory: SessionFactory
) -> None:
    ada = await make_user(storage, "ada")
    prompt_id = await make_prompt(storage, ada)
    version = await storage.get_latest_version(ada, prompt_id)
    assert version is not None
    data = ResponseCreate(
        content="Bonjour 👋",
        model=MODEL,
        generation_time=1.25,
        prompt_version_id=version.id,
        rendered_input="Say hello to Ada",
        parameters=PromptParameters(temperature=0.7, stop=["\n"]),
        variables={"name": "Ada", "ville": "Zürich 🏔"},
        status=ResponseStatus.COMPLETED,
        input_tokens=12,
        output_tokens=3,
        cost_usd=0.000123,
        time_to_first_token=0.3,
    )
    created = await storage.create_response(ada, prompt_id, data)
    response_id = created.id
    await storage.session.commit()
    async with session_factory() as session:
        response = await Storage(session).get_response(ada, response_id)
        assert response is not None
        read = ResponseRead.model_validate(response)
    assert read.prompt_id == prompt_id
    assert read.run_by_id == ada  # who ran it
    record = read.model_dump(
        exclude={"id", "prompt_id", "run_by_id", "created_at", "rating", "rating_note"}
    )
    assert record == data.model_dump()
    assert (read.rating, read.rating_note) == (None, None)  # not rated yet
    assert read.created_at.tzinfo is not None


async def test_a_response_defaults_to_a_completed_run_with_empty_text(
    storage: Storage,
) -> None:
    ada = await make_user(storage, "ada")
    prompt_id = await make_prompt(storage, ada)
    response = await storage.create_response(ada, prompt_id, ResponseCreate(model=MODEL))
    assert (response.status, response.content, response.error) == ("completed", "", None)


async def test_a_failed_run_is_kept_with_its_error_and_partial_text(
    storage: Storage, session_factory: SessionFactory
) -> None:
    ada = await make_user(storage, "ada")
    prompt_id = await make_prompt(storage, ada)
    running = await storage.create_response(
        ada, prompt_id, ResponseCreate(model=MODEL, status=ResponseStatus.RUNNING)
    )
    response_id = running.id
    error = {"kind": "rate-limited", "detail": "Slow down", "retryAfter": 1.5, "codes": [429]}
    updated = await storage.update_response(
        ada,
        response_id,
        ResponseUpdate(content="Partial ans", status=ResponseStatus.FAILED, error=error),
    )
    assert updated is not None
    await storage.session.commit()
    async with session_factory() as session:
        response = await Storage(session).get_response(ada, response_id)
        assert response is not None
        assert (response.status, response.content, response.error, response.model) == (
            "failed",
            "Partial ans",
            error,
            MODEL,
        )


async def test_a_response_update_changes_only_the_fields_sent(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    prompt_id = await make_prompt(storage, ada)
    created = await storage.create_response(
        ada, prompt_id, ResponseCreate(model=MODEL, content="Hi", input_tokens=5)
    )
    response_id = created.id
    await storage.update_response(ada, response_id, ResponseUpdate(output_tokens=7))
    storage.session.expire_all()
    response = await storage.get_response(ada, response_id)
    assert response is not None
    assert (response.content, response.input_tokens, response.output_tokens) == ("Hi", 5, 7)


async def test_an_unknown_response_reads_as_absent(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    assert await storage.get_response(ada, 999) is None
    assert await storage.update_response(ada, 999, ResponseUpdate(content="x")) is None
    assert await storage.delete_response(ada, 999) is False


async def test_a_prompts_responses_are_listed_newest_first(
    storage: Storage, session: AsyncSession
) -> None:
    ada = await make_user(storage, "ada")
    prompt_id = await make_prompt(storage, ada)
    other_prompt = await make_prompt(storage, ada)
    ids = [await make_response(storage, ada, prompt_id, f"R{n}") for n in range(3)]
    await make_response(storage, ada, other_prompt)
    stamps = [datetime(2024, 1, day, tzinfo=UTC) for day in (2, 3, 1)]
    for response_id, stamp in zip(ids, stamps, strict=True):
        await session.execute(
            sa.update(Response).where(Response.id == response_id).values(created_at=stamp)
        )
    page = await storage.list_responses(ada, prompt_id)
    assert page is not None
    assert [r.id for r in page.items] == [ids[1], ids[0], ids[2]]
    assert page.next_cursor is None


async def test_response_pages_cover_every_response_once_when_all_share_one_timestamp(
    storage: Storage, session: AsyncSession
) -> None:
    ada = await make_user(storage, "ada")
    prompt_id = await make_prompt(storage, ada)
    ids = [await make_response(storage, ada, prompt_id) for _ in range(12)]
    await session.execute(sa.update(Response).values(created_at=SHARED_STAMP))
    pages = await walk(storage, ada, prompt_id, limit=5)
    assert [len(page) for page in pages] == [5, 5, 2]
    assert [response_id for page in pages for response_id in page] == sorted(ids, reverse=True)


@pytest.mark.parametrize("limit", [0, -1])
async def test_a_response_page_limit_below_one_is_invalid(storage: Storage, limit: int) -> None:
    ada = await make_user(storage, "ada")
    prompt_id = await make_prompt(storage, ada)
    await make_response(storage, ada, prompt_id)
    with pytest.raises(Invalid) as raised:
        await storage.list_responses(ada, prompt_id, limit=limit)
    assert raised.value.field == "limit"


async def test_a_prompt_without_responses_lists_an_empty_last_page(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    prompt_id = await make_prompt(storage, ada)
    page = await storage.list_responses(ada, prompt_id)
    assert page is not None
    assert (page.items, page.next_cursor) == ([], None)


async def test_the_responses_of_an_unknown_prompt_read_as_absent(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    assert await storage.list_responses(ada, 999) is None


async def test_deleting_a_response_removes_only_it(storage: Storage, session: AsyncSession) -> None:
    ada = await make_user(storage, "ada")
    prompt_id = await make_prompt(storage, ada)
    doomed = await make_response(storage, ada, prompt_id)
    kept = await make_response(storage, ada, prompt_id)
    assert await storage.delete_response(ada, doomed) is True
    session.expire_all()
    assert await storage.get_response(ada, doomed) is None
    assert list(await session.scalars(sa.select(Response.id))) == [kept]
    assert await storage.delete_response(ada, doomed) is False


async def test_responses_to_a_prompt_survive_its_later_versions(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    prompt_id = await make_prompt(storage, ada)
    first = await storage.get_latest_version(ada, prompt_id)
    assert first is not None
    response = await storage.create_response(
        ada, prompt_id, ResponseCreate(model=MODEL, prompt_version_id=first.id)
    )
    await storage.update_prompt(ada, prompt_id, PromptUpdate(content="v2"))
    reread = await storage.get_response(ada, response.id)
    assert reread is not None
    assert reread.prompt_version_id == first.id


# Owner scoping


async def test_another_users_response_reads_as_absent(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    bob = await make_user(storage, "bob")
    prompt_id = await make_prompt(storage, ada)
    response_id = await make_response(storage, ada, prompt_id, "secret")
    await make_prompt(storage, bob)
    assert await storage.get_response(bob, response_id) is None
    assert await storage.list_responses(bob, prompt_id) is None


async def test_another_users_response_cannot_be_changed_or_deleted(
    storage: Storage, session: AsyncSession
) -> None:
    ada = await make_user(storage, "ada")
    bob = await make_user(storage, "bob")
    prompt_id = await make_prompt(storage, ada)
    response_id = await make_response(storage, ada, prompt_id, "secret")
    assert await storage.update_response(bob, response_id, ResponseUpdate(content="x")) is None
    assert await storage.delete_response(bob, response_id) is False
    session.expire_all()
    content = await session.scalar(sa.select(Response.content).where(Response.id == response_id))
    assert content == "secret"


async def test_a_response_cannot_be_added_to_another_users_prompt(
    storage: Storage, session: AsyncSession
) -> None:
    ada = await make_user(storage, "ada")
    bob = await make_user(storage, "bob")
    prompt_id = await make_prompt(storage, ada)
    await session.commit()
    with pytest.raises(NotFound):
        await storage.create_response(bob, prompt_id, ResponseCreate(model=MODEL))
    await session.rollback()
    assert await count_responses(session) == 0


async def test_a_response_cannot_be_added_to_an_unknown_prompt(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    with pytest.raises(NotFound):
        await storage.create_response(ada, 999, ResponseCreate(model=MODEL))


async def test_a_response_cannot_cite_another_users_prompt_version(
    storage: Storage, session: AsyncSession
) -> None:
    ada = await make_user(storage, "ada")
    bob = await make_user(storage, "bob")
    adas_prompt = await make_prompt(storage, ada)
    adas_version = await storage.get_latest_version(ada, adas_prompt)
    assert adas_version is not None
    version_id = adas_version.id
    bobs_prompt = await make_prompt(storage, bob)
    await session.commit()
    with pytest.raises(Invalid) as raised:
        await storage.create_response(
            bob, bobs_prompt, ResponseCreate(model=MODEL, prompt_version_id=version_id)
        )
    assert raised.value.field == "promptVersionId"
    await session.rollback()
    assert await count_responses(session) == 0


async def test_a_response_cannot_cite_a_version_that_does_not_exist(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    prompt_id = await make_prompt(storage, ada)
    with pytest.raises(Invalid):
        await storage.create_response(
            ada, prompt_id, ResponseCreate(model=MODEL, prompt_version_id=999)
        )


# What goes in comes out


async def test_a_megabyte_of_response_text_round_trips(
    storage: Storage, session_factory: SessionFactory
) -> None:
    ada = await make_user(storage, "ada")
    prompt_id = await make_prompt(storage, ada)
    content = ("Réponse 🧪 漢字 שלום\n" * 40_000)[: 1024 * 1024]
    rendered = "x" * (1024 * 1024)
    response = await storage.create_response(
        ada,
        prompt_id,
        ResponseCreate(model=MODEL, content=content, rendered_input=rendered),
    )
    response_id = response.id
    await storage.session.commit()
    async with session_factory() as session:
        reread = await Storage(session).get_response(ada, response_id)
        assert reread is not None
        assert reread.content == content
        assert reread.rendered_input == rendered


async def test_json_run_details_round_trip_exactly(
    storage: Storage, session_factory: SessionFactory
) -> None:
    ada = await make_user(storage, "ada")
    prompt_id = await make_prompt(storage, ada)
    variables = {"name": "Ada", "emoji": "🧪", "empty": "", "rtl": "שלום", "日本": "語"}
    error: dict[str, Any] = {
        "kind": "upstream",
        "status": 502,
        "ratio": 0.1 + 0.2,
        "tiny": 5e-324,
        "large": 1.5e15,
        "negative": -273.15,
        "nested": {"list": [1, "two", None, True, {"three": 3.0}]},
        "unicode": "Ça a échoué 💥",
    }
    response = await storage.create_response(
        ada, prompt_id, ResponseCreate(model=MODEL, variables=variables, error=error)
    )
    response_id = response.id
    await storage.session.commit()
    async with session_factory() as session:
        reread = await Storage(session).get_response(ada, response_id)
        assert reread is not None
        assert reread.variables == variables
        assert reread.error == error


# Bad input


async def test_a_response_id_out_of_range_reads_as_absent(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    prompt_id = await make_prompt(storage, ada)
    await make_response(storage, ada, prompt_id)
    for response_id in OUT_OF_RANGE_IDS:
        assert await storage.get_response(ada, response_id) is None
        assert await storage.update_response(ada, response_id, ResponseUpdate(content="x")) is None
        assert await storage.delete_response(ada, response_id) is False


async def test_a_prompt_id_out_of_range_has_no_responses(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    for prompt_id in OUT_OF_RANGE_IDS:
        assert await storage.list_responses(ada, prompt_id) is None
        with pytest.raises(NotFound):
            await storage.create_response(ada, prompt_id, ResponseCreate(model=MODEL))


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"prompt_version_id": 2**31}, id="prompt_version_id"),
        pytest.param({"input_tokens": 2**31}, id="input_tokens"),
        pytest.param({"output_tokens": 2**63}, id="output_tokens"),
    ],
)
async def test_an_integer_too_large_for_its_column_is_refused_alike_on_both_databases(
    storage: Storage, fields: dict[str, int]
) -> None:
    ada = await make_user(storage, "ada")
    prompt_id = await make_prompt(storage, ada)
    with pytest.raises((ValidationError, Invalid)):
        await storage.create_response(ada, prompt_id, ResponseCreate(model=MODEL, **fields))


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"error": {"detail": "a\x00b"}}, id="nul-in-error-value"),
        pytest.param({"error": {"a\x00b": "detail"}}, id="nul-in-error-key"),
        pytest.param({"error": {"retry": [float("nan")]}}, id="nan-in-error"),
        pytest.param({"error": {"retry": float("inf")}}, id="infinity-in-error"),
        pytest.param({"variables": {"a\x00b": "value"}}, id="nul-in-variable-name"),
    ],
)
async def test_unstorable_json_in_a_response_is_invalid_input(
    storage: Storage, session: AsyncSession, fields: dict[str, Any]
) -> None:
    ada = await make_user(storage, "ada")
    prompt_id = await make_prompt(storage, ada)
    await session.commit()
    with pytest.raises(Invalid):
        await storage.create_response(ada, prompt_id, ResponseCreate(model=MODEL, **fields))
    await session.rollback()
    assert await count_responses(session) == 0


async def test_unstorable_json_in_a_response_update_is_invalid_input(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    prompt_id = await make_prompt(storage, ada)
    response_id = await make_response(storage, ada, prompt_id)
    with pytest.raises(Invalid):
        await storage.update_response(
            ada, response_id, ResponseUpdate(error={"detail": "bad\x00byte"})
        )


async def test_a_nul_character_in_an_owner_id_is_invalid_input(storage: Storage) -> None:
    ada = await make_user(storage, "ada")
    prompt_id = await make_prompt(storage, ada)
    response_id = await make_response(storage, ada, prompt_id)
    with pytest.raises(Invalid):
        await storage.get_response("a\x00b", response_id)
    with pytest.raises(Invalid):
        await storage.list_responses("a\x00b", prompt_id)
