"""Test sets over the API: sets and rows, import and export, rows from responses."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx
from fastapi import FastAPI

from promptpro.db.session import unit_of_work
from promptpro.schemas.responses import ResponseCreate
from promptpro.storage import Storage
from tests.conftest import AppClientFactory
from tests.support.auth import register

SETS = "/api/v1/test-sets"


async def new_set(client: httpx.AsyncClient, name: str = "Capitals", **body: Any) -> dict[str, Any]:
    response = await client.post(SETS, json={"name": name, **body})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def problem(response: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    if field is not None:
        assert field in [error["field"] for error in body["errors"]], body
    return body


async def rows_of(client: httpx.AsyncClient, set_id: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await client.get(f"{SETS}/{set_id}/rows")).json()["items"]
    return items


# --- sets ----------------------------------------------------------------------------------


async def test_a_set_is_created_read_listed_changed_and_deleted(ada: httpx.AsyncClient) -> None:
    assertions = [{"type": "contains", "ignoreCase": True}, {"type": "max-latency", "value": 900}]
    created = await new_set(ada, description="Who", assertions=assertions, threshold=0.5)
    assert created["assertions"] == assertions  # as sent, nothing added
    assert (created["rowCount"], created["threshold"]) == (0, 0.5)
    personal = (await ada.get("/api/v1/workspaces")).json()[0]["id"]
    assert created["workspaceId"] == personal
    location = (await ada.post(SETS, json={"name": "Other"})).headers["location"]
    assert location.startswith(SETS + "/")

    listed = (await ada.get(SETS)).json()
    assert [s["name"] for s in listed] == ["Capitals", "Other"]
    assert (await ada.get(SETS, params={"workspaceId": personal})).json() == listed

    changed = await ada.patch(f"{SETS}/{created['id']}", json={"name": "Cities", "threshold": None})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["threshold"]) == ("Cities", None)
    assert changed.json()["assertions"] == assertions

    assert (await ada.delete(f"{SETS}/{created['id']}")).status_code == 204
    problem(await ada.get(f"{SETS}/{created['id']}"), 404)
    events = (await ada.get("/api/v1/me/audit")).json()["items"]
    deleted = [e for e in events if e["action"] == "test_set.deleted"]
    assert deleted and deleted[0]["objectId"] == str(created["id"])
    assert deleted[0]["workspaceId"] == personal


async def test_names_are_unique_per_workspace_regardless_of_case(ada: httpx.AsyncClient) -> None:
    await new_set(ada, "Capitals")
    problem(await ada.post(SETS, json={"name": "CAPITALS"}), 409, "name")
    team = (await ada.post("/api/v1/workspaces", json={"name": "Team"})).json()["id"]
    await new_set(ada, "Capitals", workspaceId=team)
    assert [s["name"] for s in (await ada.get(SETS, params={"workspaceId": team})).json()] == [
        "Capitals"
    ]


async def test_a_bad_assertion_is_a_422_naming_it_and_saves_nothing(
    ada: httpx.AsyncClient,
) -> None:
    body = {"name": "x", "assertions": [{"type": "regex", "value": "("}]}
    problem(await ada.post(SETS, json=body), 422, "assertions.0.value")
    created = await new_set(ada)
    bad = {"assertions": [{"type": "llm-rubric", "model": "openai/gpt-4o"}]}
    problem(await ada.patch(f"{SETS}/{created['id']}", json=bad), 422, "assertions.0.rubric")
    assert [s["name"] for s in (await ada.get(SETS)).json()] == ["Capitals"]


async def test_a_workspace_one_is_not_in_is_a_422_and_lists_nothing(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    team = (await ada.post("/api/v1/workspaces", json={"name": "Team"})).json()["id"]
    await new_set(ada, "Secret", workspaceId=team)
    problem(await bob.post(SETS, json={"name": "x", "workspaceId": team}), 422, "workspaceId")
    assert (await bob.get(SETS, params={"workspaceId": team})).json() == []


# --- rows ----------------------------------------------------------------------------------


async def test_rows_are_added_paged_changed_and_deleted(ada: httpx.AsyncClient) -> None:
    set_id = (await new_set(ada))["id"]
    ids = []
    for n in range(5):
        body = {"variables": {"country": f"C{n}"}, "expected": f"E{n}"}
        added = await ada.post(f"{SETS}/{set_id}/rows", json=body)
        assert added.status_code == 201, added.text
        ids.append(added.json()["id"])
    first = (await ada.get(f"{SETS}/{set_id}/rows", params={"limit": 2})).json()
    assert [r["id"] for r in first["items"]] == ids[:2]
    rest = await ada.get(f"{SETS}/{set_id}/rows", params={"cursor": first["nextCursor"]})
    assert [r["id"] for r in rest.json()["items"]] == ids[2:]
    assert rest.json()["nextCursor"] is None

    row = f"{SETS}/{set_id}/rows/{ids[0]}"
    changes = {
        "expected": None,
        "metadata": {"source": "manual"},
        "assertions": [{"type": "starts-with", "value": "C"}],
    }
    changed = (await ada.patch(row, json=changes)).json()
    assert changed["variables"] == {"country": "C0"}
    assert (changed["expected"], changed["metadata"]) == (None, {"source": "manual"})
    assert changed["assertions"] == [{"type": "starts-with", "value": "C"}]
    problem(await ada.patch(row, json={"variables": None}), 422, "variables")

    assert (await ada.delete(row)).status_code == 204
    problem(await ada.delete(row), 404)
    assert (await ada.get(f"{SETS}/{set_id}")).json()["rowCount"] == 4


async def test_a_row_of_another_set_is_a_404(ada: httpx.AsyncClient) -> None:
    one, other = (await new_set(ada, "One"))["id"], (await new_set(ada, "Two"))["id"]
    row = (await ada.post(f"{SETS}/{one}/rows", json={"variables": {"a": "1"}})).json()["id"]
    problem(await ada.patch(f"{SETS}/{other}/rows/{row}", json={"expected": "x"}), 404)
    problem(await ada.delete(f"{SETS}/{other}/rows/{row}"), 404)
    assert len(await rows_of(ada, one)) == 1


# --- import --------------------------------------------------------------------------------

CSV = (
    "country,expected,__meta.source,__assertions\r\n"
    'France,Paris,atlas,"[{""type"": ""contains"", ""value"": ""Paris""}]"\r\n'
    '"Côte d\'Ivoire, the","Yamoussoukro\nnot Abidjan",,\r\n'
    "\r\n"
)


async def test_a_csv_import_adds_every_row(ada: httpx.AsyncClient) -> None:
    set_id = (await new_set(ada))["id"]
    response = await ada.post(
        f"{SETS}/{set_id}/import", params={"format": "csv"}, content=CSV.encode()
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"imported": 2, "rowCount": 2}
    first, second = await rows_of(ada, set_id)
    assert first["variables"] == {"country": "France"}
    assert (first["expected"], first["metadata"]) == ("Paris", {"source": "atlas"})
    assert first["assertions"] == [{"type": "contains", "value": "Paris"}]
    assert second["variables"] == {"country": "Côte d'Ivoire, the"}
    assert second["expected"] == "Yamoussoukro\nnot Abidjan"
    assert (second["metadata"], second["assertions"]) == (None, None)


async def test_pasted_tab_separated_rows_import_as_csv(ada: httpx.AsyncClient) -> None:
    set_id = (await new_set(ada))["id"]
    tsv = "city\tcountry\texpected\nLyon\tFrance\tyes\nBonn\tGermany\tno\n"
    response = await ada.post(
        f"{SETS}/{set_id}/import", params={"format": "csv"}, content=tsv.encode()
    )
    assert response.json()["imported"] == 2
    assert [r["variables"] for r in await rows_of(ada, set_id)] == [
        {"city": "Lyon", "country": "France"},
        {"city": "Bonn", "country": "Germany"},
    ]


async def test_a_jsonl_import_adds_every_row(ada: httpx.AsyncClient) -> None:
    set_id = (await new_set(ada))["id"]
    lines = [
        {"variables": {"q": "2+2"}, "expected": "4", "metadata": {"n": 1}},
        {"variables": {"q": "3+3"}, "assertions": [{"type": "regex", "value": "^6"}]},
    ]
    body = "\n".join(json.dumps(line) for line in lines) + "\n\n"
    response = await ada.post(
        f"{SETS}/{set_id}/import", params={"format": "jsonl"}, content=body.encode()
    )
    assert response.json() == {"imported": 2, "rowCount": 2}
    rows = await rows_of(ada, set_id)
    assert rows[0]["metadata"] == {"n": 1}
    assert rows[1]["assertions"] == [{"type": "regex", "value": "^6"}]


async def test_imports_are_bounded_in_bytes_and_rows(app_client: AppClientFactory) -> None:
    client = await app_client(test_set_max_rows=3, test_set_import_max_bytes=200)
    await register(client, "ada")
    set_id = (await new_set(client))["id"]
    url = f"{SETS}/{set_id}/import"
    big = ("a\n" + "x" * 250 + "\n").encode()
    assert (
        "limit of 200 bytes"
        in problem(await client.post(url, params={"format": "csv"}, content=big), 422)["detail"]
    )
    four = b"a\n1\n2\n3\n4\n"
    assert (
        "more than 3 rows"
        in problem(await client.post(url, params={"format": "csv"}, content=four), 422)["detail"]
    )
    two = b"a\n1\n2\n"
    assert (await client.post(url, params={"format": "csv"}, content=two)).json()["imported"] == 2
    over = await client.post(url, params={"format": "csv"}, content=two)
    assert "at most 3 rows" in problem(over, 422, "rows")["detail"]
    assert (
        await client.post(f"{SETS}/{set_id}/rows", json={"variables": {"a": "3"}})
    ).status_code == 201
    problem(await client.post(f"{SETS}/{set_id}/rows", json={"variables": {"a": "4"}}), 422, "rows")
    assert (await client.get(f"{SETS}/{set_id}")).json()["rowCount"] == 3


# --- export --------------------------------------------------------------------------------


async def test_an_export_reads_back_as_the_same_rows(ada: httpx.AsyncClient) -> None:
    set_id = (await new_set(ada, "Capitals / EU"))["id"]
    await ada.post(f"{SETS}/{set_id}/import", params={"format": "csv"}, content=CSV.encode())
    await ada.post(f"{SETS}/{set_id}/rows", json={"variables": {"city": "Oslo"}})
    original = await rows_of(ada, set_id)

    for file_format in ("csv", "jsonl"):
        exported = await ada.get(f"{SETS}/{set_id}/export", params={"format": file_format})
        assert exported.status_code == 200, exported.text
        disposition = exported.headers["content-disposition"]
        assert disposition == f'attachment; filename="Capitals-EU.{file_format}"'
        copy = (await new_set(ada, f"Copy {file_format}"))["id"]
        imported = await ada.post(
            f"{SETS}/{copy}/import", params={"format": file_format}, content=exported.content
        )
        assert imported.json()["imported"] == 3, imported.text
        copied = await rows_of(ada, copy)
        keys = ("expected", "assertions", "metadata")
        assert [{k: r[k] for k in keys} for r in copied] == [
            {k: r[k] for k in keys} for r in original
        ]
        assert [r["variables"] for r in copied] == [r["variables"] for r in original]
    header = next(
        csv.reader(
            io.StringIO((await ada.get(f"{SETS}/{set_id}/export", params={"format": "csv"})).text)
        )
    )
    assert header == ["country", "city", "expected", "__meta.source", "__assertions"]


async def test_an_export_of_an_empty_set_and_of_many_rows(ada: httpx.AsyncClient) -> None:
    set_id = (await new_set(ada))["id"]
    empty = await ada.get(f"{SETS}/{set_id}/export", params={"format": "csv"})
    assert empty.text == "expected\r\n"
    body = "".join(json.dumps({"variables": {"n": str(n)}}) + "\n" for n in range(250))
    await ada.post(f"{SETS}/{set_id}/import", params={"format": "jsonl"}, content=body.encode())
    exported = await ada.get(f"{SETS}/{set_id}/export", params={"format": "jsonl"})
    assert exported.headers["content-type"] == "application/x-ndjson"
    assert [json.loads(line)["variables"]["n"] for line in exported.text.splitlines()] == [
        str(n) for n in range(250)
    ]


# --- rows from responses -------------------------------------------------------------------


async def _response(app: FastAPI, client: httpx.AsyncClient, **fields: Any) -> int:
    prompt = (await client.post("/api/v1/prompts", json={"title": "t", "content": "{{c}}"})).json()
    user_id = (await client.get("/api/v1/auth/session")).json()["user"]["id"]
    async with unit_of_work(app.state.session_factory) as session:
        stored = await Storage(session).create_response(
            user_id,
            prompt["id"],
            ResponseCreate(model="openai/gpt-4o-mini", content="Paris", **fields),
        )
        return stored.id


async def test_a_response_becomes_a_row(app: FastAPI, ada: httpx.AsyncClient) -> None:
    set_id = (await new_set(ada))["id"]
    response_id = await _response(app, ada, variables={"c": "France"})
    added = await ada.post(f"{SETS}/{set_id}/rows/from-response", json={"responseId": response_id})
    assert added.status_code == 201, added.text
    row = added.json()
    assert (row["variables"], row["expected"]) == ({"c": "France"}, "Paris")
    assert row["metadata"]["responseId"] == response_id
    assert row["metadata"]["model"] == "openai/gpt-4o-mini"


async def test_a_response_not_yours_or_not_completed_is_a_422(
    app: FastAPI, ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    set_id = (await new_set(ada))["id"]
    bobs = await _response(app, bob)
    url = f"{SETS}/{set_id}/rows/from-response"
    problem(await ada.post(url, json={"responseId": bobs}), 422, "responseId")
    failed = await _response(app, ada, status="failed")
    problem(await ada.post(url, json={"responseId": failed}), 422, "responseId")
    problem(await ada.post(url, json={"responseId": 2**40}), 422, "responseId")
    assert await rows_of(ada, set_id) == []
