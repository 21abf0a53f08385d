"""The dated catalogue of known models and what a run costs."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from promptpro.errors import ConfigurationError
from promptpro.providers.catalogue import Catalogue, get_catalogue

NAMED_IN_THE_DESIGN = [
    "openai/gpt-4o-mini",
    "anthropic/claude-sonnet-4-5",
    "gemini/gemini-2.5-flash",
    "xai/grok-4",
]


def test_the_shipped_catalogue_is_dated_and_covers_every_provider() -> None:
    catalogue = get_catalogue()

    assert catalogue.as_of >= date(2026, 1, 1)
    assert catalogue.providers() == ["openai", "anthropic", "gemini", "xai"]
    for provider in catalogue.providers():
        assert 4 <= len(catalogue.models(provider)) <= 6


def test_the_shipped_catalogue_is_read_once() -> None:
    assert get_catalogue() is get_catalogue()


@pytest.mark.parametrize("model_id", NAMED_IN_THE_DESIGN)
def test_the_models_named_in_the_design_are_known(model_id: str) -> None:
    model = get_catalogue().lookup(model_id)

    assert model is not None
    assert model.id == model_id
    assert model.context_window >= 100_000
    assert model.input_usd_per_mtok is not None and model.output_usd_per_mtok is not None
    assert 0 < model.input_usd_per_mtok <= model.output_usd_per_mtok


def test_every_model_is_sane() -> None:
    models = get_catalogue().models()

    assert len({model.id for model in models}) == len(models)
    for model in models:
        assert model.display_name
        assert model.context_window > 0
        assert model.input_usd_per_mtok is not None and model.output_usd_per_mtok is not None
        assert model.input_usd_per_mtok > 0
        assert model.output_usd_per_mtok > 0


def test_the_cost_is_tokens_times_the_price_per_million() -> None:
    # gpt-4o-mini: $0.15 in, $0.60 out per million tokens.
    cost = get_catalogue().cost_usd("openai/gpt-4o-mini", 1_000_000, 500_000)

    assert cost == pytest.approx(0.15 + 0.30)
    assert get_catalogue().cost_usd("openai/gpt-4o-mini", 12, 7) == pytest.approx(6.0e-06)


def test_an_unknown_model_or_token_count_has_no_cost() -> None:
    catalogue = get_catalogue()

    assert catalogue.lookup("openai/not-a-model") is None
    assert catalogue.cost_usd("openai/not-a-model", 10, 10) is None
    assert catalogue.cost_usd("openai/gpt-4o-mini", None, 10) is None


def test_another_file_of_the_same_shape_can_be_loaded(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.json"
    entry = {"name": "m", "context_window": 8192, "input_usd_per_mtok": 1, "output_usd_per_mtok": 2}
    path.write_text(json.dumps({"as_of": "2026-01-02", "providers": {"local": [entry]}}))

    catalogue = Catalogue.load(path)

    assert catalogue.as_of == date(2026, 1, 2)
    assert catalogue.cost_usd("local/m", 1_000_000, 1_000_000) == 3.0
    assert catalogue.models()[0].display_name == "m"


def test_a_malformed_file_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps({"as_of": "someday", "providers": {}}))

    with pytest.raises(ConfigurationError):
        Catalogue.load(path)
