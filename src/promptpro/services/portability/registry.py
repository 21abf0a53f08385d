"""The formats: how each is read from an upload and written for a download."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import IO

from promptpro.db.session import SessionFactory
from promptpro.schemas.portability import ExportFormat
from promptpro.services.portability import files, promptpro_format
from promptpro.services.portability.export import (
    ExportScope,
    prompt_pages,
    read_header,
    test_set_docs,
)
from promptpro.services.portability.formats import (
    dotprompt,
    langfuse,
    markdown,
    promptfoo,
    prompty,
)
from promptpro.services.portability.library import ExportedLibrary, ParsedLibrary

Render = Callable[[ExportedLibrary], list[tuple[str, str]]]
Parse = Callable[[list[tuple[str, str]]], ParsedLibrary]


@dataclass(frozen=True)
class FileFormat:
    """One format: its files' extension, whether a download is a zip of many, its codecs."""

    extension: str
    media_type: str
    zipped: bool
    render: Render | None
    parse: Parse | None


FORMATS: dict[ExportFormat, FileFormat] = {
    "promptpro": FileFormat(".json", "application/json", False, None, None),
    "promptfoo": FileFormat(".yaml", "application/yaml", False, promptfoo.render, promptfoo.parse),
    "langfuse": FileFormat(".json", "application/json", False, langfuse.render, langfuse.parse),
    "prompty": FileFormat(
        prompty.EXTENSION, "application/zip", True, prompty.render, prompty.parse
    ),
    "dotprompt": FileFormat(
        dotprompt.EXTENSION, "application/zip", True, dotprompt.render, dotprompt.parse
    ),
    "markdown": FileFormat(
        markdown.EXTENSION, "application/zip", True, markdown.render, markdown.parse
    ),
}


def download_name(workspace: str, file_format: ExportFormat) -> str:
    spec = FORMATS[file_format]
    stem = "".join(c if c.isalnum() or c in "-_." else "-" for c in workspace).strip("-.")
    stem = f"{stem or 'workspace'}-{file_format}"
    return stem + (".zip" if spec.zipped else spec.extension)


async def export_bytes(
    factory: SessionFactory, scope: ExportScope, file_format: ExportFormat
) -> AsyncIterator[bytes]:
    """The download: our document streamed; another format's files built from the pages
    (these formats are written whole: a zip's directory or a YAML document comes last)."""
    if file_format == "promptpro":
        async for chunk in promptpro_format.document_chunks(factory, scope):
            yield chunk.encode()
        return
    header = await read_header(factory, scope)
    prompts = [
        p async for page in prompt_pages(factory, scope, header.category_names) for p in page
    ]
    test_sets = [t async for t in test_set_docs(factory, scope)]
    library = ExportedLibrary(
        scope.workspace_name, header.categories, header.tags, prompts, test_sets
    )
    spec = FORMATS[file_format]
    assert spec.render is not None
    rendered = spec.render(library)
    if spec.zipped:
        yield files.make_zip(rendered)
    else:
        yield rendered[0][1].encode()


def parse_upload(file: IO[bytes], file_format: ExportFormat, limits: files.Limits) -> ParsedLibrary:
    """The library in an upload: our document (streamed), one file of a single-file
    format, or a zip (or one file) of a multi-file format."""
    if file_format == "promptpro":
        return promptpro_format.read_document(file)
    spec = FORMATS[file_format]
    assert spec.parse is not None
    if files.is_zip(file):
        return spec.parse(files.zip_texts(file, limits))
    return spec.parse([(f"upload{spec.extension}", files.whole_text(file, limits))])
