"""Bad bodies sent to the library API: always a 4xx problem naming what is wrong, never a
500, and a refused request changes nothing (path and query parameters:
test_parameters.py).

Every request here is refused, so the tests share one app, one signed-in user and one
library per database (conftest.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from promptpro.api.problems import PROBLEM_MEDIA_TYPE
from tests.api.bad_input.helpers import (
    CATEGORIES,
    MB,
    PROMPTS,
    TEST_SETS,
    assert_problem,
    url,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


# --- bodies that are not JSON objects ---------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (b'{"name": ', 422),
        (b"{'name': 'single quotes'}", 422),
        (b'{"name": "x",}', 422),
        (b"[" * 100_000, 422),  # nested deeper than any parser should follow
        (b'{"name": "\xff\xfe"}', 422),  # not UTF-8
        (b'["name"]', 422),
        (b'"name"', 422),
        (b"null", 422),
    ],
)
@pytest.mark.usefixtures("unchanged")
async def test_a_body_that_is_not_a_json_object_is_refused(
    ada: httpx.AsyncClient, content: bytes, status: int
) -> None:
    headers = {"content-type": "application/json"}
    assert_problem(await ada.post(CATEGORIES, content=content, headers=headers), status)


@pytest.mark.parametrize(
    "content", [b"[" * 100_000, b'{"name": "\xff\xfe"}'], ids=["deep", "not-utf-8"]
)
async def test_a_body_python_cannot_parse_is_a_documented_problem_on_every_operation(
    ada: httpx.AsyncClient, library: dict[str, int], content: bytes
) -> None:
    document = (await ada.get("/openapi.json")).json()
    operations = [
        (method, path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
        # JSON bodies (a file upload, such as a test set's import, is read as its format)
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]
    assert len(operations) >= 9
    for method, path, operation in operations:
        target = path.format(
            prompt_id=library["prompt"],
            category_id=library["category"],
            provider="openai",
            user_id="someone",
            workspace_id=library["workspace"],
            response_id=1,  # the body is refused before anything is looked up
            group_id=1,
            test_set_id=1,
            row_id=1,
            endpoint_id=1,
            invitation_id=1,
            token="ppi_not-a-token",
            label="production",
            version=1,
            change_request_id=1,
            name="a/name",
            evaluation_id=1,
            cell_id=1,
        )
        response = await ada.request(
            method, target, content=content, headers={"content-type": "application/json"}
        )
        assert str(response.status_code) in operation["responses"], (method, path)
        assert response.status_code == 422, (method, path, response.text)
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
        assert response.json()["type"] == "/problems/validation"
        assert "not valid JSON" in response.json()["detail"]


@pytest.mark.usefixtures("unchanged")
async def test_malformed_json_is_named_as_such(ada: httpx.AsyncClient) -> None:
    response = await ada.post(
        PROMPTS,
        content=b'{"title": "t", "content": }',
        headers={"content-type": "application/json"},
    )
    assert_problem(response, 422, field="")
    assert "not valid JSON" in response.json()["detail"]


# --- fields of the wrong type, unknown, too long or out of range ---------------------------


BAD_BODIES = [
    # (method, path, body, field at fault)
    ("POST", CATEGORIES, {"name": 5}, "name"),
    ("POST", CATEGORIES, {"name": ["a"]}, "name"),
    ("POST", CATEGORIES, {"name": "x", "colour": "red"}, "colour"),
    ("POST", CATEGORIES, {"name": "x" * 101}, "name"),
    ("POST", CATEGORIES, {"name": "x", "description": "d" * 5001}, "description"),
    ("POST", CATEGORIES, {"name": "a\u0000b"}, "name"),
    ("POST", CATEGORIES, {"name": "x", "description": "\u0000"}, "description"),
    ("PATCH", CATEGORIES + "/{category}", {"name": None}, "name"),
    ("PATCH", CATEGORIES + "/{category}", {"id": 5}, "id"),
    ("POST", PROMPTS, {"title": "t"}, "content"),
    ("POST", PROMPTS, {"title": 1, "content": "c"}, "title"),
    ("POST", PROMPTS, {"title": "t", "content": True}, "content"),
    ("POST", PROMPTS, {"title": "t", "content": "c", "categoryId": "abc"}, "categoryId"),
    ("POST", PROMPTS, {"title": "t", "content": "c", "categoryId": 1.5}, "categoryId"),
    ("POST", PROMPTS, {"title": "t", "content": "c", "categoryId": True}, "categoryId"),
    ("POST", PROMPTS, {"title": "t", "content": "c", "categoryId": 99_999_999_999}, "categoryId"),
    ("POST", PROMPTS, {"title": "t", "content": "c", "categoryId": 10**30}, "categoryId"),
    ("POST", PROMPTS, {"title": "t", "content": "c", "userId": "someone"}, "userId"),
    ("POST", PROMPTS, {"title": "t\u0000", "content": "c"}, "title"),
    ("POST", PROMPTS, {"title": "t", "content": "a\u0000"}, "content"),
    ("POST", PROMPTS, {"title": "t" * 201, "content": "c"}, "title"),
    ("POST", PROMPTS, {"title": "t", "content": "c" * 100_001}, "content"),
    ("POST", PROMPTS, {"title": "t", "content": "c", "model": 4}, "model"),
    ("POST", PROMPTS, {"title": "t", "content": "c", "model": "gpt-4o"}, "model"),
    ("POST", PROMPTS, {"title": "t", "content": "c", "model": "nobody/gpt"}, "model"),
    ("POST", PROMPTS, {"title": "t", "content": "c", "model": "gemini/a..b"}, "model"),
    ("POST", PROMPTS, {"title": "t", "content": "c", "model": "openai/" + "m" * 200}, "model"),
    ("PATCH", PROMPTS + "/{prompt}", {"title": None}, "title"),
    ("PATCH", PROMPTS + "/{prompt}", {"content": ""}, "content"),
    ("PATCH", PROMPTS + "/{prompt}", {"model": "nobody/gpt"}, "model"),
    ("PATCH", PROMPTS + "/{prompt}", {"categoryId": -1}, "categoryId"),
    ("PATCH", PROMPTS + "/{prompt}", {"createdAt": "2020-01-01T00:00:00Z"}, "createdAt"),
    ("POST", TEST_SETS, {}, "name"),
    ("POST", TEST_SETS, {"name": "x" * 101}, "name"),
    ("POST", TEST_SETS, {"name": "x", "threshold": 1.5}, "threshold"),
    ("POST", TEST_SETS, {"name": "x", "threshold": True}, "threshold"),
    ("POST", TEST_SETS, {"name": "x", "workspaceId": "one"}, "workspaceId"),
    ("POST", TEST_SETS, {"name": "x", "assertions": {"type": "equals"}}, "assertions"),
    ("POST", TEST_SETS, {"name": "x", "assertions": [{"type": "fuzzy"}]}, "assertions.0.type"),
    ("POST", TEST_SETS, {"name": "x", "assertions": [{"type": "equals"}] * 51}, "assertions"),
    (
        "POST",
        TEST_SETS,
        {"name": "x", "assertions": [{"type": "max-cost", "value": "cheap"}]},
        "assertions.0.value",
    ),
    ("POST", TEST_SETS, {"name": "x", "rows": []}, "rows"),
]
BAD_PARAMETERS = [
    # (parameters, field at fault)
    ("hot", "parameters"),
    ([0.5], "parameters"),
    ({"temperature": -0.1}, "parameters.temperature"),
    ({"temperature": 2.01}, "parameters.temperature"),
    ({"temperature": "warm"}, "parameters.temperature"),
    ({"maxTokens": 0}, "parameters.maxTokens"),
    ({"maxTokens": 1.5}, "parameters.maxTokens"),
    ({"maxTokens": 10**12}, "parameters.maxTokens"),
    ({"topP": 1.01}, "parameters.topP"),
    ({"topP": -1}, "parameters.topP"),
    ({"topP": True}, "parameters.topP"),
    ({"temperature": False}, "parameters.temperature"),
    ({"maxTokens": True}, "parameters.maxTokens"),
    ({"system": 42}, "parameters.system"),
    ({"system": "s\u0000"}, "parameters.system"),
    ({"system": "s" * 100_001}, "parameters.system"),
    ({"stop": "END"}, "parameters.stop"),
    ({"stop": [1, 2]}, "parameters.stop.0"),
    ({"stop": ["\u0000"]}, "parameters.stop.0"),
    ({"stop": ["s"] * 9}, "parameters.stop"),
    ({"seed": 7}, "parameters.seed"),
    ({"frequency_penalty": 1}, "parameters.frequencyPenalty"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), BAD_BODIES)
@pytest.mark.usefixtures("unchanged")
async def test_a_bad_field_is_a_422_naming_it(
    ada: httpx.AsyncClient,
    library: dict[str, int],
    method: str,
    path: str,
    body: dict[str, Any],
    field: str | None,
) -> None:
    response = await ada.request(method, url(path, library), json=body)
    assert_problem(response, 422, field)


@pytest.mark.parametrize(("parameters", "field"), BAD_PARAMETERS)
@pytest.mark.parametrize("method", ["POST", "PATCH"])
@pytest.mark.usefixtures("unchanged")
async def test_parameters_out_of_range_or_unknown_are_a_422_naming_them(
    ada: httpx.AsyncClient, library: dict[str, int], method: str, parameters: Any, field: str
) -> None:
    path = PROMPTS if method == "POST" else f"{PROMPTS}/{library['prompt']}"
    body = {"title": "t", "content": "c", "parameters": parameters}
    assert_problem(await ada.request(method, path, json=body), 422, field)


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
@pytest.mark.usefixtures("unchanged")
async def test_numbers_that_are_not_finite_are_refused(
    ada: httpx.AsyncClient, literal: bytes
) -> None:
    content = b'{"title": "t", "content": "c", "parameters": {"temperature": ' + literal + b"}}"
    response = await ada.post(
        PROMPTS, content=content, headers={"content-type": "application/json"}
    )
    assert_problem(response, 422, "parameters.temperature")


@pytest.mark.usefixtures("unchanged")
async def test_a_body_that_is_not_declared_json_is_refused(ada: httpx.AsyncClient) -> None:
    response = await ada.post(
        CATEGORIES, content=b'{"name": "x"}', headers={"content-type": "text/plain"}
    )
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE


# --- bodies over 1 MB ---------------------------------------------------------------------------


@pytest.mark.usefixtures("unchanged")
async def test_a_body_over_1_mb_is_a_413(ada: httpx.AsyncClient) -> None:
    body = {"title": "t", "content": "c" * MB}
    response = await ada.post(PROMPTS, json=body)
    assert_problem(response, 413)
    assert response.json()["type"] == "/problems/too-large"


@pytest.mark.usefixtures("unchanged")
async def test_a_chunked_body_over_1_mb_without_a_length_is_a_413(ada: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"title": "t", "content": "'
        for _ in range(20):
            yield b"c" * (64 * 1024)
        yield b'"}'

    response = await ada.post(
        PROMPTS, content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert_problem(response, 413)


@pytest.mark.usefixtures("unchanged")
async def test_a_body_just_under_1_mb_is_read(ada: httpx.AsyncClient) -> None:
    response = await ada.post(PROMPTS, json={"title": "t", "content": "c" * (MB - 100)})
    assert_problem(response, 422, "content")  # read and judged: too long for a prompt
