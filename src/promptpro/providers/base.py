"""The adapter contract, and the base class that gives every SDK adapter the same rules.

`SdkProvider` owns what must not differ between providers: the client cache, our retry rule,
the three timeouts, and turning every failure into a ProviderError. A subclass only says how
to build its SDK client, how to call it, and what its SDK's exceptions mean.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import ClassVar, Generic, Protocol, TypeVar, runtime_checkable

from promptpro.errors import Invalid, ProviderError, ProviderErrorKind
from promptpro.providers.clients import ClientCache
from promptpro.providers.deadline import Deadline, DeadlinePassed
from promptpro.providers.failures import Failure, transport_failure, unreadable
from promptpro.providers.types import (
    Completion,
    CompletionRequest,
    RetryPolicy,
    StreamEvent,
    TextDelta,
    Timeouts,
    ToolCall,
    Usage,
    parse_model_id,
)

ClientT = TypeVar("ClientT")


@runtime_checkable
class Provider(Protocol):
    """What the registry holds and services call: one AI provider."""

    @property
    def id(self) -> str:
        """The `provider` part of `provider/model` ids."""
        ...

    @property
    def display_name(self) -> str:
        """The provider's name for people."""
        ...

    def stream(
        self, request: CompletionRequest, *, api_key: str
    ) -> AsyncGenerator[StreamEvent, None]:
        """Yield the answer's text deltas and tool calls, ending with a Usage of the final
        counts; raise ProviderError. Counts reported earlier come as they are reported
        (Anthropic's input tokens at the start), so a stopped run keeps them.

        A caller that stops early calls `aclose()`, which releases the connection at once.
        """
        ...

    async def complete(self, request: CompletionRequest, *, api_key: str) -> Completion:
        """The whole answer at once; raise ProviderError."""
        ...


async def collect(events: AsyncIterator[StreamEvent]) -> Completion:
    """Join a stream into one Completion (what a caller that needs no deltas does)."""
    parts: list[str] = []
    calls: list[ToolCall] = []
    usage = Usage()
    async for event in events:
        if isinstance(event, TextDelta):
            parts.append(event.text)
        elif isinstance(event, ToolCall):
            calls.append(event)
        else:
            usage = event
    return Completion("".join(parts), usage, tuple(calls))


class SdkProvider(ABC, Generic[ClientT]):
    """Base of the SDK adapters: cached clients, retries, timeouts, error translation.

    `stream()` is the primary call: the first-token timeout bounds the wait for the first
    text (retries included) and the total timeout the whole run. `complete()` uses the
    provider's non-streamed endpoint, which costs less per call when nobody watches the text
    arrive; as its first token is the whole answer, only the total timeout bounds it.

    A subclass names its provider in `default_id`, `default_display_name` and
    `default_base_url`; an instance may stand for another (xAI, a local server) by passing
    its own.
    """

    default_id: ClassVar[str]
    default_display_name: ClassVar[str]
    default_base_url: ClassVar[str]

    def __init__(
        self,
        *,
        provider_id: str | None = None,
        display_name: str | None = None,
        base_url: str | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        clients: ClientCache | None = None,
    ) -> None:
        self._id = provider_id or self.default_id
        self._display_name = display_name or self.default_display_name
        self.base_url = base_url or self.default_base_url
        self.timeouts = timeouts or Timeouts()
        self.retry = retry or RetryPolicy()
        self.clients = clients if clients is not None else ClientCache()

    @property
    def id(self) -> str:
        """The `provider` part of `provider/model` ids."""
        return self._id

    @property
    def display_name(self) -> str:
        """The provider's name for people."""
        return self._display_name

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self._id!r}, base_url={self.base_url!r})"

    # --- what a subclass provides ----------------------------------------------------------

    @abstractmethod
    def _create_client(self, api_key: str) -> ClientT:
        """A new SDK client for this key and the adapter's base URL, SDK retries off."""

    @abstractmethod
    async def _close_client(self, client: ClientT) -> None:
        """Release the client's connections."""

    @abstractmethod
    def _events(
        self, client: ClientT, model: str, request: CompletionRequest
    ) -> AsyncGenerator[StreamEvent, None]:
        """One streamed call: deltas then one Usage; raise StreamCut if the end never came."""

    @abstractmethod
    async def _complete_once(
        self, client: ClientT, model: str, request: CompletionRequest
    ) -> Completion:
        """One non-streamed call."""

    @abstractmethod
    def _sdk_failure(self, exc: Exception, model: str) -> Failure | None:
        """What the SDK's own exception means, or None if it is not one of the SDK's."""

    # --- the calls -------------------------------------------------------------------------

    def evict(self, api_key: str) -> int:
        """Drop the cached clients of this key (it was changed or removed)."""
        return self.clients.evict(self._id, api_key)

    async def stream(
        self, request: CompletionRequest, *, api_key: str
    ) -> AsyncGenerator[StreamEvent, None]:
        """Yield the answer's text deltas and its Usage as the provider reports it (the last
        event is always a Usage, the final counts); raise ProviderError."""
        model = self._model_name(request.model)
        loop = asyncio.get_running_loop()
        got_text = False
        attempt = 0
        async with self._lease(api_key) as client:
            # The clock starts once the client exists: building one is our cost, not the
            # provider's, and happens once per key.
            started = loop.time()
            run_deadline = started + self.timeouts.total
            first_deadline = min(started + self.timeouts.first_token, run_deadline)
            deadline = Deadline(loop, first_deadline)
            try:
                while True:
                    events = self._events(client, model, request)
                    usage = Usage()
                    reported = False
                    try:
                        while True:
                            try:
                                event = await deadline.next(events)
                            except StopAsyncIteration:
                                break
                            if isinstance(event, Usage):
                                # Passed on at once: a run stopped before the end keeps
                                # what was reported (Anthropic's input tokens come first).
                                usage, reported = event, True
                                yield event
                            elif isinstance(event, ToolCall):
                                # A tool call is the answer's content as much as text is.
                                if not got_text:
                                    got_text = True
                                    deadline.extend(run_deadline)
                                yield event
                            elif event.text:
                                if not got_text:
                                    got_text = True
                                    deadline.extend(run_deadline)
                                yield event
                    except DeadlinePassed:
                        first = not got_text and first_deadline < run_deadline
                        raise self._timeout(first=first, api_key=api_key) from None
                    except ProviderError:
                        raise
                    except Exception as exc:
                        failure = self._failure(exc, model)
                        # Never retry once text has arrived: the caller has already shown it.
                        delay = None
                        if not got_text:
                            delay = self._retry_delay(failure, attempt, first_deadline)
                        if delay is None:
                            raise failure.to_error(self._id, api_key) from None
                        attempt += 1
                        await asyncio.sleep(delay)
                        continue
                    finally:
                        # Release the connection now, whether we finished, failed or were closed.
                        with contextlib.suppress(Exception):
                            await events.aclose()
                    if not reported:
                        yield usage
                    return
            finally:
                deadline.cancel()

    async def complete(self, request: CompletionRequest, *, api_key: str) -> Completion:
        """The whole answer from the non-streamed endpoint; raise ProviderError."""
        model = self._model_name(request.model)
        attempt = 0
        async with self._lease(api_key) as client:
            run_deadline = asyncio.get_running_loop().time() + self.timeouts.total
            while True:
                timer = asyncio.timeout_at(run_deadline)
                try:
                    async with timer:
                        return await self._complete_once(client, model, request)
                except ProviderError:
                    raise
                except Exception as exc:
                    if isinstance(exc, TimeoutError) and timer.expired():
                        raise self._timeout(first=False, api_key=api_key) from None
                    failure = self._failure(exc, model)
                    delay = self._retry_delay(failure, attempt, run_deadline)
                    if delay is None:
                        raise failure.to_error(self._id, api_key) from None
                    attempt += 1
                    await asyncio.sleep(delay)

    async def _count_once(
        self, client: ClientT, model: str, request: CompletionRequest
    ) -> int | None:
        """The request's input tokens from the provider's own count endpoint (None: none)."""
        return None

    async def count_tokens(self, request: CompletionRequest, *, api_key: str) -> int | None:
        """The request's input tokens as the provider counts them, or None when it has no
        counting endpoint; raise ProviderError. One attempt, bounded by the first-token
        timeout: an estimate is not worth waiting for."""
        model = self._model_name(request.model)
        async with self._lease(api_key) as client:
            try:
                async with asyncio.timeout(self.timeouts.first_token):
                    return await self._count_once(client, model, request)
            except ProviderError:
                raise
            except TimeoutError:
                raise self._timeout(first=True, api_key=api_key) from None
            except Exception as exc:
                raise self._failure(exc, model).to_error(self._id, api_key) from None

    # --- the shared rules ------------------------------------------------------------------

    def _lease(self, api_key: str) -> AbstractAsyncContextManager[ClientT]:
        return self.clients.lease(
            self._id,
            api_key,
            self.base_url,
            lambda: self._create_client(api_key),
            self._close_client,
        )

    def _model_name(self, model_id: str) -> str:
        ref = parse_model_id(model_id)
        if ref.provider != self._id:
            raise Invalid(
                f"{model_id!r} is not a {self._display_name} model (expected {self._id}/...)",
                field="model",
            )
        return ref.name

    def _failure(self, exc: Exception, model: str) -> Failure:
        return (
            self._sdk_failure(exc, model)
            or transport_failure(self._display_name, exc)
            or unreadable(self._display_name, exc)
        )

    def _retry_delay(self, failure: Failure, attempt: int, deadline: float) -> float | None:
        """Seconds to wait before the next attempt, or None to give up now."""
        if not failure.retryable or attempt >= self.retry.max_retries:
            return None
        wait = failure.retry_after
        if wait is None:
            # Jitter spreads the retries of runs that failed together.
            wait = self.retry.backoff_base * 2**attempt * (0.5 + random.random() / 2)  # noqa: S311
        elif wait > self.retry.max_wait:
            return None  # the caller is better told "rate limited, retry in N s" than kept waiting
        if asyncio.get_running_loop().time() + wait >= deadline:
            return None
        return wait

    def _timeout(self, *, first: bool, api_key: str) -> ProviderError:
        if first:
            message = f"{self._display_name} sent no text within {self.timeouts.first_token:g} s"
        else:
            message = f"{self._display_name} did not finish within {self.timeouts.total:g} s"
        return Failure(ProviderErrorKind.TIMEOUT, message).to_error(self._id, api_key)
