"""The health probes: /healthz says the process lives, /readyz that the database answers."""

import httpx
from fastapi import FastAPI

from promptpro.api.problems import PROBLEM_MEDIA_TYPE


async def test_healthz_answers_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_answers_ok_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200


async def test_readyz_is_a_503_problem_when_the_database_is_unreachable(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    from promptpro.db.engine import create_engine

    await app.state.engine.dispose()
    app.state.engine = create_engine("postgresql+asyncpg://nobody@127.0.0.1:9/nowhere")
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert body["status"] == 503
    assert body["type"] == "/problems/database-unavailable"
    assert "nobody" not in response.text
    await app.state.engine.dispose()
