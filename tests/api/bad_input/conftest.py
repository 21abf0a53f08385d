"""Bad input: every request of these modules is refused, so each module shares one app,
one signed-in user (ada) and one library per database (tests/support/shared_app.py), and
each test checks that the library is as it was after its request (`unchanged`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.api.bad_input.helpers import CATEGORIES, PROMPTS, TEST_SETS
from tests.support.shared_app import signed_in


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared(
    module_database: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, int]]]:
    """ada, signed in, and her library: one category, a prompt filed in it, a test set."""
    async with signed_in(module_database, tmp_path_factory.mktemp("data")) as ada:
        category = (await ada.post(CATEGORIES, json={"name": "Keep"})).json()["id"]
        prompt = (
            await ada.post(PROMPTS, json={"title": "Keep", "content": "c", "categoryId": category})
        ).json()["id"]
        test_set = (await ada.post(TEST_SETS, json={"name": "Keep"})).json()["id"]
        workspace = (await ada.get("/api/v1/workspaces")).json()[0]["id"]
        library = {
            "category": category,
            "prompt": prompt,
            "test_set": test_set,
            "workspace": workspace,
        }
        yield ada, library


@pytest.fixture
def ada(shared: tuple[httpx.AsyncClient, dict[str, int]]) -> httpx.AsyncClient:
    return shared[0]


@pytest.fixture
def library(shared: tuple[httpx.AsyncClient, dict[str, int]]) -> dict[str, int]:
    """The objects the bad requests aim at."""
    return shared[1]


async def state(client: httpx.AsyncClient, library: dict[str, int]) -> list[Any]:
    """What the user's library holds, to compare before and after a refused request."""
    return [
        (await client.get(CATEGORIES)).json(),
        (await client.get(PROMPTS)).json(),
        (await client.get(f"{PROMPTS}/{library['prompt']}/versions")).json(),
        (await client.get(TEST_SETS)).json(),
    ]


@pytest_asyncio.fixture(loop_scope="module")
async def unchanged(ada: httpx.AsyncClient, library: dict[str, int]) -> AsyncIterator[None]:
    """Fail the test if the library changed."""
    before = await state(ada, library)
    yield
    assert await state(ada, library) == before
