"""Text from outside (a model's answer) made storable in every database we support."""

from __future__ import annotations

import re

# NUL, which neither database stores, and lone surrogates (half of a UTF-16 pair, e.g. a
# pair split between two chunks of a stream), which UTF-8 can't encode.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def storable(text: str) -> str:
    """`text` with each character no database can store replaced by U+FFFD."""
    return UNSTORABLE.sub(REPLACEMENT, text)
