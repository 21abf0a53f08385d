"""A real server for the command line's remote commands: the app on a SQLite copy, served by
uvicorn on a free loopback port, its providers on the fake provider server; a user, ada,
with a personal access token and an OpenAI key. One per test session (tests/cli/remote)."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from typer.testing import CliRunner, Result

from promptpro.cli import app
from promptpro.config import load_settings
from promptpro.testing import FakeProviderServer
from tests.support.auth import DEFAULT_PASSWORD
from tests.support.live import serve
from tests.support.runs import API_KEY

_names = itertools.count(1)


@dataclass
class RemoteServer:
    """The live server, ada's session on it (to set things up) and her token."""

    url: str
    token: str
    http: httpx.Client
    fake: FakeProviderServer

    def prompt(self, content: str = "Write a haiku about {{topic}}.", **fields: Any) -> Any:
        """A new prompt of ada's, with a name no other test uses (on openai/gpt-4o-mini)."""
        body = {
            "name": f"cli/prompt-{next(_names)}",
            "title": "Haiku",
            "content": content,
            "model": "openai/gpt-4o-mini",
            **fields,
        }
        response = self.http.post("/api/v1/prompts", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def workspace(self) -> int:
        """A new, empty team workspace of ada's (the token reaches it: she owns it)."""
        response = self.http.post("/api/v1/workspaces", json={"name": f"Team {next(_names)}"})
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    def change(self, prompt: dict[str, Any], content: str) -> None:
        """Save a new version of `prompt` with `content`."""
        response = self.http.patch(f"/api/v1/prompts/{prompt['id']}", json={"content": content})
        assert response.status_code == 200, response.text

    def label(self, prompt: dict[str, Any], label: str, version: int) -> None:
        """Point `label` at `version` of `prompt`."""
        response = self.http.put(
            f"/api/v1/prompts/{prompt['id']}/labels/{label}", json={"version": version}
        )
        assert response.status_code == 200, response.text


@contextmanager
def remote_server(
    template: Path, directory: Path, fake: FakeProviderServer
) -> Iterator[RemoteServer]:
    """Serve the app on a copy of the migrated SQLite `template` until the block ends."""
    database = directory / "promptpro.db"
    shutil.copyfile(template, database)
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{database}",
        data_dir=directory / "data",
        secret_key="s" * 64,
        openai_base_url=fake.openai_base_url,
        anthropic_base_url=fake.anthropic_base_url,
        gemini_base_url=fake.gemini_base_url,
        xai_base_url=fake.xai_base_url,
    )
    with serve(settings) as url, httpx.Client(base_url=url, timeout=30) as http:
        body = http.post(
            "/api/v1/auth/register", json={"username": "ada", "password": DEFAULT_PASSWORD}
        ).json()
        http.headers["X-CSRF-Token"] = body["csrfToken"]
        token = http.post("/api/v1/tokens", json={"name": "cli"}).json()["token"]
        assert http.put("/api/v1/keys/openai", json={"key": API_KEY}).status_code == 200
        yield RemoteServer(url, token, http, fake)


def promptpro(*args: str, input: str | None = None) -> Result:
    """Run `promptpro ARGS…` in process (`result.stdout` and `result.stderr` apart)."""
    return CliRunner().invoke(app, list(args), input=input)
