"""`promptpro models`: the model catalogue in effect, and loading a newer one."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer

from promptpro.config import Settings, get_settings
from promptpro.db.engine import create_engine
from promptpro.db.session import create_session_factory, unit_of_work
from promptpro.errors import Conflict, Invalid
from promptpro.providers.catalogue import MAX_CATALOGUE_BYTES, Catalogue, shipped_catalogue
from promptpro.services.catalogue import stored_catalogue, update_catalogue
from promptpro.storage import Storage

app = typer.Typer(help="The model catalogue: prices and context windows.", no_args_is_help=True)


async def _update(settings: Settings, text: str, force: bool) -> Catalogue:
    engine = create_engine(settings.database_url)
    try:
        async with unit_of_work(create_session_factory(engine)) as session:
            return await update_catalogue(Storage(session), text, force=force)
    finally:
        await engine.dispose()


async def _current(settings: Settings) -> Catalogue | None:
    engine = create_engine(settings.database_url)
    try:
        async with unit_of_work(create_session_factory(engine)) as session:
            return await stored_catalogue(Storage(session))
    finally:
        await engine.dispose()


@app.command()
def update(
    file: Annotated[Path, typer.Argument(help="A catalogue JSON file (the shipped one's shape).")],
    force: Annotated[
        bool, typer.Option("--force", help="Load it even if it is older than the one in effect.")
    ] = False,
) -> None:
    """Check FILE against the catalogue's JSON Schema and load it for every server process."""
    try:
        if file.stat().st_size > MAX_CATALOGUE_BYTES:
            raise Invalid("The catalogue file is too large (2 MB at most).", field="catalogue")
        text = file.read_text("utf-8")
    except (OSError, UnicodeError) as exc:
        typer.secho(f"Can't read {file}: {exc}", fg=typer.colors.RED, err=True)
        sys.exit(1)
    except Invalid as exc:
        typer.secho(exc.detail, fg=typer.colors.RED, err=True)
        sys.exit(1)
    try:
        catalogue = asyncio.run(_update(get_settings(), text, force))
    except (Invalid, Conflict) as exc:
        typer.secho(exc.detail, fg=typer.colors.RED, err=True)
        sys.exit(1)
    typer.echo(
        f"Loaded the catalogue of {catalogue.as_of} ({len(catalogue.models())} models); "
        "running servers pick it up within PROMPTPRO_CATALOGUE_REFRESH_SECONDS."
    )


@app.command()
def show() -> None:
    """Say which catalogue is in effect: the shipped one or a loaded one, and its date."""
    shipped = shipped_catalogue()
    stored = asyncio.run(_current(get_settings()))
    if stored is not None and stored.as_of >= shipped.as_of:
        typer.echo(f"loaded catalogue of {stored.as_of} ({len(stored.models())} models)")
    else:
        typer.echo(f"shipped catalogue of {shipped.as_of} ({len(shipped.models())} models)")
