"""Uploads and zips, within bounds.

An upload is spooled to a temporary file as it arrives (past 1 MB it is on disk), and
refused once it passes `PROMPTPRO_IMPORT_MAX_BYTES`. A zip is read member by member:
names that are absolute, climb out (`..`) or use backslashes are refused; what the
members unpack to is counted as it is read (a member's declared size can lie), and past
`PROMPTPRO_IMPORT_MAX_UNZIPPED_BYTES` or `PROMPTPRO_IMPORT_MAX_FILES` the import is a 413:
a zip bomb costs at most the bound.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import AsyncIterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

from promptpro.errors import Invalid, TooLarge

SPOOL_BYTES = 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"


@dataclass(frozen=True)
class Limits:
    """How much an import may read: the upload, what its zip unpacks to, how many files."""

    max_bytes: int
    max_unzipped_bytes: int
    max_files: int


async def spool(chunks: AsyncIterable[bytes], max_bytes: int) -> IO[bytes]:
    """The upload in a temporary file (TooLarge past `max_bytes`), rewound."""
    file = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115  (returned)
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            file.close()
            raise TooLarge(f"The file is larger than the import limit of {max_bytes} bytes.")
        file.write(chunk)
    file.seek(0)
    return file


def is_zip(file: IO[bytes]) -> bool:
    file.seek(0)
    magic = file.read(4)
    file.seek(0)
    return magic in (ZIP_MAGIC, EMPTY_ZIP_MAGIC)


def safe_member_name(name: str) -> str:
    """A member's path if it stays inside the archive (Invalid naming it otherwise)."""
    path = PurePosixPath(name)
    if (
        "\\" in name
        or "\x00" in name
        or path.is_absolute()
        or ".." in path.parts
        or (path.parts and ":" in path.parts[0])
    ):
        raise Invalid(f"The zip holds an unsafe file name: {name[:200]!r}.", field="file")
    return str(path)


def text_of(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(f"{name[:200]} is not UTF-8 text.", field="file") from None


def zip_texts(file: IO[bytes], limits: Limits) -> list[tuple[str, str]]:
    """Every file of the zip as (path, text), folders and hidden files left out."""
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise Invalid("The file is not a readable zip.", field="file") from None
    out: list[tuple[str, str]] = []
    budget = limits.max_unzipped_bytes
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > limits.max_files:
            raise TooLarge(f"The zip holds more than {limits.max_files} files.")
        for member in members:
            name = safe_member_name(member.filename)
            if any(
                part.startswith(".") or part == "__MACOSX" for part in PurePosixPath(name).parts
            ):
                continue
            if member.file_size > budget:
                raise TooLarge(f"The zip unpacks to more than {limits.max_unzipped_bytes} bytes.")
            try:
                with archive.open(member) as stream:
                    data = stream.read(budget + 1)
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
                raise Invalid(f"{name[:200]} can't be read from the zip.", field="file") from None
            budget -= len(data)
            if budget < 0:
                raise TooLarge(f"The zip unpacks to more than {limits.max_unzipped_bytes} bytes.")
            out.append((name, text_of(data, name)))
    return out


def whole_text(file: IO[bytes], limits: Limits) -> str:
    """The upload as one text (already bounded by the upload limit)."""
    file.seek(0)
    return text_of(file.read(limits.max_bytes + 1), "The file")


def make_zip(files: list[tuple[str, str]]) -> bytes:
    """A zip of text files (deflated), in the order given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files:
            archive.writestr(name, text)
    return buffer.getvalue()
