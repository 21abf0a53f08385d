"""What the admin commands share: finding the database the server uses, without making one."""

from __future__ import annotations

import os

from promptpro.config import Settings, load_settings
from promptpro.db.backup import sqlite_file
from promptpro.errors import ConfigurationError


def where_from(settings: Settings) -> str:
    """Why the commands look where they do, naming the variables that move it."""
    if os.environ.get("DATABASE_URL") or os.environ.get("PROMPTPRO_DATABASE_URL"):
        return "DATABASE_URL names it"
    if os.environ.get("PROMPTPRO_DATA_DIR"):
        return f"PROMPTPRO_DATA_DIR is {settings.data_dir}"
    return (
        f"it is in the default data directory, {settings.data_dir} "
        "(neither PROMPTPRO_DATA_DIR nor DATABASE_URL is set)"
    )


def admin_settings(*, missing_ok: bool = False) -> Settings:
    """The settings of an admin command, once its SQLite database is known to exist (or,
    with `missing_ok`, at least its directory).

    An admin command never sets up a new data directory, secret or master key: a missing
    database means it looks in another place than the server, which it says.
    """
    settings = load_settings(create=False)
    path = sqlite_file(settings.database_url)
    if path is not None and not (path.parent.is_dir() if missing_ok else path.is_file()):
        raise ConfigurationError(
            f"No PromptPro database at {path}: looked there because {where_from(settings)}.\n"
            "Run this command with the PROMPTPRO_DATA_DIR or DATABASE_URL the server was "
            "started with (`promptpro serve` creates the database on its first start)."
        )
    return settings
