"""TODO"""

from __future__ import annotations

from promptpro.services.portability.library import ExportedLibrary, ParsedLibrary

EXTENSION = ".x"


def render(library: ExportedLibrary) -> list[tuple[str, str]]:
    raise NotImplementedError


def parse(files: list[tuple[str, str]]) -> ParsedLibrary:
    raise NotImplementedError
