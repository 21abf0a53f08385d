"""Consistent copies of a SQLite database: before a migration, by hand, and back again.

Copies are made with SQLite's online backup API (`sqlite3.Connection.backup`), which reads
a consistent snapshot even while the server writes (WAL included), never by copying the
file. The copies `serve` makes before migrating live in `backups/` next to the database,
named `promptpro-<revision>-<timestamp>.db`, the newest few kept.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from promptpro.errors import ConfigurationError

BACKUP_DIR = "backups"
BACKUP_PREFIX = "promptpro-"
# Tables every PromptPro database has, whatever its revision.
PROMPTPRO_TABLES = frozenset({"alembic_version", "users", "prompts", "responses"})


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for another database, or an in-memory one)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


@contextlib.contextmanager
def _connect(path: Path, *, read_only: bool = False) -> Iterator[sqlite3.Connection]:
    uri = f"{path.resolve().as_uri()}{'?mode=ro' if read_only else ''}"
    connection = sqlite3.connect(uri, uri=True, timeout=30)
    try:
        yield connection
    finally:
        connection.close()


def copy_database(source: Path, destination: Path) -> None:
    """Write a consistent copy of `source` over `destination` (a new file, or a database)."""
    with _connect(source, read_only=True) as src, _connect(destination) as dst:
        src.backup(dst)


def promptpro_revision(path: Path) -> str | None:
    """The schema revision of the PromptPro database in `path`; ConfigurationError if the
    file is not one (not SQLite, or without PromptPro's tables)."""
    if not path.is_file():
        raise ConfigurationError(f"{path} does not exist.")
    try:
        with _connect(path, read_only=True) as connection:
            tables = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if not tables >= PROMPTPRO_TABLES:
                raise ConfigurationError(f"{path} is not a PromptPro database.")
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            result = connection.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError as exc:
        raise ConfigurationError(f"{path} is not a PromptPro database ({exc}).") from None
    if result is None or result[0] != "ok":
        raise ConfigurationError(f"{path} is damaged: SQLite's check says {result}.")
    return str(row[0]) if row else None


def backup_dir(database: Path) -> Path:
    """Where the automatic copies of `database` are kept."""
    return database.parent / BACKUP_DIR


def automatic_backups(database: Path) -> list[Path]:
    """The automatic copies of `database`, oldest first."""
    directory = backup_dir(database)
    if not directory.is_dir():
        return []
    found = directory.glob(f"{BACKUP_PREFIX}*.db")
    return sorted(found, key=lambda path: (path.stat().st_mtime_ns, path.name))


def backup_before(database: Path, revision: str | None, *, keep: int) -> Path:
    """Copy `database` (at `revision`) into its backup directory; keep only the `keep` newest."""
    directory = backup_dir(database)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    destination = directory / f"{BACKUP_PREFIX}{revision or 'base'}-{stamp}.db"
    partial = destination.with_suffix(".partial")
    copy_database(database, partial)
    partial.replace(destination)  # a copy cut short is never taken for a backup
    for old in automatic_backups(database)[:-keep]:
        old.unlink(missing_ok=True)
    return destination


def set_aside(database: Path, *, keep: int) -> Path:
    """Keep what `database` holds among its backups before it is overwritten; a damaged
    file (which the backup API can't read) is copied byte for byte."""
    try:
        return backup_before(database, promptpro_revision(database), keep=keep)
    except (ConfigurationError, sqlite3.DatabaseError):
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        destination = backup_dir(database) / f"{BACKUP_PREFIX}damaged-{stamp}.db"
        destination.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.copyfile(database, destination)
        return destination


def _lock_file(database: Path) -> Path:
    return database.with_name(f"{database.name}.serving")


@contextlib.contextmanager
def serving(database: Path) -> Iterator[None]:
    """Hold a lock next to `database` while a server uses it (`restore` checks it)."""
    try:
        import fcntl
    except ImportError:  # not on this platform: restore then relies on being asked
        yield
        return
    with _lock_file(database).open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # another server on this file holds it already: restore stays refused
            yield
            return
        lock.truncate(0)
        lock.write(str(os.getpid()))
        lock.flush()
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def is_served(database: Path) -> bool:
    """Whether a `promptpro serve` on this machine holds `database` right now."""
    try:
        import fcntl
    except ImportError:
        return False
    path = _lock_file(database)
    if not path.exists():
        return False
    with path.open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(lock, fcntl.LOCK_UN)
        return False


def restore(source: Path, database: Path) -> None:
    """Replace the contents of `database` by those of the backup `source` (checked first)."""
    promptpro_revision(source)
    try:
        copy_database(source, database)
    except sqlite3.DatabaseError:
        # What is there is no database (callers set it aside first): write a new file.
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        copy_database(source, database)
