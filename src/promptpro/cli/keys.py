"""`promptpro keys`: make master keys, re-encrypt stored provider keys, see which key made what."""

from __future__ import annotations

import asyncio
from collections import Counter

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from promptpro.cli.common import admin_settings
from promptpro.config import Settings
from promptpro.db import migrate
from promptpro.db.engine import create_engine, display_url
from promptpro.db.session import create_session_factory, unit_of_work
from promptpro.errors import ConfigurationError, KeyUnavailable
from promptpro.security.vault import (
    KEY_FILE,
    KEYS_VARIABLE,
    Vault,
    generate_key,
    key_id,
    parse_key,
)
from promptpro.services.key_rotation import (
    UNREADABLE,
    RotationProgress,
    rotate_all,
    stored_key_ids,
)
from promptpro.storage import Storage

app = typer.Typer(
    help="Manage the master keys that encrypt the provider keys users store.",
    no_args_is_help=True,
)


@app.command()
def generate() -> None:
    """Print a new master key (on its own line, for scripts) and what to do with it."""
    key = generate_key()
    typer.echo(key)
    typer.echo(
        f"Master key {key_id(parse_key(key))}. Put it first in {KEYS_VARIABLE}, keep the "
        "old keys after it, restart PromptPro, then run `promptpro keys rotate`.",
        err=True,
    )


@app.command()
def rotate() -> None:
    """Re-encrypt every stored provider key under the first master key."""
    settings = admin_settings()
    vault = _vault(settings)
    columns = (
        TextColumn("Re-encrypting"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeElapsedColumn(),
    )
    rows = 0
    with Progress(*columns, console=Console()) as progress:
        task = progress.add_task("rotate", total=None)

        def advance(done: int, total: int) -> None:
            nonlocal rows
            rows = total
            progress.update(task, completed=done, total=total)

        try:
            changed = asyncio.run(_rotate(settings, vault, advance))
        except KeyUnavailable as exc:
            progress.stop()
            typer.secho(exc.detail, fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from None
        progress.update(task, completed=rows, total=rows)
    typer.echo(
        f"Re-encrypted {changed} of {rows} key rows under master key {vault.current_key_id}."
    )


@app.command()
def status() -> None:
    """List the master keys, and how many stored keys each one encrypted."""
    settings = admin_settings()
    vault = _vault(settings)
    counts = asyncio.run(_stored_key_ids(settings))
    typer.echo(f"Master keys ({KEYS_VARIABLE}, or the generated one), the first encrypts:")
    for kid in vault.key_ids:
        role = "encrypts" if kid == vault.current_key_id else "decrypts"
        typer.echo(f"  {kid}  {role}  {_stored(counts.pop(kid, 0))}")
    damaged = counts.pop(UNREADABLE, 0)
    for kid, count in sorted(counts.items()):
        typer.secho(f"  {kid}  MISSING   {_stored(count)}", fg=typer.colors.RED)
    if damaged:
        typer.secho(f"  damaged   {_stored(damaged)}", fg=typer.colors.RED)
    older = [kid for kid in vault.key_ids if kid != vault.current_key_id]
    if counts or damaged:
        typer.echo(
            f"Keys under a missing master key need it back in {KEYS_VARIABLE}; damaged "
            "keys must be saved again. Until then they can't be used or rotated."
        )
    elif older:
        typer.echo(
            "Run `promptpro keys rotate`, then remove an older master key once it "
            "encrypts 0 stored keys."
        )


def _vault(settings: Settings) -> Vault:
    """The server's master keys; never a new one (it would decrypt nothing)."""
    path = settings.data_dir / KEY_FILE
    if not settings.encryption_keys.strip() and not path.is_file():
        raise ConfigurationError(
            f"No master key: {KEYS_VARIABLE} is not set and {path} does not exist. Run this "
            f"command with the {KEYS_VARIABLE} or PROMPTPRO_DATA_DIR the server was started with."
        )
    return Vault.from_settings(settings)


def _stored(count: int) -> str:
    return f"{count} stored key{'' if count == 1 else 's'}"


async def _check_schema(url: str) -> None:
    if await migrate.current_revision(url) != migrate.head_revision():
        raise ConfigurationError(
            f"The database at {display_url(url)} is not at the current schema: "
            "run `promptpro db upgrade` first."
        )


async def _rotate(settings: Settings, vault: Vault, advance: RotationProgress) -> int:
    await _check_schema(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with unit_of_work(create_session_factory(engine)) as session:
            return await rotate_all(Storage(session), vault, advance)
    finally:
        await engine.dispose()


async def _stored_key_ids(settings: Settings) -> Counter[str]:
    await _check_schema(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            return await stored_key_ids(Storage(session))
    finally:
        await engine.dispose()
