"""The public API of a PromptPro server, from the outside: what the command line (and any
script) uses. One `Api` is an httpx client with the server's URL and a personal access token.

An answer of 400 or more becomes `ApiError`, carrying the RFC 9457 problem the server sent
(title, detail, status, the fields at fault); a server that can't be reached is
`ServerUnreachable`. A run is followed as its server-sent events (`RunEvent`), as they come.
Files go both ways in chunks, with a progress callback, so a large export or import never
sits in memory whole.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

DEFAULT_TIMEOUT = httpx.Timeout(30.0)
# A run's first token may take a minute; the server sends a keep-alive every 15 s.
STREAM_TIMEOUT = httpx.Timeout(30.0, read=120.0)
CHUNK_BYTES = 64 * 1024
MAX_PAGES = 1000  # a bound on following `nextCursor`, should a server loop

# (bytes so far, total bytes or None when the server did not say)
Progress = Callable[[int, int | None], None]
Params = Mapping[str, str | int | bool | list[str] | None]


class ServerUnreachable(Exception):
    """The server did not answer (refused, timed out, name not found)."""


@dataclass
class ApiError(Exception):
    """The server answered with a problem (RFC 9457)."""

    status: int
    title: str
    detail: str = ""
    type: str = "about:blank"
    errors: list[dict[str, Any]] = field(default_factory=list)
    body: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.title}: {self.detail}" if self.detail else self.title

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiError:
        body: dict[str, Any] = {}
        try:
            parsed = json.loads(response.read() or b"null")
            if isinstance(parsed, dict):
                body = parsed
        except ValueError:
            pass
        return cls.from_problem(response.status_code, body, fallback=response.reason_phrase)

    @classmethod
    def from_problem(cls, status: int, body: Mapping[str, Any], fallback: str = "") -> ApiError:
        errors = body.get("errors")
        return cls(
            status=int(body.get("status") or status),
            title=str(body.get("title") or fallback or f"HTTP {status}"),
            detail=str(body.get("detail") or ""),
            type=str(body.get("type") or "about:blank"),
            errors=[e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else [],
            body=dict(body),
        )


@dataclass(frozen=True)
class RunEvent:
    """One event of a run: `start`, `delta` (`data["text"]`), then `done` or `error`."""

    name: str
    data: dict[str, Any]


def parse_sse(lines: Iterator[str]) -> Iterator[RunEvent]:
    """Server-sent events from a stream's lines (comments, such as keep-alives, skipped)."""
    name, data = "message", list[str]()
    for line in lines:
        if not line:
            if data:
                yield RunEvent(name, json.loads("\n".join(data)))
            name, data = "message", []
        elif line.startswith(":"):
            continue
        elif line.startswith("event:"):
            name = line[len("event:") :].strip()
        elif line.startswith("data:"):
            data.append(line[len("data:") :].removeprefix(" "))
    if data:
        yield RunEvent(name, json.loads("\n".join(data)))


class Api:
    """A PromptPro server reached with a personal access token."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
        )

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # The transport: every call goes through `_send`, which turns failures into our errors.

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        content: Iterator[bytes] | None = None,
        stream: bool = False,
        timeout: httpx.Timeout | None = None,
    ) -> httpx.Response:
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        request = self._http.build_request(
            method,
            path,
            params=clean,
            json=json_body,
            headers=headers,
            content=content,
            timeout=timeout or self._http.timeout,
        )
        try:
            response = self._http.send(request, stream=stream)
        except httpx.HTTPError as exc:
            raise ServerUnreachable(f"{self.url} can't be reached: {exc}") from exc
        if response.status_code >= 400:
            try:
                raise ApiError.from_response(response)
            finally:
                response.close()
        return response

    def get(self, path: str, params: Params | None = None) -> Any:
        """The JSON a GET answers."""
        return self._send("GET", path, params=params).json()

    def post(self, path: str, body: Any = None, params: Params | None = None) -> Any:
        """The JSON a POST answers (None when it answers nothing)."""
        response = self._send("POST", path, params=params, json_body=body)
        return response.json() if response.content else None

    def pages(
        self, path: str, params: Params | None = None, *, limit: int, page_size: int = 100
    ) -> Iterator[Any]:
        """The items of a paged list (`{items, nextCursor}`), at most `limit` of them."""
        cursor: str | None = None
        given = 0
        size = max(1, min(limit, page_size))
        for _ in range(MAX_PAGES):
            page = self.get(path, {**(params or {}), "limit": size, "cursor": cursor})
            for item in page.get("items", []):
                yield item
                given += 1
                if given >= limit:
                    return
            cursor = page.get("nextCursor")
            if not cursor:
                return

    # The resources the command line reads.

    def me(self) -> dict[str, Any]:
        """The token's user (what `login` checks a token with)."""
        user: dict[str, Any] = self.get("/api/v1/me")
        return user

    def workspaces(self) -> list[dict[str, Any]]:
        """The workspaces the token sees (`personal` marks the user's own)."""
        found: list[dict[str, Any]] = self.get("/api/v1/workspaces")
        return found

    def workspace_id(self, workspace_id: int | None = None) -> int:
        """`workspace_id`, or the personal workspace's id (none among those the token sees:
        the first it sees) — the workspace a command such as export acts on by default."""
        if workspace_id is not None:
            return workspace_id
        seen = self.workspaces()
        chosen = next((w for w in seen if w.get("personal")), seen[0] if seen else None)
        if chosen is None:
            raise ApiError(404, "Not found", "This token sees no workspace.")
        return int(chosen["id"])

    def prompts(
        self, *, q: str | None = None, workspace_id: int | None = None, limit: int = 50
    ) -> Iterator[dict[str, Any]]:
        """The prompts the token sees, most recently changed first."""
        params = {"q": q, "workspaceId": workspace_id}
        return self.pages("/api/v1/prompts", params, limit=limit)

    def prompt(self, prompt_id: int) -> dict[str, Any]:
        """One prompt as it is now."""
        prompt: dict[str, Any] = self.get(f"/api/v1/prompts/{prompt_id}")
        return prompt

    def fetch_prompt(
        self,
        name: str,
        *,
        label: str | None = None,
        version: int | None = None,
        workspace_id: int | None = None,
    ) -> dict[str, Any]:
        """The version of prompt `name` a label (default: production) or number names, with
        snippets resolved; it carries `promptId`, `version` and the `variables` to fill."""
        params = {"label": None if version else label, "version": version}
        params["workspaceId"] = workspace_id
        fetched: dict[str, Any] = self.get(
            f"/api/v1/prompts/by-name/{quote(name, safe='/')}", params
        )
        return fetched

    def run(self, prompt_id: int, body: Mapping[str, Any]) -> Iterator[RunEvent]:
        """Start a run and follow its events as they come (the run goes on, and is stored,
        if the caller stops reading)."""
        response = self._send(
            "POST",
            f"/api/v1/prompts/{prompt_id}/run",
            json_body=dict(body),
            headers={"Accept": "text/event-stream"},
            stream=True,
            timeout=STREAM_TIMEOUT,
        )
        try:
            yield from parse_sse(response.iter_lines())
        except httpx.HTTPError as exc:
            raise ServerUnreachable(f"the run's stream broke off: {exc}") from exc
        finally:
            response.close()

    def cancel(self, response_id: int) -> dict[str, Any]:
        """Stop a running run (kept as `cancelled` with the text that had arrived)."""
        stopped: dict[str, Any] = self.post(f"/api/v1/responses/{response_id}/cancel")
        return stopped

    def responses(self, prompt_id: int, *, limit: int = 20) -> Iterator[dict[str, Any]]:
        """A prompt's responses, newest first."""
        return self.pages(f"/api/v1/prompts/{prompt_id}/responses", limit=limit)

    def own_runs(
        self, *, workspace_id: int | None = None, limit: int = 20
    ) -> Iterator[dict[str, Any]]:
        """The responses the token's user ran, newest first (across their workspaces)."""
        return self.pages("/api/v1/responses", {"workspaceId": workspace_id}, limit=limit)

    def response(self, response_id: int) -> dict[str, Any]:
        """One response, with the record of its run."""
        found: dict[str, Any] = self.get(f"/api/v1/responses/{response_id}")
        return found

    def search(
        self, q: str, *, kind: str | None = None, limit: int = 20
    ) -> Iterator[dict[str, Any]]:
        """Full-text matches, best first: `{kind, id, promptId, title, snippet, rank}`."""
        return self.pages("/api/v1/search", {"q": q, "kind": kind}, limit=limit, page_size=50)

    # Files, in chunks (what export/import and pull/push are made of).

    def download(
        self,
        path: str,
        destination: Path,
        *,
        params: Params | None = None,
        progress: Progress | None = None,
    ) -> Path:
        """Save what a GET answers to `destination`, chunk by chunk; the file appears whole
        or not at all (written beside it, then renamed)."""
        response = self._send("GET", path, params=params, stream=True)
        total = response.headers.get("content-length")
        size = int(total) if total and total.isdigit() else None
        destination = destination.resolve()
        handle, partial = tempfile.mkstemp(dir=destination.parent, prefix=".promptpro-")
        try:
            done = 0
            with os.fdopen(handle, "wb") as out:
                for chunk in response.iter_bytes(CHUNK_BYTES):
                    out.write(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, size)
            Path(partial).replace(destination)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        finally:
            response.close()
        return destination

    def upload(
        self,
        path: str,
        source: Path,
        *,
        params: Params | None = None,
        content_type: str = "application/octet-stream",
        progress: Progress | None = None,
    ) -> Any:
        """POST the file `source` as the request body, chunk by chunk; the JSON answered."""
        size = source.stat().st_size

        def chunks() -> Iterator[bytes]:
            done = 0
            with source.open("rb") as data:
                while chunk := data.read(CHUNK_BYTES):
                    done += len(chunk)
                    yield chunk
                    if progress is not None:
                        progress(done, size)

        response = self._send(
            "POST",
            path,
            params=params,
            content=chunks(),
            headers={"Content-Type": content_type, "Content-Length": str(size)},
        )
        return response.json() if response.content else None
