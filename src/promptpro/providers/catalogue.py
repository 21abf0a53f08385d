"""The dated catalogue of known models: context window and USD prices per million tokens.

Models missing from it can still be run as `provider/name`; their cost is simply unknown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from promptpro.errors import ConfigurationError

_DATA_FILE = "catalogue.json"


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One known model."""

    provider: str
    name: str
    display_name: str
    context_window: int
    input_usd_per_mtok: float
    output_usd_per_mtok: float
    note: str | None = None

    @property
    def id(self) -> str:
        """The `provider/model` id."""
        return f"{self.provider}/{self.name}"

    def cost_usd(self, input_tokens: int, output_tokens: int) -> float:
        """What this many tokens cost at the catalogue's standard rates."""
        cost = input_tokens * self.input_usd_per_mtok + output_tokens * self.output_usd_per_mtok
        return round(cost / 1_000_000, 10)  # drops float noise such as 1.2000000000000002e-05


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
                    input_usd_per_mtok=float(entry["input_usd_per_mtok"]),
                    output_usd_per_mtok=float(entry["output_usd_per_mtok"]),
                    note=entry.get("note"),
                )
                for provider, entries in data["providers"].items()
                for entry in entries
            ]
            return cls(date.fromisoformat(data["as_of"]), models, source=data.get("source", ""))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigurationError(f"The model catalogue is malformed: {exc!r}") from None

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
        self, model_id: str, input_tokens: int | None, output_tokens: int | None
    ) -> float | None:
        """The run's cost, or None when the model or a token count is unknown."""
        model = self._by_id.get(model_id)
        if model is None or input_tokens is None or output_tokens is None:
            return None
        return model.cost_usd(input_tokens, output_tokens)


@lru_cache(maxsize=1)
def get_catalogue() -> Catalogue:
    """The shipped catalogue, read once per process."""
    return Catalogue.load()
