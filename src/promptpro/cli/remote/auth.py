"""`promptpro login URL` and `promptpro logout`: which server the remote commands talk to."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from promptpro.cli.remote.common import Exit, err, fail, fail_with, note, print_json
from promptpro.client import Api, ApiError, ServerUnreachable
from promptpro.client import config as client_config

STDIN = "-"


def login(
    url: Annotated[str, typer.Argument(help="The server, e.g. https://prompts.example.com.")],
    token: Annotated[
        str | None,
        typer.Option(
            help="A personal access token (Settings → Tokens); `-` reads it from stdin. "
            "Asked for, hidden, when left out.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the account as JSON.")] = False,
) -> None:
    """Log in to a PromptPro server with a personal access token.

    The URL and token are kept in your config directory, readable by you only.
    """
    if token == STDIN:
        token = sys.stdin.readline().strip()
    elif token is None:
        token = typer.prompt("Token", hide_input=True, err=True).strip()
    if not token:
        fail("No token given.", Exit.USAGE)
    server = client_config.normalise_url(url)
    try:
        with Api(server, token) as api:
            user = api.me()
    except ApiError as exc:
        if exc.status == 404:
            fail(f"{server} has no PromptPro API (GET /api/v1/me is a 404).", Exit.NOT_FOUND)
        if exc.status == 401:
            fail(
                f"{server} refused this token: mistyped, expired or revoked?",
                Exit.AUTH,
                "Make one in Settings → Tokens, and copy it whole.",
            )
        fail_with(exc)
    except ServerUnreachable as exc:
        fail(str(exc), Exit.FAILED)
    path = client_config.save(server, token)
    if as_json:
        print_json({"url": server, "config": str(path), "user": user})
        return
    err.print(f"Logged in to [bold]{server}[/] as [bold]{user.get('username', '?')}[/].")
    note(f"Saved in {path} (readable by you only).")
    if os.environ.get(client_config.URL_VARIABLE) or os.environ.get(client_config.TOKEN_VARIABLE):
        note(
            f"{client_config.URL_VARIABLE}/{client_config.TOKEN_VARIABLE} are set and "
            "take precedence over the saved login."
        )


def logout(
    as_json: Annotated[bool, typer.Option("--json", help="Print what was done as JSON.")] = False,
) -> None:
    """Forget the saved server and token.

    The token itself stays valid until you revoke it in Settings → Tokens.
    """
    path = client_config.forget()
    if as_json:
        print_json({"loggedOut": path is not None, "config": str(client_config.config_path())})
    elif path is None:
        note("Not logged in: there was no saved login.")
    else:
        note(f"Logged out: deleted {path}.")
    if os.environ.get(client_config.TOKEN_VARIABLE):
        note(f"{client_config.TOKEN_VARIABLE} is still set in this shell.")
