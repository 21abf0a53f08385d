"""Helpers for evaluation tests: a test set with rows, starting an evaluation, waiting for it."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.runs import Event, parse_events


async def make_test_set(
    client: httpx.AsyncClient,
    rows: list[dict[str, Any]],
    *,
    assertions: list[dict[str, Any]] | None = None,
    name: str = "Cases",
    **fields: Any,
) -> dict[str, Any]:
    """A test set with these rows (each a row body: variables, expected?, assertions?)."""
    response = await client.post(
        "/api/v1/test-sets", json={"name": name, "assertions": assertions or [], **fields}
    )
    assert response.status_code == 201, response.text
    test_set: dict[str, Any] = response.json()
    for row in rows:
        added = await client.post(f"/api/v1/test-sets/{test_set['id']}/rows", json=row)
        assert added.status_code == 201, added.text
    return test_set


async def start(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    """POST an evaluation."""
    return await client.post("/api/v1/evaluations", json=body)


async def started(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    """POST an evaluation that must be accepted; its `{id, estimate}`."""
    response = await start(client, **body)
    assert response.status_code == 202, response.text
    created: dict[str, Any] = response.json()
    return created


async def events(client: httpx.AsyncClient, evaluation_id: int) -> list[Event]:
    """Follow the evaluation's events to its end (the stream ends when it does)."""
    response = await client.get(
        f"/api/v1/evaluations/{evaluation_id}/events", headers={"Accept": "text/event-stream"}
    )
    assert response.status_code == 200, response.text
    return parse_events(response.text)


async def finished(client: httpx.AsyncClient, evaluation_id: int) -> dict[str, Any]:
    """Wait (following its events) for the evaluation to end; the evaluation then."""
    await events(client, evaluation_id)
    response = await client.get(f"/api/v1/evaluations/{evaluation_id}")
    assert response.status_code == 200, response.text
    evaluation: dict[str, Any] = response.json()
    return evaluation


async def all_cells(
    client: httpx.AsyncClient, evaluation_id: int, **query: Any
) -> list[dict[str, Any]]:
    """Every cell, page by page."""
    cells: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {**query, **({"cursor": cursor} if cursor else {})}
        response = await client.get(f"/api/v1/evaluations/{evaluation_id}/cells", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        cells += page["items"]
        cursor = page["nextCursor"]
        if cursor is None:
            return cells
