"""Plain values that go in and out of a provider adapter: no SDK types leak past this layer."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from promptpro.errors import Invalid

_PROVIDER_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


@dataclass(frozen=True, slots=True)
class ModelRef:
    """A model named `provider/model`; the name may itself contain slashes (vLLM, Ollama)."""

    provider: str
    name: str

    @property
    def id(self) -> str:
        """The `provider/model` spelling."""
        return f"{self.provider}/{self.name}"

    def __str__(self) -> str:
        return self.id


def parse_model_id(model_id: str) -> ModelRef:
    """Split `provider/model`, or raise Invalid(field="model") naming the expected form."""
    provider, slash, name = model_id.strip().partition("/")
    if not slash or not _PROVIDER_ID.fullmatch(provider) or not name or name != name.strip():
        raise Invalid(
            f"{model_id!r} is not a model id: expected provider/model, e.g. openai/gpt-4o-mini",
            field="model",
        )
    if any(char.isspace() for char in name):
        raise Invalid(f"{model_id!r} is not a model id: the name has spaces", field="model")
    return ModelRef(provider, name)


@dataclass(frozen=True, slots=True)
class RunParameters:
    """Generation parameters; None means the provider's default (Anthropic's max_tokens aside)."""

    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    system: str | None = None
    stop: Sequence[str] | None = None

    def __post_init__(self) -> None:
        # A tuple keeps the frozen value hashable and safe to share between runs.
        if self.stop is not None and not isinstance(self.stop, tuple):
            object.__setattr__(self, "stop", tuple(self.stop))


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A function the model asks to call: its call id, the tool's name, its arguments.

    `arguments` is the parsed JSON object; a model that sent text that isn't an object
    has it kept as `{"_raw": text}`, so nothing it said is lost.
    """

    id: str
    name: str
    arguments: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class TextPart:
    """Text in a turn made of parts."""

    text: str


@dataclass(frozen=True, slots=True)
class ImagePart:
    """An image in a turn: its type (image/png, …) and bytes; each provider wants it its way."""

    media_type: str
    data: bytes = field(repr=False)


ContentPart = TextPart | ImagePart


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One turn of a conversation, in no provider's format.

    `role` is system, user, assistant or tool. An assistant turn may carry the tool calls
    it made; a tool turn answers one call (`tool_call_id`, and the tool's `name`, which
    Gemini matches results by). A user turn with images is `parts` (text and images in
    order), which then replace `content` on the wire.
    """

    role: str
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None
    parts: tuple[ContentPart, ...] = ()


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A function the model may call: `parameters` is a JSON Schema of its arguments."""

    name: str
    description: str
    parameters: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class CompletionRequest:
    """One prompt to run: `model` is the full `provider/model` id.

    A text prompt is `prompt` (sent as one user turn after `parameters.system`); a chat
    prompt is `messages`, which then replace `prompt`. `schema` asks for JSON output that
    fits it; `tools` are functions the model may call.
    """

    model: str
    prompt: str
    parameters: RunParameters = field(default_factory=RunParameters)
    messages: tuple[ChatMessage, ...] = ()
    schema: Mapping[str, Any] | None = None
    tools: tuple[ToolSpec, ...] = ()

    def conversation(self) -> tuple[ChatMessage, ...]:
        """The turns to send: the system parameter first (if any), then the messages."""
        turns = self.messages or (ChatMessage("user", self.prompt),)
        if self.parameters.system:
            return (ChatMessage("system", self.parameters.system), *turns)
        return turns


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of the answer, in order."""

    text: str


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens as the provider counted them; None when it did not say.

    `input_tokens` are all the prompt's tokens and `output_tokens` all the answer's, whatever
    each provider calls them; the other three are parts of those, priced apart:
    `cached_input_tokens` (read from the provider's prompt cache) and `cache_write_tokens`
    (written to it) of the input, `reasoning_tokens` (thinking) of the output.
    """

    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_input_tokens: int | None = None
    cache_write_tokens: int | None = None
    reasoning_tokens: int | None = None


StreamEvent = TextDelta | Usage | ToolCall


@dataclass(frozen=True, slots=True)
class Completion:
    """A whole answer: the text, the provider's token counts, and any tool calls."""

    text: str
    usage: Usage
    tool_calls: tuple[ToolCall, ...] = ()


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds: to connect, until the first text arrives (retries included), for the whole run."""

    connect: float = 10.0
    first_token: float = 60.0
    total: float = 600.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Our own retry rule (the SDKs' retries are off): few, early, and only for transient faults.

    At most `max_retries` more attempts, only before any text has arrived, only after a 429,
    a 5xx or a connection failure. The wait is `backoff_base * 2**attempt`, or the provider's
    Retry-After when it gave one; a Retry-After above `max_wait` is not waited for: the
    rate-limit error goes to the caller at once.
    """

    max_retries: int = 2
    backoff_base: float = 0.5
    max_wait: float = 10.0
