"""Rows and files a test set refuses: each is a 422 naming what is wrong (for a file, its
line), and the set is left as it was.

Every request here is refused, so the tests share one app, one signed-in user and one
empty set per database (tests/support/shared_app.py), and each checks the set is still
empty after its request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.api.test_test_sets import SETS, problem, rows_of
from tests.support.shared_app import signed_in

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared(
    module_database: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[httpx.AsyncClient, int]]:
    """ada, signed in, and her one (empty) test set."""
    async with signed_in(module_database, tmp_path_factory.mktemp("data")) as ada:
        created = await ada.post(SETS, json={"name": "Capitals"})
        assert created.status_code == 201, created.text
        yield ada, created.json()["id"]


@pytest.fixture
def ada(shared: tuple[httpx.AsyncClient, int]) -> httpx.AsyncClient:
    return shared[0]


@pytest_asyncio.fixture(loop_scope="module")
async def set_id(shared: tuple[httpx.AsyncClient, int]) -> AsyncIterator[int]:
    """The empty set, which each test must leave empty."""
    ada, set_id = shared
    yield set_id
    assert await rows_of(ada, set_id) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"variables": {"not a name": "x"}}, "variables.not a name.[key]"),
        ({"variables": {"a": 1}}, "variables.a"),
        ({"variables": {"a": "x"}, "expected": "e" * 100_001}, "expected"),
        ({"variables": {}, "metadata": {"k": "v" * 30_000}}, "metadata"),
        ({"variables": {}, "assertions": [{"type": "contains-any", "value": "x"}]}, None),
        ({"variables": {}, "extra": 1}, "extra"),
    ],
)
async def test_a_bad_row_is_a_422(
    ada: httpx.AsyncClient, set_id: int, body: dict[str, Any], field: str | None
) -> None:
    response = await ada.post(f"{SETS}/{set_id}/rows", json=body)
    assert response.status_code == 422, response.text
    if field is not None and "[key]" not in field:
        problem(response, 422, field)


BAD_FILES = [
    ("csv", "", "empty"),
    ("csv", "country,bad name\nFrance,x\n", "Line 1"),
    ("csv", "a,a\n1,2\n", "Line 1"),
    ("csv", "country\nFrance\nSpain,extra\n", "Line 3"),
    ("csv", 'country\n"unclosed\n', "Line 2"),
    ("csv", "country,__assertions\nFrance,[nope\n", "Line 2"),
    ("csv", 'country,__assertions\nFrance,"[{""type"": ""regex""}]"\n', "Line 2"),
    ("jsonl", '{"variables": {"a": "1"}}\n{"variables": \n', "Line 2"),
    ("jsonl", '{"variables": {"a": "1"}}\n\n[1]\n', "Line 3"),
    ("jsonl", '{"variables": {"a": 1}}\n', "Line 1: variables.a"),
    ("jsonl", '{"variables": {}, "expected": "\\u0000"}\n', "Line 1: expected"),
]


@pytest.mark.parametrize(("file_format", "text", "named"), BAD_FILES)
async def test_a_bad_file_is_a_422_naming_the_line_and_imports_nothing(
    ada: httpx.AsyncClient, set_id: int, file_format: str, text: str, named: str
) -> None:
    response = await ada.post(
        f"{SETS}/{set_id}/import", params={"format": file_format}, content=text.encode()
    )
    body = problem(response, 422)
    assert named in body["detail"], body["detail"]


async def test_a_file_that_is_not_utf8_or_without_a_format_is_a_422(
    ada: httpx.AsyncClient, set_id: int
) -> None:
    url = f"{SETS}/{set_id}/import"
    body = problem(await ada.post(url, params={"format": "csv"}, content=b"a\n\xff\xfe\n"), 422)
    assert "Line 2" in body["detail"]
    problem(await ada.post(url, content=b"a\n1\n"), 422, "format")
    problem(await ada.post(url, params={"format": "xlsx"}, content=b"a\n1\n"), 422, "format")
