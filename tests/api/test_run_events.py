"""How a run's events are written on the wire."""

from __future__ import annotations

import pytest

from promptpro.api.runs import _delta_encoder, _sse


@pytest.mark.parametrize(
    "text",
    ["Hello", "", 'quote " and \\ backslash', "line\nbreak\r\nand\rcr", "Été — 日本 😀", "\u2028"],
)
def test_a_delta_is_encoded_as_the_general_encoder_would(text: str) -> None:
    tag = {"responseId": 42, "model": "openai/gpt-4o-mini"}
    assert _delta_encoder(tag)(text) == _sse("delta", {**tag, "text": text})
