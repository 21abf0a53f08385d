"""Where the command line keeps the server it talks to: `config.toml` in the user's config
directory (`$XDG_CONFIG_HOME/promptpro/` on Linux), readable by its owner only (the file
0600, the directory 0700), since it holds a token. `PROMPTPRO_URL` and `PROMPTPRO_TOKEN`
override it (CI, containers: nothing written to disk).
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import platformdirs

URL_VARIABLE = "PROMPTPRO_URL"
FROM_ENVIRONMENT = "the environment"
TOKEN_VARIABLE = "PROMPTPRO_TOKEN"  # noqa: S105  (a variable's name, not a secret)


class NotLoggedIn(Exception):
    """No server is known: neither a config file nor the environment names one."""


class BadConfig(Exception):
    """The config file can't be read as PromptPro's."""


@dataclass(frozen=True)
class Credentials:
    """A server and a token for it, and where they were found (for messages)."""

    url: str
    token: str
    source: str


def config_path() -> Path:
    """The config file (which may not exist yet)."""
    return Path(platformdirs.user_config_dir("promptpro", appauthor=False)) / "config.toml"


def normalise_url(url: str) -> str:
    """`example.com` → `https://example.com`; no trailing slash."""
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = f"https://{url}"
    return url


def read_file(path: Path | None = None) -> dict[str, str]:
    """What the config file holds (empty when there is none)."""
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise BadConfig(f"{path} can't be read: {exc.strerror}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadConfig(f"{path} is not valid TOML: {exc}") from exc
    return {k: v for k, v in data.items() if isinstance(v, str)}


def load() -> Credentials:
    """The server and token to use: the environment's, else the config file's."""
    env_url, env_token = os.environ.get(URL_VARIABLE), os.environ.get(TOKEN_VARIABLE)
    stored: dict[str, str] = {}
    if not (env_url and env_token):
        stored = read_file()
    url = env_url or stored.get("url")
    token = env_token or stored.get("token")
    if not url or not token:
        missing = "server URL" if not url else "token"
        raise NotLoggedIn(
            f"Not logged in (no {missing} known): run `promptpro login URL`, or set "
            f"{URL_VARIABLE} and {TOKEN_VARIABLE}."
        )
    source = FROM_ENVIRONMENT if env_url and env_token else str(config_path())
    return Credentials(normalise_url(url), token, source)


def _toml_string(value: str) -> str:
    # A JSON string is a valid TOML basic string for everything json.dumps writes.
    return json.dumps(value, ensure_ascii=True)


def save(url: str, token: str) -> Path:
    """Keep the server and token, readable by the user only; returns the file."""
    path = config_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    text = f"url = {_toml_string(normalise_url(url))}\ntoken = {_toml_string(token)}\n"
    # Created 0600 before the token is written: never readable by others, not for a moment.
    partial = path.with_name(f".{path.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # O_CREAT's mode only applies to a new file
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)
    partial.replace(path)
    return path


def forget() -> Path | None:
    """Delete the config file; returns it, or None when there was none."""
    path = config_path()
    try:
        path.unlink()
    except FileNotFoundError:
        return None
    return path
