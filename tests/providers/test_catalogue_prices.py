"""Each kind of token at its own price; an unknown price is "no price", never $0; the
catalogue file is checked against its JSON Schema."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from promptpro.errors import Invalid
from promptpro.providers.catalogue import (
    Catalogue,
    ModelInfo,
    get_catalogue,
    install_catalogue,
    shipped_catalogue,
)
from promptpro.providers.types import Usage

M = 1_000_000
MODEL = ModelInfo(
    provider="p",
    name="m",
    display_name="M",
    context_window=1000,
    input_usd_per_mtok=2.0,
    output_usd_per_mtok=10.0,
    cached_input_usd_per_mtok=0.2,
    cache_write_usd_per_mtok=2.5,
    reasoning_usd_per_mtok=20.0,
)


def test_plain_input_and_output_tokens_at_their_prices() -> None:
    assert MODEL.cost_usd(M, M) == pytest.approx(2.0 + 10.0)


def test_cached_input_tokens_are_taken_out_of_the_input_and_priced_as_cached() -> None:
    # 1M input of which 600k cached: 400k at $2 + 600k at $0.20.
    assert MODEL.cost_usd(M, 0, cached_input_tokens=600_000) == pytest.approx(0.8 + 0.12)


def test_cache_writes_are_taken_out_of_the_input_and_priced_as_writes() -> None:
    assert MODEL.cost_usd(M, 0, cache_write_tokens=M) == pytest.approx(2.5)


def test_reasoning_tokens_are_part_of_the_output_at_their_own_price() -> None:
    # 1M output of which 250k reasoning: 750k at $10 + 250k at $20.
    assert MODEL.cost_usd(0, M, reasoning_tokens=250_000) == pytest.approx(7.5 + 5.0)


def test_reasoning_without_its_own_price_is_billed_as_output() -> None:
    model = ModelInfo("p", "m", "M", 1, 2.0, 10.0)

    assert model.cost_usd(0, M, reasoning_tokens=M) == pytest.approx(10.0)


def test_every_kind_at_once_adds_up() -> None:
    cost = MODEL.cost_usd(
        M, M, cached_input_tokens=500_000, cache_write_tokens=100_000, reasoning_tokens=M // 2
    )
    # input: 400k * 2 + 500k * 0.2 + 100k * 2.5; output: 500k * 10 + 500k * 20
    assert cost == pytest.approx(0.8 + 0.1 + 0.25 + 5.0 + 10.0)


@pytest.mark.parametrize(
    "kind", ["cached_input_tokens", "cache_write_tokens"], ids=["cached", "cache-write"]
)
def test_a_reported_kind_without_a_price_means_no_price_not_a_guess(kind: str) -> None:
    model = ModelInfo("p", "m", "M", 1, 2.0, 10.0)

    assert model.cost_usd(100, 10, **{kind: 5}) is None
    assert model.cost_usd(100, 10, **{kind: 0}) == pytest.approx((200 + 100) / M)


def test_a_model_without_a_price_costs_nothing_known_never_zero() -> None:
    model = ModelInfo("p", "m", "M", 1, None, None)
    catalogue = Catalogue(date(2026, 1, 1), [model])

    assert model.cost_usd(100, 10) is None
    assert catalogue.cost_usd("p/m", 100, 10) is None
    assert catalogue.cost_usd("p/unknown", 100, 10) is None
    assert catalogue.usage_cost("p/m", Usage(0, 0)) is None


def test_usage_cost_prices_a_providers_report() -> None:
    catalogue = Catalogue(date(2026, 1, 1), [MODEL])

    usage = Usage(M, M, cached_input_tokens=M, reasoning_tokens=M)

    assert catalogue.usage_cost("p/m", usage) == pytest.approx(0.2 + 20.0)
    assert catalogue.usage_cost("p/m", None) is None


def test_every_shipped_model_prices_its_cached_input() -> None:
    for model in shipped_catalogue().models():
        assert model.cached_input_usd_per_mtok is not None, model.id
        assert model.input_usd_per_mtok is not None
        assert model.cached_input_usd_per_mtok < model.input_usd_per_mtok
    claude = shipped_catalogue().lookup("anthropic/claude-sonnet-4-5")
    assert claude is not None and claude.cache_write_usd_per_mtok == pytest.approx(3.75)


def _shipped() -> dict[str, Any]:
    from importlib import resources

    text = resources.files("promptpro.providers").joinpath("catalogue.json").read_text()
    data: dict[str, Any] = json.loads(text)
    return data


def test_the_shipped_file_passes_its_own_schema() -> None:
    catalogue = Catalogue.parse(json.dumps(_shipped()))

    assert catalogue.as_of == shipped_catalogue().as_of


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.pop("as_of"), "top level"),
        (lambda d: d.update(as_of="June"), "as_of"),
        (lambda d: d["providers"]["openai"][0].update(input_usd_per_mtok=-1), "providers/openai/0"),
        (
            lambda d: d["providers"]["openai"][0].update(output_usd_per_mtok="1"),
            "providers/openai/0",
        ),
        (lambda d: d["providers"]["openai"][0].update(surprise=1), "providers/openai/0"),
        (lambda d: d["providers"]["openai"][0].pop("context_window"), "providers/openai/0"),
        (lambda d: d["providers"].update({"Bad Id": []}), "providers"),
    ],
    ids=["no-date", "bad-date", "negative", "string-price", "unknown-field", "no-window", "bad-id"],
)
def test_a_malformed_catalogue_is_refused_naming_where(change: Any, where: str) -> None:
    data = _shipped()
    change(data)

    with pytest.raises(Invalid) as caught:
        Catalogue.parse(json.dumps(data))

    assert where in caught.value.detail
    assert caught.value.field == "catalogue"


def test_a_catalogue_naming_a_model_twice_or_not_json_is_refused() -> None:
    data = _shipped()
    data["providers"]["openai"].append(data["providers"]["openai"][0])
    with pytest.raises(Invalid, match="twice"):
        Catalogue.parse(json.dumps(data))
    with pytest.raises(Invalid, match="not JSON"):
        Catalogue.parse("{")


def test_an_installed_catalogue_is_in_effect_until_removed() -> None:
    newer = Catalogue(date(2030, 1, 1), [MODEL])
    install_catalogue(newer)
    try:
        assert get_catalogue() is newer
    finally:
        install_catalogue(None)
    assert get_catalogue() is shipped_catalogue()
