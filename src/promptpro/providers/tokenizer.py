"""Counting tokens here, without asking a provider: OpenAI's o200k_base, or characters / 4.

tiktoken downloads its BPE files from OpenAI's blob storage on first use, which a server
without internet access (and this project's CI) can't reach. The o200k_base ranks ship in
the package instead (`data/o200k_base.tiktoken.gz`, byte for byte OpenAI's file: its SHA-256
is checked against the one tiktoken itself expects) and are handed to `tiktoken.Encoding`.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
from functools import lru_cache
from importlib import resources

import tiktoken

_O200K_FILE = "o200k_base.tiktoken.gz"
# tiktoken_ext.openai_public.o200k_base's expected_hash of the uncompressed file.
_O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
_O200K_PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
# OpenAI's chat format adds a few tokens per message and to prime the reply.
TOKENS_PER_MESSAGE = 3
REPLY_PRIMING_TOKENS = 3


@lru_cache(maxsize=1)
def o200k_base() -> tiktoken.Encoding:
    """The o200k_base encoding (GPT-4o, GPT-4.1, GPT-5 and o-series), loaded once (~0.5 s)."""
    packed = resources.files("promptpro.providers").joinpath("data", _O200K_FILE).read_bytes()
    contents = gzip.decompress(packed)
    if hashlib.sha256(contents).hexdigest() != _O200K_SHA256:
        raise RuntimeError("the bundled o200k_base ranks are damaged")  # pragma: no cover
    ranks = {
        base64.b64decode(token): int(rank)
        for token, rank in (line.split() for line in contents.splitlines() if line)
    }
    return tiktoken.Encoding(
        name="o200k_base",
        pat_str=_O200K_PATTERN,
        mergeable_ranks=ranks,
        special_tokens={"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
    )


def count_chat_tokens(messages: list[str]) -> int:
    """The input tokens of a chat request with these messages' texts, as OpenAI counts them."""
    encoding = o200k_base()
    tokens = sum(
        len(encoding.encode(text, disallowed_special=())) + TOKENS_PER_MESSAGE for text in messages
    )
    return tokens + REPLY_PRIMING_TOKENS


def heuristic_tokens(messages: list[str]) -> int:
    """A rough count for models whose tokenizer we don't have: four characters a token."""
    return sum((len(text) + 3) // 4 for text in messages)
