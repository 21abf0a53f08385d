"""Static files under a content-hashed path, cached for a year.

All of /static is versioned by one hash of its contents: `/static/<hash>/js/run.js`.
Putting the version in the path (not a query string) means a module's relative imports
(`./sse.js`) resolve under the same version, so every file can be cached as immutable
and any change to any file gives every URL a new version.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PREFIX = "/static"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
VERSION_LENGTH = 12


@lru_cache(maxsize=4)
def static_version(directory: Path = STATIC_DIR) -> str:
    """A short hash of every file's path and contents."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(path.relative_to(directory).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:VERSION_LENGTH]


def static_url(path: str) -> str:
    """The versioned URL of a file in the static directory (`css/app.css`)."""
    return f"{STATIC_PREFIX}/{static_version()}/{path.lstrip('/')}"


def _is_version(segment: str) -> bool:
    return len(segment) == VERSION_LENGTH and all(c in "0123456789abcdef" for c in segment)


class HashedStaticFiles(StaticFiles):
    """Serve `/<version>/<file>`: immutable for today's version, revalidated otherwise."""

    def __init__(self, directory: Path = STATIC_DIR) -> None:
        super().__init__(directory=directory)
        self.version = static_version(directory)

    async def get_response(self, path: str, scope: Scope) -> Response:
        """The file, with the version segment taken off and the cache lifetime it earns."""
        first, _, rest = path.partition("/")
        current = first == self.version
        if _is_version(first):
            # A page from before a deploy asks for an old version: serve today's file, but
            # don't let it be cached as that version's forever.
            path = rest
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            response.headers["Cache-Control"] = IMMUTABLE if current else REVALIDATE
        return response
