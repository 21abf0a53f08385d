"""Images in the bodies the fake provider server received, read back in each provider's
format, and tiny sample images for tests.

A test asserts the wire format with `recorded.images`: every image part of the request as
(media type, bytes), in order, read only from the shape that provider takes (OpenAI
`image_url` parts with a base64 `data:` URL, Anthropic `image` blocks with a base64
source, Gemini `inlineData` parts). An image sent in another provider's shape is not found.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

# The smallest valid images of each kind we take (a 1x1 pixel; WebP a bare header).
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"

_DATA_URL = re.compile(r"^data:([a-z]+/[a-z0-9.+-]+);base64,(.*)$", re.DOTALL)


def _decoded(text: object) -> bytes | None:
    try:
        return base64.b64decode(str(text), validate=True)
    except (binascii.Error, ValueError):
        return None


def _openai(body: dict[str, Any]) -> list[tuple[str, bytes]]:
    found = []
    for message in body.get("messages") or ():
        for part in message.get("content") if isinstance(message.get("content"), list) else ():
            if part.get("type") != "image_url":
                continue
            match = _DATA_URL.match(str((part.get("image_url") or {}).get("url", "")))
            data = _decoded(match.group(2)) if match else None
            if match and data is not None:
                found.append((match.group(1), data))
    return found


def _anthropic(body: dict[str, Any]) -> list[tuple[str, bytes]]:
    found = []
    for message in body.get("messages") or ():
        for block in message.get("content") if isinstance(message.get("content"), list) else ():
            source = block.get("source") or {}
            if block.get("type") == "image" and source.get("type") == "base64":
                data = _decoded(source.get("data"))
                if data is not None:
                    found.append((str(source.get("media_type")), data))
    return found


def _gemini(body: dict[str, Any]) -> list[tuple[str, bytes]]:
    found = []
    for content in body.get("contents") or ():
        for part in content.get("parts") or () if isinstance(content, dict) else ():
            inline = part.get("inlineData") or part.get("inline_data")
            if isinstance(inline, dict):
                data = _decoded(inline.get("data"))
                if data is not None:
                    found.append((str(inline.get("mimeType") or inline.get("mime_type")), data))
    return found


def images_in(provider: str, body: dict[str, Any]) -> list[tuple[str, bytes]]:
    """The image parts of a request body as (media type, bytes), in the provider's format."""
    if provider == "anthropic":
        return _anthropic(body)
    if provider == "gemini":
        return _gemini(body)
    return _openai(body)
