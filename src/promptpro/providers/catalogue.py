"""The dated catalogue of known models: context window and USD prices per million tokens.

Prices are per kind of token: input and output, and where a provider prices them apart,
cached input (read from its prompt cache), cache writes and reasoning. Models missing from
it can still be run as `provider/name`; their cost is unknown ("no price"), never $0.

The catalogue in effect is the shipped file unless a newer one was loaded
(`promptpro models update FILE`, stored in the database): `install_catalogue` puts it in
place in this process, and `get_catalogue` returns it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from promptpro.errors import ConfigurationError, Invalid
from promptpro.providers.types import Usage

_DATA_FILE = "catalogue.json"
_SCHEMA_FILE = "catalogue.schema.json"
# A catalogue file larger than this is refused before it is parsed.
MAX_CATALOGUE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One known model; a price of None is not known (its runs have no cost)."""

    provider: str
    name: str
    display_name: str
    context_window: int
    input_usd_per_mtok: float | None
    output_usd_per_mtok: float | None
    note: str | None = None
    cached_input_usd_per_mtok: float | None = None
    cache_write_usd_per_mtok: float | None = None
    reasoning_usd_per_mtok: float | None = None
    # What the model takes as input: text, and images where the catalogue says so.
    input: tuple[str, ...] = ("text",)

    @property
    def takes_images(self) -> bool:
        """Whether the model takes images (the catalogue's `input` lists "image")."""
        return "image" in self.input

    @property
    def id(self) -> str:
        """The `provider/model` id."""
        return f"{self.provider}/{self.name}"

    def cost_usd(
        self,
        input_tokens: int,
        output_tokens: int,
        *,
        cached_input_tokens: int | None = None,
        cache_write_tokens: int | None = None,
        reasoning_tokens: int | None = None,
    ) -> float | None:
        """What this many tokens cost, each kind at its own price; None when one is unknown.

        Cached and cache-write tokens are parts of the input tokens, reasoning tokens part of
        the output. Reasoning is billed as output unless the catalogue gives it a price;
        cached and cache-write tokens without a price of their own make the cost unknown
        (pricing them as plain input would be a wrong number, not an estimate).
        """
        if self.input_usd_per_mtok is None or self.output_usd_per_mtok is None:
            return None
        cached = cached_input_tokens or 0
        written = cache_write_tokens or 0
        reasoning = min(reasoning_tokens or 0, output_tokens)
        cost = 0.0
        if cached:
            if self.cached_input_usd_per_mtok is None:
                return None
            cost += cached * self.cached_input_usd_per_mtok
        if written:
            if self.cache_write_usd_per_mtok is None:
                return None
            cost += written * self.cache_write_usd_per_mtok
        reasoning_price = self.reasoning_usd_per_mtok
        if reasoning_price is None:
            reasoning_price = self.output_usd_per_mtok
        cost += max(0, input_tokens - cached - written) * self.input_usd_per_mtok
        cost += (output_tokens - reasoning) * self.output_usd_per_mtok
        cost += reasoning * reasoning_price
        return round(cost / 1_000_000, 10)  # drops float noise such as 1.2000000000000002e-05


def _price(entry: dict[str, Any], key: str) -> float | None:
    value = entry.get(key)
    return None if value is None else float(value)


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    text = resources.files("promptpro.providers").joinpath(_SCHEMA_FILE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate_catalogue(data: object) -> None:
    """Raise Invalid naming the first place where `data` breaks the catalogue's JSON Schema."""
    validator = jsonschema.Draft202012Validator(
        _schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "the top level"
        raise Invalid(f"The catalogue is not valid at {where}: {error.message}", field="catalogue")


class Catalogue:
    """The known models, in the data file's order, looked up by `provider/model`."""

    def __init__(self, as_of: date, models: list[ModelInfo], *, source: str = "") -> None:
        self.as_of = as_of
        self.source = source
        self._models = list(models)
        self._by_id = {model.id: model for model in self._models}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Catalogue:
        """Build from the data file's structure (ConfigurationError if it is malformed)."""
        try:
            models = [
                ModelInfo(
                    provider=provider,
                    name=str(entry["name"]),
                    display_name=str(entry.get("display_name") or entry["name"]),
                    context_window=int(entry["context_window"]),
                    input_usd_per_mtok=_price(entry, "input_usd_per_mtok"),
                    output_usd_per_mtok=_price(entry, "output_usd_per_mtok"),
                    note=entry.get("note"),
                    cached_input_usd_per_mtok=_price(entry, "cached_input_usd_per_mtok"),
                    cache_write_usd_per_mtok=_price(entry, "cache_write_usd_per_mtok"),
                    reasoning_usd_per_mtok=_price(entry, "reasoning_usd_per_mtok"),
                    input=tuple(entry.get("input") or ("text",)),
                )
                for provider, entries in data["providers"].items()
                for entry in entries
            ]
            return cls(date.fromisoformat(data["as_of"]), models, source=data.get("source", ""))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigurationError(f"The model catalogue is malformed: {exc!r}") from None

    @classmethod
    def parse(cls, text: str | bytes) -> Catalogue:
        """A catalogue file's text, checked against its JSON Schema (Invalid if it fails)."""
        if len(text) > MAX_CATALOGUE_BYTES:
            raise Invalid("The catalogue file is too large (2 MB at most).", field="catalogue")
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise Invalid(f"The catalogue is not JSON: {exc}", field="catalogue") from None
        validate_catalogue(data)
        ids = [
            f"{p}/{entry['name']}" for p, entries in data["providers"].items() for entry in entries
        ]
        if len(set(ids)) != len(ids):
            duplicate = next(model for model in ids if ids.count(model) > 1)
            raise Invalid(f"The catalogue lists {duplicate} twice.", field="catalogue")
        return cls.from_dict(data)

    @classmethod
    def load(cls, path: Path | None = None) -> Catalogue:
        """Read the catalogue shipped in the package, or another file of the same shape."""
        if path is None:
            text = resources.files("promptpro.providers").joinpath(_DATA_FILE).read_text("utf-8")
        else:
            text = path.read_text("utf-8")
        return cls.from_dict(json.loads(text))

    def models(self, provider: str | None = None) -> list[ModelInfo]:
        """All known models, or one provider's."""
        if provider is None:
            return list(self._models)
        return [model for model in self._models if model.provider == provider]

    def providers(self) -> list[str]:
        """The provider ids that have models in the catalogue."""
        return list(dict.fromkeys(model.provider for model in self._models))

    def lookup(self, model_id: str) -> ModelInfo | None:
        """The model with this `provider/model` id, or None if the catalogue does not know it."""
        return self._by_id.get(model_id)

    def cost_usd(
        self,
        model_id: str,
        input_tokens: int | None,
        output_tokens: int | None,
        *,
        cached_input_tokens: int | None = None,
        cache_write_tokens: int | None = None,
        reasoning_tokens: int | None = None,
    ) -> float | None:
        """The run's cost, or None when the model, a price or a token count is unknown."""
        model = self._by_id.get(model_id)
        if model is None or input_tokens is None or output_tokens is None:
            return None
        return model.cost_usd(
            input_tokens,
            output_tokens,
            cached_input_tokens=cached_input_tokens,
            cache_write_tokens=cache_write_tokens,
            reasoning_tokens=reasoning_tokens,
        )

    def usage_cost(self, model_id: str, usage: Usage | None) -> float | None:
        """What a provider's reported usage costs (None: no price, or no usage)."""
        if usage is None:
            return None
        return self.cost_usd(
            model_id,
            usage.input_tokens,
            usage.output_tokens,
            cached_input_tokens=usage.cached_input_tokens,
            cache_write_tokens=usage.cache_write_tokens,
            reasoning_tokens=usage.reasoning_tokens,
        )


@lru_cache(maxsize=1)
def shipped_catalogue() -> Catalogue:
    """The catalogue shipped in the package, read once per process."""
    return Catalogue.load()


_installed: list[Catalogue] = []  # the catalogue loaded from the database, if any


def install_catalogue(catalogue: Catalogue | None) -> None:
    """Put a loaded catalogue in effect in this process (None: back to the shipped one)."""
    _installed[:] = [catalogue] if catalogue is not None else []


def get_catalogue() -> Catalogue:
    """The catalogue in effect: a newer one loaded from the database, or the shipped one."""
    return _installed[0] if _installed else shipped_catalogue()
