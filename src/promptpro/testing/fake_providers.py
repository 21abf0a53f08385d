"""A fake AI provider server on loopback, speaking OpenAI's, Anthropic's and Gemini's wire formats.

The real SDKs talk to it through their base URLs (`server.openai_base_url`, ...), so tests and
benchmarks exercise the same code paths as production. It runs an aiohttp server on its own
event loop in a background thread, so it starts the same way from a sync pytest fixture, an
async test or a benchmark script:

    with FakeProviderServer() as server:
        server.configure(text="Hi", chunks=4, chunk_delay=0.01)
        server.configure_model("gpt-broken", status=500)
        ...
        server.last_request.body["temperature"]
        server.refuse_key("sk-bad")            # 401 for every request carrying it
        server.models = ["m1", "m2"]           # what GET .../models lists

Or as a separate process: `python -m promptpro.testing.fake_providers --port 8765`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web

from promptpro.testing import _images, _wire


@dataclass
class Script:
    """How the fake answers: the knobs a test turns."""

    text: str = "Hello from the fake provider."
    chunks: int = 3  # how many text deltas a stream is cut into
    first_delay: float = 0.0  # seconds before anything is answered (status line included)
    chunk_delay: float = 0.0  # seconds between two text deltas
    status: int | None = None  # answer with this HTTP error status instead of text
    fail_times: int | None = None  # with `status`: fail only the first n requests, then answer
    retry_after: float | None = None  # Retry-After seconds sent with an error status
    error_message: str | None = None  # the provider's message in the error body
    hang: bool = False  # never answer at all
    cut_after: int | None = None  # streams: drop the connection after this many text deltas
    input_tokens: int = 12
    output_tokens: int = 7
    # Parts of those reported apart (None: not reported): cached and cache-write input,
    # reasoning output; `reasoning_apart` reports reasoning outside completion_tokens (xAI).
    cached_input_tokens: int | None = None
    cache_write_tokens: int | None = None
    reasoning_tokens: int | None = None
    reasoning_apart: bool = False
    # What the token-count endpoints answer (None: a quarter of the request body's length).
    counted_tokens: int | None = None
    # Tool calls to answer with, after the text: [{"name", "arguments", "id"?}].
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    _failed: int = field(default=0, repr=False)

    @property
    def extra(self) -> _wire.Extra:
        """The reported token counts beyond input and output, as the wire module takes them."""
        return _wire.Extra(
            self.cached_input_tokens,
            self.cache_write_tokens,
            self.reasoning_tokens,
            self.reasoning_apart,
        )

    def should_fail(self) -> bool:
        """Whether this request gets the error status (counting down `fail_times`)."""
        if self.status is None:
            return False
        if self.fail_times is None:
            return True
        self._failed += 1
        return self._failed <= self.fail_times


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it."""

    provider: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: dict[str, Any]
    model: str
    stream: bool

    @property
    def images(self) -> list[tuple[str, bytes]]:
        """The request's image parts as (media type, bytes), read in its provider's format."""
        return _images.images_in(self.provider, self.body)


class FakeProviderServer:
    """The fake server: start(), configure(...), read `requests`, stop()."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, keep: int = 1000) -> None:
        self.host = host
        self.port = port
        self._lock = threading.Lock()
        self._default = Script()
        self._per_model: dict[str, Script] = {}
        self._requests: deque[RecordedRequest] = deque(maxlen=keep)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Event | None = None
        self._startup_error: BaseException | None = None
        self._refused: set[str] = set()
        self.models: list[str] = ["fake-model-1", "fake-model-2"]
        # Answer GET .../models with a 302 to this URL instead (a redirect nobody follows).
        self.redirect_models_to: str | None = None
        # Served at GET /files/{name}: (content type, bytes), e.g. an image a run fetches.
        self.files: dict[str, tuple[str, bytes]] = {}
        # GET /files/{name} answers a 302 to this URL instead (a redirect nobody follows).
        self.file_redirects: dict[str, str] = {}

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> FakeProviderServer:
        """Start serving in a background thread; returns once the port is listening."""
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(ready,), name="fake-providers", daemon=True
        )
        self._thread.start()
        if not ready.wait(timeout=10):
            raise RuntimeError("the fake provider server did not start within 10 s")
        if self._startup_error is not None:
            raise RuntimeError("the fake provider server failed to start") from self._startup_error
        return self

    def stop(self) -> None:
        """Stop serving and join the thread (hanging requests are dropped)."""
        loop, stopped = self._loop, self._stopped
        if loop is not None and stopped is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stopped.set)
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._thread = None

    def __enter__(self) -> FakeProviderServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _serve(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main(ready))
        except BaseException as exc:  # reported to start(), which is waiting for `ready`
            self._startup_error = exc
            ready.set()
        finally:
            loop.close()

    async def _main(self, ready: threading.Event) -> None:
        self._stopped = asyncio.Event()
        runner = web.AppRunner(
            self._app(),
            handle_signals=False,
            access_log=None,
            shutdown_timeout=0.1,  # hanging handlers are cancelled, not awaited
            handler_cancellation=True,  # a client that gives up frees its handler
        )
        await runner.setup()
        # A benchmark opens a thousand streams at once: the default backlog of 128 drops SYNs.
        site = web.TCPSite(runner, self.host, self.port, reuse_address=True, backlog=4096)
        await site.start()
        server = site._server
        if isinstance(server, asyncio.Server) and server.sockets:
            self.port = server.sockets[0].getsockname()[1]
        ready.set()
        try:
            await self._stopped.wait()
        finally:
            await runner.cleanup()

    # --- addresses -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The server's root URL."""
        return f"http://{self.host}:{self.port}"

    @property
    def openai_base_url(self) -> str:
        """What the openai SDK takes as base URL (also right for xAI)."""
        return f"{self.url}/v1"

    xai_base_url = openai_base_url

    @property
    def anthropic_base_url(self) -> str:
        """What the anthropic SDK takes as base URL."""
        return self.url

    @property
    def gemini_base_url(self) -> str:
        """What google-genai takes as base URL."""
        return self.url

    # --- knobs and records ---------------------------------------------------------------

    def configure(self, **knobs: Any) -> Script:
        """Answer every request as a fresh Script(**knobs) says (per-model scripts still win)."""
        script = Script(**knobs)
        with self._lock:
            self._default = script
        return script

    def configure_model(self, model: str, **knobs: Any) -> Script:
        """Answer requests for one model name (without provider prefix) as Script(**knobs)."""
        script = Script(**knobs)
        with self._lock:
            self._per_model[model] = script
        return script

    def refuse_key(self, key: str) -> None:
        """Answer 401, as each provider does, to every request made with this key."""
        with self._lock:
            self._refused.add(key)

    def reset(self) -> None:
        """Back to the default script, no per-model scripts, no recorded requests."""
        with self._lock:
            self._default = Script()
            self._per_model.clear()
            self._requests.clear()
            self._refused.clear()
            self.models = ["fake-model-1", "fake-model-2"]
            self.redirect_models_to = None
            self.files = {}
            self.file_redirects = {}

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def last_request(self) -> RecordedRequest:
        """The most recent request (AssertionError when there was none)."""
        with self._lock:
            assert self._requests, "the fake provider server received no request"
            return self._requests[-1]

    def _take_script(self, model: str) -> tuple[Script, bool]:
        with self._lock:
            script = self._per_model.get(model, self._default)
            return script, script.should_fail()

    # --- HTTP ----------------------------------------------------------------------------

    def _app(self) -> web.Application:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self._openai)
        app.router.add_post("/v1/messages", self._anthropic)
        app.router.add_post("/v1/messages/count_tokens", self._anthropic_count)
        # google-genai 3 calls /v1 by default; older SDKs and the docs use /v1beta.
        app.router.add_post("/v1beta/models/{target}", self._gemini)
        app.router.add_post("/v1/models/{target}", self._gemini)
        # Listing models: OpenAI, xAI, Anthropic and Gemini (told apart by how the key comes).
        app.router.add_get("/v1/models", self._models)
        app.router.add_get("/v1beta/models", self._models)
        app.router.add_get("/files/{name}", self._file)
        return app

    async def _file(self, request: web.Request) -> web.Response:
        """A file of `files` (recorded as provider "files"), or 404."""
        name = request.match_info["name"]
        self._record(request, "files", name, False, {})
        with self._lock:
            found, redirect = self.files.get(name), self.file_redirects.get(name)
        if redirect is not None:
            raise web.HTTPFound(redirect)
        if found is None:
            raise web.HTTPNotFound()
        return web.Response(body=found[1], headers={"Content-Type": found[0]})

    async def _models(self, request: web.Request) -> web.Response:
        headers = {name.lower(): value for name, value in request.headers.items()}
        provider, key = _wire.request_key(headers, request.query)
        if request.path.startswith("/v1beta"):
            provider = "gemini"
        recorded = RecordedRequest(
            provider, request.path, dict(request.query), headers, {}, "", False
        )
        with self._lock:
            self._requests.append(recorded)
            refused = key in self._refused
            names, redirect = list(self.models), self.redirect_models_to
        if redirect is not None:
            raise web.HTTPFound(redirect)
        if refused:
            return self._refusal(provider)
        return web.json_response(_wire.models_document(provider, names))

    def _refusal(self, provider: str) -> web.Response:
        status = 400 if provider == "gemini" else 401
        message = _wire.default_error_message(provider, 401, "")
        return web.json_response(_wire.error_body(provider, status, message, None), status=status)

    async def _openai(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        model = str(body.get("model", ""))
        stream = bool(body.get("stream"))
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return await self._answer(request, "openai", model, stream, body, include_usage)

    async def _anthropic(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        model = str(body.get("model", ""))
        return await self._answer(request, "anthropic", model, bool(body.get("stream")), body)

    async def _anthropic_count(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        return await self._count(request, "anthropic", str(body.get("model", "")), body)

    async def _count(
        self, request: web.Request, provider: str, model: str, body: dict[str, Any]
    ) -> web.StreamResponse:
        """A token-count endpoint: recorded and counted like any other request."""
        self._record(request, provider, model, False, body)
        script, fail = self._take_script(model)
        if fail:
            return self._error(provider, model, script)
        counted = script.counted_tokens
        if counted is None:
            counted = max(1, len(json.dumps(body)) // 4)
        if provider == "gemini":
            return web.json_response({"totalTokens": counted})
        return web.json_response({"input_tokens": counted})

    def _record(
        self, request: web.Request, provider: str, model: str, stream: bool, body: dict[str, Any]
    ) -> RecordedRequest:
        recorded = RecordedRequest(
            provider=provider,
            path=request.path,
            query=dict(request.query),
            headers={name.lower(): value for name, value in request.headers.items()},
            body=body,
            model=model,
            stream=stream,
        )
        with self._lock:
            self._requests.append(recorded)
        return recorded

    async def _gemini(self, request: web.Request) -> web.StreamResponse:
        model, _, action = request.match_info["target"].partition(":")
        if action == "countTokens":
            return await self._count(request, "gemini", model, await self._body(request))
        if action not in ("generateContent", "streamGenerateContent"):
            raise web.HTTPNotFound()
        body = await self._body(request)
        return await self._answer(request, "gemini", model, action == "streamGenerateContent", body)

    async def _body(self, request: web.Request) -> dict[str, Any]:
        try:
            body = json.loads(await request.read() or b"{}")
        except ValueError:
            raise web.HTTPBadRequest(text="the body is not JSON") from None
        return body if isinstance(body, dict) else {"_": body}

    async def _answer(
        self,
        request: web.Request,
        provider: str,
        model: str,
        stream: bool,
        body: dict[str, Any],
        include_usage: bool = False,
    ) -> web.StreamResponse:
        recorded = self._record(request, provider, model, stream, body)
        with self._lock:
            refused = _wire.request_key(recorded.headers, recorded.query)[1] in self._refused
        if refused:
            return self._refusal(provider)
        script, fail = self._take_script(model)
        if script.hang:
            await asyncio.Event().wait()  # until the client gives up or the server stops
        if script.first_delay:
            await asyncio.sleep(script.first_delay)
        if fail:
            return self._error(provider, model, script)
        if not stream:
            return web.json_response(self._document(provider, model, script, body))
        return await self._stream(request, provider, model, script, include_usage, body)

    def _error(self, provider: str, model: str, script: Script) -> web.Response:
        status = script.status or 500
        message = script.error_message or _wire.default_error_message(provider, status, model)
        headers = {}
        # Gemini gives its hint in the body (RetryInfo); the others in the Retry-After header.
        if script.retry_after is not None and provider != "gemini":
            headers["Retry-After"] = f"{script.retry_after:g}"
        body = _wire.error_body(provider, status, message, script.retry_after)
        return web.json_response(body, status=status, headers=headers)

    def _document(
        self, provider: str, model: str, script: Script, body: dict[str, Any]
    ) -> dict[str, Any]:
        text, calls = _answer_of(provider, script, body)
        args = (model, text, script.input_tokens, script.output_tokens, script.extra, calls)
        if provider == "anthropic":
            return _wire.anthropic_complete(*args)
        if provider == "gemini":
            return _wire.gemini_complete(*args)
        return _wire.openai_complete(*args)

    def _frames(
        self,
        provider: str,
        model: str,
        script: Script,
        include_usage: bool,
        body: dict[str, Any],
    ) -> Iterator[_wire.Frame]:
        text, calls = _answer_of(provider, script, body)
        pieces = _wire.split_text(text, script.chunks)
        tokens = (script.input_tokens, script.output_tokens)
        if provider == "anthropic":
            return _wire.anthropic_stream(model, pieces, *tokens, script.extra, calls)
        if provider == "gemini":
            return _wire.gemini_stream(model, pieces, *tokens, script.extra, calls)
        return _wire.openai_stream(model, pieces, *tokens, include_usage, script.extra, calls)

    async def _stream(
        self,
        request: web.Request,
        provider: str,
        model: str,
        script: Script,
        include_usage: bool,
        body: dict[str, Any],
    ) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        sent = 0
        for frame, is_text in self._frames(provider, model, script, include_usage, body):
            if is_text:
                if script.cut_after is not None and sent >= script.cut_after:
                    self._cut(request)
                    return response
                if sent and script.chunk_delay:
                    await asyncio.sleep(script.chunk_delay)
                sent += 1
            await response.write(frame)
        await response.write_eof()
        return response

    def _cut(self, request: web.Request) -> None:
        """Drop the connection mid-body, as a crashed upstream or a broken proxy would."""
        transport = request.transport
        if transport is not None:
            transport.abort()  # no terminating chunk: the client sees a truncated body


def _answer_of(provider: str, script: Script, body: dict[str, Any]) -> tuple[str, list[_wire.Call]]:
    """The text and tool calls to answer with.

    Anthropic made to call one tool (`tool_choice` of type `tool`, how a schema is asked
    for) calls it with the script's text, read as JSON, for its input: as Claude would.
    """
    choice = body.get("tool_choice")
    if provider == "anthropic" and isinstance(choice, dict) and choice.get("type") == "tool":
        try:
            arguments = json.loads(script.text)
        except ValueError:
            arguments = {"text": script.text}
        return "", [{"name": choice.get("name"), "arguments": arguments}]
    return script.text, list(script.tool_calls)


def main(argv: list[str] | None = None) -> None:
    """Run the fake server in the foreground (for benchmarks with the server in its own process)."""
    parser = argparse.ArgumentParser(description="Fake OpenAI/Anthropic/Gemini server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--text", default=Script.text)
    parser.add_argument("--chunks", type=int, default=Script.chunks)
    parser.add_argument("--first-delay", type=float, default=0.0)
    parser.add_argument("--chunk-delay", type=float, default=0.0)
    parser.add_argument("--input-tokens", type=int, default=Script.input_tokens)
    parser.add_argument("--output-tokens", type=int, default=Script.output_tokens)
    args = parser.parse_args(argv)
    server = FakeProviderServer(args.host, args.port, keep=0)
    server.configure(
        text=args.text,
        chunks=args.chunks,
        first_delay=args.first_delay,
        chunk_delay=args.chunk_delay,
        input_tokens=args.input_tokens,
        output_tokens=args.output_tokens,
    )
    server.start()
    print(f"fake providers on {server.url} (OpenAI and xAI: {server.openai_base_url})", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        threading.Event().wait()
    server.stop()


if __name__ == "__main__":
    main()
