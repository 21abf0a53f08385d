"""Other tools' formats, both ways: sample files written from each format's documentation
are imported (what can't be carried is reported), exported, and imported again unchanged."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.test_portability import export, fill_library, import_, personal, team

SAMPLES = Path(__file__).parent / "samples"
PROMPTS = "/api/v1/prompts"


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


async def prompts_of(client: httpx.AsyncClient, workspace_id: int) -> dict[str, dict[str, Any]]:
    items = (await client.get(PROMPTS, params={"workspaceId": workspace_id})).json()["items"]
    return {p["name"]: p for p in items}


def given(parameters: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in parameters.items() if value is not None}


def lost(report: dict[str, Any]) -> set[str]:
    return {item["name"] for item in report["notCarried"]}


async def imported(
    client: httpx.AsyncClient, workspace_id: int, content: bytes, file_format: str
) -> dict[str, Any]:
    response = await import_(client, workspace_id, content, file_format)
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


async def test_promptfoo_config(ada: httpx.AsyncClient) -> None:
    workspace_id = await personal(ada)
    report = await imported(
        ada, workspace_id, (SAMPLES / "promptfooconfig.yaml").read_bytes(), "promptfoo"
    )
    assert {"tests.0.assert.1.javascript", "providers.1", "providers.2"} <= lost(report)
    prompts = await prompts_of(ada, workspace_id)
    assert set(prompts) == {"prompt-1", "chat-translate"}
    assert prompts["chat-translate"]["type"] == "chat"
    assert prompts["prompt-1"]["model"] == "openai/gpt-4o-mini"
    assert given(prompts["prompt-1"]["parameters"]) == {"temperature": 0.3, "maxTokens": 256}
    [test_set] = (await ada.get("/api/v1/test-sets", params={"workspaceId": workspace_id})).json()
    assert test_set["name"] == "Translation eval" and test_set["rowCount"] == 2
    assert test_set["assertions"] == [{"type": "not-contains", "value": "As an AI"}]
    rows = (await ada.get(f"/api/v1/test-sets/{test_set['id']}/rows")).json()["items"]
    assert rows[0]["assertions"] == [{"type": "contains", "value": "bonjour", "ignoreCase": True}]
    assert rows[1]["assertions"][0]["model"] == "openai/gpt-4o-mini"
    assert rows[1]["assertions"][1] == {"type": "max-latency", "value": 5000}
    await round_trip(ada, workspace_id, "promptfoo")


async def test_langfuse_prompts(ada: httpx.AsyncClient) -> None:
    workspace_id = await personal(ada)
    report = await imported(
        ada, workspace_id, (SAMPLES / "langfuse-prompts.json").read_bytes(), "langfuse"
    )
    assert {
        "movie-critic@v1.config.supported_languages",
        "movie-critic-chat@v1.messages.1",
    } <= lost(report)
    prompts = await prompts_of(ada, workspace_id)
    critic = prompts["movie-critic"]
    assert critic["labels"] == {"production": 1, "staging": 2}
    assert (critic["model"], critic["tags"]) == ("openai/gpt-4o", ["movies"])
    versions = (await ada.get(f"{PROMPTS}/{critic['id']}/versions")).json()
    assert [v["message"] for v in versions] == ["Ask for a rating", None]
    chat = prompts["movie-critic-chat"]
    assert chat["model"] == "anthropic/claude-3-5-sonnet-20241022"
    assert [m["role"] for m in chat["messages"]] == ["system", "user"]
    await round_trip(ada, workspace_id, "langfuse")


async def test_prompty_file(ada: httpx.AsyncClient) -> None:
    workspace_id = await personal(ada)
    sample = (SAMPLES / "basic.prompty").read_text()
    report = await imported(ada, workspace_id, zipped({"rag/basic.prompty": sample}), "prompty")
    assert {
        "rag/basic.sample",
        "rag/basic.authors",
        "rag/basic.model.configuration.azure_endpoint",
    } <= lost(report)
    prompt = (await prompts_of(ada, workspace_id))["rag/basic"]
    assert prompt["title"] == "ExamplePrompt"
    assert prompt["model"] == "openai/gpt-4o"
    assert given(prompt["parameters"]) == {"maxTokens": 3000}
    assert [m["role"] for m in prompt["messages"]] == ["system", "user"]
    assert "# Customer" in prompt["messages"][0]["content"]
    await round_trip(ada, workspace_id, "prompty")


async def test_dotprompt_file(ada: httpx.AsyncClient) -> None:
    workspace_id = await personal(ada)
    sample = (SAMPLES / "menu.prompt").read_bytes()
    report = await imported(ada, workspace_id, sample, "dotprompt")  # one file, not zipped
    assert {"upload.input", "upload.output.schema", "upload.template"} <= lost(report)
    prompt = (await prompts_of(ada, workspace_id))["upload"]
    assert prompt["model"] == "gemini/gemini-1.5-flash"
    assert given(prompt["parameters"]) == {"temperature": 0.9, "maxTokens": 1000}
    assert [m["role"] for m in prompt["messages"]] == ["system", "user"]
    await round_trip(ada, workspace_id, "dotprompt")


async def test_markdown_folder(ada: httpx.AsyncClient) -> None:
    workspace_id = await personal(ada)
    files = {
        str(path.relative_to(SAMPLES / "markdown")): path.read_text()
        for path in (SAMPLES / "markdown").rglob("*.md")
    }
    report = await imported(ada, workspace_id, zipped(files), "markdown")
    assert report["notCarried"] == []
    prompts = await prompts_of(ada, workspace_id)
    triage = prompts["support/triage-email"]
    assert triage["labels"] == {"production": 1} and triage["tags"] == ["email"]
    assert prompts["chat-helper"]["type"] == "chat"
    exported = (await export(ada, workspace_id, "markdown")).content
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        assert archive.read("support/triage-email.md").decode() == files["support/triage-email.md"]
    await round_trip(ada, workspace_id, "markdown")


async def round_trip(client: httpx.AsyncClient, workspace_id: int, file_format: str) -> None:
    """Export in the format, import into the same workspace (all skipped: unchanged) and
    into a new one (the same prompts' current wording)."""
    content = (await export(client, workspace_id, file_format)).content
    again = await imported(client, workspace_id, content, file_format)
    assert again["created"] == [] and again["updated"] == [] and again["conflicts"] == []
    other = await team(client, f"Copy {file_format}")
    await imported(client, other, content, file_format)
    fields = ("name", "type", "content", "messages", "model", "parameters")
    before = {
        n: {f: p[f] for f in fields} for n, p in (await prompts_of(client, workspace_id)).items()
    }
    after = {n: {f: p[f] for f in fields} for n, p in (await prompts_of(client, other)).items()}
    assert after == before


@pytest.mark.parametrize(
    "file_format", ["promptfoo", "langfuse", "prompty", "dotprompt", "markdown"]
)
async def test_a_full_library_survives_each_format(
    ada: httpx.AsyncClient, file_format: str
) -> None:
    source = await personal(ada)
    await fill_library(ada, source)
    content = (await export(ada, source, file_format)).content
    target = await team(ada)
    await imported(ada, target, content, file_format)
    names = set(await prompts_of(ada, target))
    assert names == {"chat/extract", "snippets/greeting", "support/triage"} or file_format in (
        "promptfoo",
    )


@pytest.mark.parametrize(
    ("file_format", "content", "status"),
    [
        ("promptfoo", b"prompts: [unclosed", 422),
        ("promptfoo", b"a: &x [1]\nb: *x\n", 422),
        ("langfuse", b"{nope", 422),
        ("markdown", zipped({"../escape.md": "hi"}), 422),
        ("markdown", zipped({"/etc/passwd.md": "hi"}), 422),
        ("prompty", b"PK\x03\x04 not really a zip", 422),
        ("prompty", b"no front matter", 422),
        ("markdown", zipped({"a.md": "x" * 5000}), 413),
    ],
)
async def test_bad_files_are_refused_with_a_problem(
    app_client: Any, file_format: str, content: bytes, status: int
) -> None:
    from tests.support.auth import register

    client = await app_client(import_max_unzipped_bytes=1000)
    await register(client, "ada")
    response = await import_(client, await personal(client), content, file_format)
    assert response.status_code == status, response.text
