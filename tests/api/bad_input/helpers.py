"""What the bad-input tests share besides their fixtures (conftest.py): the paths, and
how a refusal is checked."""

from __future__ import annotations

import httpx

from promptpro.api.problems import PROBLEM_MEDIA_TYPE

CATEGORIES = "/api/v1/categories"
PROMPTS = "/api/v1/prompts"
TEST_SETS = "/api/v1/test-sets"
MB = 1024 * 1024


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
