"""A method a path doesn't take is a 405 whose Allow header names every method it does."""

from __future__ import annotations

import httpx
import pytest

from promptpro.api.problems import PROBLEM_MEDIA_TYPE
from tests.web.conftest import BROWSER_HEADERS


@pytest.mark.parametrize("method", ["OPTIONS", "PUT"])
async def test_an_api_path_answers_405_with_every_method_it_takes(
    ada: httpx.AsyncClient, method: str
) -> None:
    response = await ada.request(method, "/api/v1/prompts")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert set(response.headers["allow"].split(", ")) == {"GET", "POST"}
    one = await ada.request(method, "/api/v1/prompts/1")
    assert set(one.headers["allow"].split(", ")) == {"GET", "PATCH", "DELETE"}


async def test_a_page_answers_405_with_its_allow_header(client: httpx.AsyncClient) -> None:
    response = await client.options("/login", headers=BROWSER_HEADERS)
    assert response.status_code == 405
    assert "text/html" in response.headers["content-type"]
    assert set(response.headers["allow"].split(", ")) == {"GET", "POST"}
