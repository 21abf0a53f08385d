"""Fetch prompts by name, keep them in memory, refresh them in the background.

- A fresh copy (younger than `cache_ttl`) is served without asking the server.
- A stale copy is served at once while a background thread asks again (with the ETag:
  an unchanged prompt costs a 304).
- When the server can't be reached (or answers with an error), the last copy is served
  however old it is; with no copy, `fallback` is, and without a fallback
  `PromptNotAvailable` is raised.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

log = logging.getLogger(__name__)

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
DEFAULT_TIMEOUT_S = 5.0


class PromptNotAvailable(Exception):
    """The prompt could not be fetched, and there was no copy or fallback to serve."""


class MissingVariable(KeyError):
    """`compile` was not given a value for every `{{variable}}`."""


@dataclass(frozen=True)
class Prompt:
    """A prompt as the server gave it (or the fallback, `is_fallback`)."""

    name: str
    text: str
    version: int | None = None
    labels: tuple[str, ...] = ()
    type: str = "text"
    model: str | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)
    variables: tuple[str, ...] = ()
    # A chat prompt's messages ({role, content}); empty for a text prompt.
    messages: tuple[Mapping[str, Any], ...] = ()
    schema: Mapping[str, Any] | None = None
    tools: tuple[Mapping[str, Any], ...] = ()
    is_fallback: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Prompt:
        return cls(
            name=str(data["name"]),
            text=str(data.get("text", "")),
            version=data.get("version"),
            labels=tuple(data.get("labels", ())),
            type=str(data.get("type", "text")),
            model=data.get("model"),
            parameters=data.get("parameters") or {},
            variables=tuple(data.get("variables", ())),
            messages=tuple(data.get("messages") or ()),
            schema=data.get("schema"),
            tools=tuple(data.get("tools") or ()),
            raw=data,
        )

    def compile(self, **variables: object) -> str:
        """The text with every `{{variable}}` filled in (a missing one is MissingVariable)."""
        return _fill(self.text, variables)

    def compile_messages(self, **variables: object) -> list[dict[str, Any]]:
        """A chat prompt's messages with every `{{variable}}` filled in, ready for a chat
        API (a text prompt: one user message)."""
        if not self.messages:
            return [{"role": "user", "content": self.compile(**variables)}]
        return [
            {**message, "content": _fill(str(message.get("content", "")), variables)}
            for message in self.messages
        ]


def _fill(text: str, variables: Mapping[str, object]) -> str:
    missing = [n for n in dict.fromkeys(PLACEHOLDER.findall(text)) if n not in variables]
    if missing:
        raise MissingVariable(", ".join(missing))
    return PLACEHOLDER.sub(lambda m: str(variables[m.group(1)]), text)


@dataclass
class _Entry:
    prompt: Prompt
    etag: str | None
    fetched_at: float


Key = tuple[str, str | None, int | None]


class PromptPro:
    """A PromptPro server, reached with a personal access token."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        workspace_id: int | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.workspace_id = workspace_id
        self.clock = clock
        self._http = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
        )
        self._cache: dict[Key, _Entry] = {}
        self._lock = threading.Lock()
        self._refreshing: set[Key] = set()

    def __enter__(self) -> PromptPro:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get_prompt(
        self,
        name: str,
        label: str | None = "production",
        *,
        version: int | None = None,
        cache_ttl: float = 60.0,
        fallback: str | Prompt | None = None,
    ) -> Prompt:
        """The prompt `name` at `label` (or `version`), from memory when fresh enough."""
        key: Key = (name, None if version is not None else label, version)
        with self._lock:
            entry = self._cache.get(key)
        if entry is not None:
            if self.clock() - entry.fetched_at >= cache_ttl:
                self._refresh_in_background(key)
            return entry.prompt
        try:
            return self._fetch(key, None).prompt
        except PromptNotAvailable:
            if fallback is None:
                raise
            if isinstance(fallback, Prompt):
                return fallback
            return Prompt(name=name, text=fallback, is_fallback=True)

    def _fetch(self, key: Key, known: _Entry | None) -> _Entry:
        name, label, version = key
        params: dict[str, str | int] = {}
        if version is not None:
            params["version"] = version
        elif label is not None:
            params["label"] = label
        if self.workspace_id is not None:
            params["workspaceId"] = self.workspace_id
        headers = {"If-None-Match": known.etag} if known is not None and known.etag else {}
        path = f"/api/v1/prompts/by-name/{quote(name, safe='/')}"
        try:
            response = self._http.get(path, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise PromptNotAvailable(f"{name}: the server can't be reached ({exc})") from exc
        if response.status_code == 304 and known is not None:
            entry = _Entry(known.prompt, known.etag, self.clock())
        elif response.status_code == 200:
            entry = _Entry(
                Prompt.from_api(response.json()), response.headers.get("etag"), self.clock()
            )
        else:
            detail = ""
            if response.headers.get("content-type", "").endswith("json"):
                detail = str(response.json().get("detail", ""))
            raise PromptNotAvailable(f"{name}: {response.status_code} {detail}".strip())
        with self._lock:
            self._cache[key] = entry
        return entry

    def _refresh_in_background(self, key: Key) -> None:
        with self._lock:
            if key in self._refreshing:
                return
            self._refreshing.add(key)
            known = self._cache.get(key)

        def refresh() -> None:
            try:
                self._fetch(key, known)
            except PromptNotAvailable as exc:
                # The stale copy goes on being served; the next get tries again.
                log.warning("promptpro: serving a stale copy of %s: %s", key[0], exc)
            finally:
                with self._lock:
                    self._refreshing.discard(key)

        threading.Thread(target=refresh, name=f"promptpro refresh {key[0]}", daemon=True).start()
