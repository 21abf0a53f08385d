"""Model ids and the plain request values."""

from __future__ import annotations

import pytest

from promptpro.errors import Invalid
from promptpro.providers.types import ModelRef, RunParameters, parse_model_id


@pytest.mark.parametrize(
    ("model_id", "expected"),
    [
        ("openai/gpt-4o-mini", ModelRef("openai", "gpt-4o-mini")),
        ("anthropic/claude-sonnet-4-5", ModelRef("anthropic", "claude-sonnet-4-5")),
        ("gemini/gemini-2.5-flash", ModelRef("gemini", "gemini-2.5-flash")),
        ("xai/grok-4", ModelRef("xai", "grok-4")),
        ("vllm/meta-llama/Llama-3-8B", ModelRef("vllm", "meta-llama/Llama-3-8B")),
        ("ollama/llama3:8b", ModelRef("ollama", "llama3:8b")),
    ],
)
def test_a_model_id_splits_at_the_first_slash(model_id: str, expected: ModelRef) -> None:
    ref = parse_model_id(model_id)

    assert ref == expected
    assert ref.id == model_id
    assert str(ref) == model_id


@pytest.mark.parametrize(
    "model_id",
    ["gpt-4o", "", "/gpt-4o", "openai/", "OpenAI/gpt-4o", "open ai/gpt", "openai/gpt 4", "a/ b"],
)
def test_a_malformed_model_id_is_invalid_on_the_model_field(model_id: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_model_id(model_id)

    assert caught.value.field == "model"
    assert "provider/model" in caught.value.detail or "spaces" in caught.value.detail


def test_stop_sequences_are_kept_as_an_immutable_tuple() -> None:
    stop = ["a", "b"]
    parameters = RunParameters(stop=stop)
    stop.append("c")

    assert parameters.stop == ("a", "b")
    assert hash(parameters) == hash(RunParameters(stop=("a", "b")))


def test_parameters_default_to_the_providers_defaults() -> None:
    assert RunParameters() == RunParameters(None, None, None, None, None)
