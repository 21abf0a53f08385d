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
GIF = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)
WEBP = bytes.fromhex("524946461a000000574542505650384c0d0000002f00000010071011118888fe0700")

_DATA_URL = re.compile(r"^data:([a-z]+/[a-z0-9.+-]+);base64,(.*)$", re.DOTALL)


def _decoded(text: object) -> bytes | None:
    """Base64, standard or URL-safe (google-genai sends the URL-safe alphabet)."""
    try:
        return base64.b64decode(str(text).replace("-", "+").replace("_", "/"), validate=True)
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
