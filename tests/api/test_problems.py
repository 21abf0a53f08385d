"""Every error the HTTP layer returns is an RFC 9457 problem, never a traceback."""

import httpx
import pytest
from fastapi import FastAPI

from promptpro.api.problems import PROBLEM_MEDIA_TYPE
from promptpro.errors import Conflict, Invalid, NotFound, ProviderError, ProviderErrorKind


async def test_an_unknown_path_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["title"] == "Not Found"


async def test_a_wrong_method_is_a_405_problem(client: httpx.AsyncClient) -> None:
    response = await client.post("/healthz")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE


@pytest.mark.parametrize(
    ("error", "status", "type_"),
    [
        (NotFound("No such prompt."), 404, "/problems/not-found"),
        (Conflict("Taken.", field="username"), 409, "/problems/conflict"),
        (Invalid("Bad.", field="title"), 422, "/problems/validation"),
        (
            ProviderError("Slow down.", kind=ProviderErrorKind.RATE_LIMITED, provider="openai"),
            429,
            "/problems/rate-limited",
        ),
        (
            ProviderError("Too slow.", kind=ProviderErrorKind.TIMEOUT, provider="openai"),
            504,
            "/problems/timeout",
        ),
        (
            ProviderError("Refused.", kind=ProviderErrorKind.BAD_KEY, provider="openai"),
            502,
            "/problems/bad-key",
        ),
    ],
)
async def test_domain_errors_become_problems_with_their_own_type(
    app: FastAPI, client: httpx.AsyncClient, error: Exception, status: int, type_: str
) -> None:
    @app.get("/boom")
    async def boom() -> None:
        raise error

    response = await client.get("/boom")
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["type"] == type_
    assert response.json()["detail"] == str(error)


async def test_an_unexpected_error_is_a_500_problem_without_its_message(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("secret internals sk-123")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as raw:
        response = await raw.get("/crash")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert "sk-123" not in response.text
