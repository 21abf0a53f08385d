"""What an image is (from its bytes), and how a template with image variables splits."""

from __future__ import annotations

import pytest

from promptpro.errors import ImageRefused, Invalid
from promptpro.services.images import checked_type, sniff
from promptpro.services.templates import readable_parts, render_parts
from promptpro.testing._images import GIF, JPEG, PNG, WEBP


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (WEBP, "image/webp"),
        (GIF, "image/gif"),
        (b"GIF87a" + GIF[6:], "image/gif"),
        (b"RIFF\0\0\0\0WAVEfmt ", None),  # a RIFF that is audio
        (b"\x89PNG", None),  # cut short
        (b"<html>", None),
        (b"", None),
    ],
)
def test_the_type_is_read_from_the_magic_numbers(data: bytes, expected: str | None) -> None:
    assert sniff(data) == expected


def test_an_upload_too_large_is_413_and_not_an_image_is_415() -> None:
    with pytest.raises(ImageRefused) as large:
        checked_type(PNG, len(PNG) - 1, field="image", uploaded=True)
    with pytest.raises(ImageRefused) as text:
        checked_type(b"hello", 100, field="image", uploaded=True)
    with pytest.raises(ImageRefused) as fetched:
        checked_type(b"hello", 100, field="variables.x", uploaded=False)

    assert (large.value.status, large.value.kind) == (413, "image-too-large")
    assert (text.value.status, text.value.kind) == (415, "unsupported-media-type")
    assert fetched.value.status == 422  # a run's URL: the request itself was fine


def test_an_image_variable_splits_the_text_where_it_stands() -> None:
    parts = render_parts(
        "Compare {{a}} with {{b}}, in {{lang}}.{{a}}", {"lang": "French"}, {"a": "A1", "b": "B1"}
    )

    assert parts == [
        {"type": "text", "text": "Compare "},
        {"type": "image", "name": "a", "image": "A1"},
        {"type": "text", "text": " with "},
        {"type": "image", "name": "b", "image": "B1"},
        {"type": "text", "text": ", in French."},
        {"type": "image", "name": "a", "image": "A1"},
    ]
    assert readable_parts(parts) == "Compare [image: a] with [image: b], in French.[image: a]"


def test_a_missing_variable_is_still_named() -> None:
    with pytest.raises(Invalid) as missing:
        render_parts("{{img}} {{other}}", {}, {"img": "I"})

    assert missing.value.field == "variables.other"
