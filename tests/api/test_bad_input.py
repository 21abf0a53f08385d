"""Bad input to the library API: always a 4xx problem naming what is wrong, never a 500,
and a rejected request changes nothing.

Every request here is refused, so the tests share one app, one signed-in user and one
library per database (tests/support/shared_app.py), and each checks that the library is
as it was after its request.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from promptpro.api.problems import PROBLEM_MEDIA_TYPE
from tests.support.shared_app import signed_in

pytestmark = pytest.mark.asyncio(loop_scope="module")

CATEGORIES = "/api/v1/categories"
PROMPTS = "/api/v1/prompts"
TEST_SETS = "/api/v1/test-sets"
MB = 1024 * 1024


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


def assert_problem(response: httpx.Response, status: int, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert body["status"] == status
    assert body["detail"]
    if field is not None:
        assert field in [error["field"] for error in body["errors"]], body


def url(template: str, library: dict[str, int]) -> str:
    return template.format(**library)


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


# --- path and query parameters ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("GET", "/api/v1/categories/abc", "categoryId"),
        ("PATCH", "/api/v1/categories/1.5", "categoryId"),
        ("DELETE", "/api/v1/categories/one", "categoryId"),
        ("GET", "/api/v1/prompts/1e3", "promptId"),
        ("PATCH", "/api/v1/prompts/%20", "promptId"),
        ("DELETE", "/api/v1/prompts/0x10", "promptId"),
        ("GET", "/api/v1/prompts/abc/versions", "promptId"),
        ("GET", "/api/v1/prompts/abc/responses", "promptId"),
        ("GET", "/api/v1/responses/abc", "responseId"),
        ("DELETE", "/api/v1/responses/%00", "responseId"),
        ("GET", "/api/v1/test-sets/abc", "testSetId"),
        ("PATCH", "/api/v1/test-sets/1.5", "testSetId"),
        ("GET", "/api/v1/test-sets/x/rows", "testSetId"),
        ("PATCH", "/api/v1/test-sets/1/rows/abc", "rowId"),
        ("DELETE", "/api/v1/test-sets/1/rows/1e3", "rowId"),
        ("GET", "/api/v1/test-sets/0x10/export?format=csv", "testSetId"),
        ("GET", "/api/v1/endpoints/abc", "endpointId"),
        ("PATCH", "/api/v1/endpoints/1.5", "endpointId"),
        ("POST", "/api/v1/endpoints/x/discover", "endpointId"),
        ("POST", "/api/v1/endpoints/x/verify", "endpointId"),
    ],
)
@pytest.mark.usefixtures("unchanged")
async def test_an_id_that_is_not_a_number_is_a_422_naming_the_path_parameter(
    ada: httpx.AsyncClient, method: str, path: str, field: str
) -> None:
    body = {"name": "x"} if method == "PATCH" else None
    assert_problem(await ada.request(method, path, json=body), 422, field)


@pytest.mark.parametrize(
    ("method", "template"),
    [
        ("GET", "/api/v1/categories/{}"),
        ("PATCH", "/api/v1/categories/{}"),
        ("DELETE", "/api/v1/categories/{}"),
        ("GET", "/api/v1/prompts/{}"),
        ("PATCH", "/api/v1/prompts/{}"),
        ("DELETE", "/api/v1/prompts/{}"),
        ("GET", "/api/v1/prompts/{}/versions"),
        ("GET", "/api/v1/prompts/{}/responses"),
        ("GET", "/api/v1/responses/{}"),
        ("DELETE", "/api/v1/responses/{}"),
        ("GET", "/api/v1/test-sets/{}"),
        ("PATCH", "/api/v1/test-sets/{}"),
        ("DELETE", "/api/v1/test-sets/{}"),
        ("GET", "/api/v1/test-sets/{}/rows"),
        ("GET", "/api/v1/test-sets/{}/export?format=csv"),
        ("GET", "/api/v1/endpoints/{}"),
        ("PATCH", "/api/v1/endpoints/{}"),
        ("DELETE", "/api/v1/endpoints/{}"),
        ("POST", "/api/v1/endpoints/{}/discover"),
        ("POST", "/api/v1/endpoints/{}/verify"),
        ("GET", "/api/v1/workspaces/{}/invitations"),
        ("DELETE", "/api/v1/workspaces/1/invitations/{}"),
        ("GET", "/api/v1/workspaces/{}/audit"),
    ],
)
@pytest.mark.usefixtures("unchanged")
async def test_an_id_out_of_range_is_a_404(
    ada: httpx.AsyncClient, method: str, template: str
) -> None:
    body = None
    if method == "PATCH":
        body = (
            {"name": "x"}
            if any(kind in template for kind in ("categories", "test-sets", "endpoints"))
            else {"title": "x"}
        )
    for id_ in (0, -1, 2**31, 99_999_999_999, 2**63, 10**30):
        assert_problem(await ada.request(method, template.format(id_), json=body), 404)


@pytest.mark.usefixtures("unchanged")
async def test_a_row_id_out_of_range_is_a_404(
    ada: httpx.AsyncClient, library: dict[str, int]
) -> None:
    test_set = library["test_set"]
    for id_ in (0, -1, 2**31, 2**63, 10**30):
        row = f"{TEST_SETS}/{test_set}/rows/{id_}"
        assert_problem(await ada.patch(row, json={"expected": "x"}), 404)
        assert_problem(await ada.delete(row), 404)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "-5"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"categoryId": "abc"}, "categoryId"),
        ({"q": "a\u0000b"}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"cursor": "garbage"}, "cursor"),
        ({"cursor": "x" * 201}, "cursor"),
    ],
)
async def test_a_bad_list_query_is_a_422_naming_it(
    ada: httpx.AsyncClient, library: dict[str, int], params: dict[str, str], field: str
) -> None:
    assert_problem(await ada.get(PROMPTS, params=params), 422, field)
    if field in {"limit", "cursor"}:
        history = f"{PROMPTS}/{library['prompt']}/responses"
        assert_problem(await ada.get(history, params=params), 422, field)


def cursor_of(value: object) -> str:
    """A cursor in this server's encoding, of any value."""
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


TAMPERED_CURSORS = [
    cursor_of(["2024-01-01T00:00:00+00:00", 10**12]),  # id out of range
    cursor_of(["2024-01-01T00:00:00+00:00", 0]),
    cursor_of(["2024-01-01T00:00:00", 5]),  # naive timestamp
    cursor_of(["yesterday", 5]),
    cursor_of(["2024-01-01T00:00:00+00:00", "5"]),
    cursor_of({"at": "2024-01-01T00:00:00+00:00", "id": 5}),
    cursor_of([None, None]),
    cursor_of(["2024-01-01T00:00:00+00:00"]),
    cursor_of(["2024-01-01T00:00:00+00:00", 5])[:-3],  # truncated
    "%%%",
    "\u00e9t\u00e9",
    "Keyset",
]


@pytest.mark.parametrize("cursor", TAMPERED_CURSORS)
async def test_a_tampered_cursor_is_a_422_naming_it(ada: httpx.AsyncClient, cursor: str) -> None:
    assert_problem(await ada.get(PROMPTS, params={"cursor": cursor}), 422, "cursor")


async def test_a_path_with_a_line_break_cannot_forge_a_log_line(
    ada: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="promptpro.access")
    response = await ada.get("/api/v1/prompts/1%0A2026-01-01 12:00:00 INFO forged")
    assert_problem(response, 422, "promptId")
    logged = [record.getMessage() for record in caplog.records if record.name == "promptpro.access"]
    assert logged
    assert all("\n" not in line for line in logged)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"cursor": "garbage"}, "cursor"),
        ({"cursor": "x" * 201}, "cursor"),
        ({"cursor": cursor_of(["x", 5])}, "cursor"),
    ],
)
async def test_a_bad_row_list_query_is_a_422_naming_it(
    ada: httpx.AsyncClient, library: dict[str, int], params: dict[str, str], field: str
) -> None:
    test_set = library["test_set"]
    assert_problem(await ada.get(f"{TEST_SETS}/{test_set}/rows", params=params), 422, field)


@pytest.mark.parametrize("params", [{}, {"format": "xml"}, {"format": ""}])
@pytest.mark.usefixtures("unchanged")
async def test_an_export_or_import_without_a_known_format_is_a_422(
    ada: httpx.AsyncClient, library: dict[str, int], params: dict[str, str]
) -> None:
    test_set = library["test_set"]
    assert_problem(await ada.get(f"{TEST_SETS}/{test_set}/export", params=params), 422, "format")
    response = await ada.post(f"{TEST_SETS}/{test_set}/import", params=params, content=b"a\n1\n")
    assert_problem(response, 422, "format")
