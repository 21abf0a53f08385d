"""Bad path and query parameters sent to the library API: ids that are not numbers or out
of range, list queries and cursors, and a path that tries to forge a log line. Each is a
4xx problem naming what is wrong, and changes nothing (bodies: test_bodies.py).

The tests share one app, one signed-in user and one library per database
(conftest.py).
"""

from __future__ import annotations

import base64
import json
import logging

import httpx
import pytest

from tests.api.bad_input.helpers import (
    PROMPTS,
    TEST_SETS,
    assert_problem,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


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
