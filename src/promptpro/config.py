"""Settings, read from the environment (`DATABASE_URL`, `PROMPTPRO_*`) and `.env`."""

from __future__ import annotations

import logging
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from promptpro.errors import ConfigurationError

log = logging.getLogger(__name__)

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
SECRET_KEY_FILE = "secret_key"  # noqa: S105  (a file name, not a secret)


def _default_data_dir() -> Path:
    return Path(user_data_dir("promptpro", appauthor=False))


def normalise_database_url(url: str) -> str:
    """Accept the URLs people paste (`postgresql://`, `sqlite:///`) and pick the async driver."""
    for prefix, async_prefix in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(prefix):
            return async_prefix + url[len(prefix) :]
    return url


class Settings(BaseSettings):
    """Everything that can be configured; each field is one environment variable."""

    model_config = SettingsConfigDict(
        env_prefix="PROMPTPRO_", env_file=".env", extra="ignore", frozen=True
    )

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str = Field(
        default="",
        validation_alias=AliasChoices("DATABASE_URL", "PROMPTPRO_DATABASE_URL"),
    )
    secret_key: str = Field(default="", repr=False)
    log_level: LogLevel = "INFO"

    # Accounts and sessions
    registration_enabled: bool = True
    https: bool = False  # served over https: Secure cookies with the __Host- prefix
    session_idle_days: float = Field(default=7, gt=0)
    session_absolute_days: float = Field(default=30, gt=0)
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = Field(default="", repr=False)
    oidc_scopes: str = "openid profile email"
    oidc_name: str = "OpenID Connect"
    # Failed sign-ins allowed per username and per client address within the window.
    login_failures_per_username: int = Field(default=5, ge=1)
    login_failures_per_address: int = Field(default=20, ge=1)
    login_failure_window_minutes: float = Field(default=15, gt=0)
    # How often a running app deletes expired sessions and old sign-in failures.
    session_purge_minutes: float = Field(default=60, gt=0)

    # Provider keys at rest: comma-separated Fernet keys; the first encrypts, all decrypt.
    encryption_keys: str = Field(default="", repr=False)

    # Providers: base URLs exactly as each SDK takes them, and timeouts in seconds.
    openai_base_url: str = "https://api.openai.com/v1"
    xai_base_url: str = "https://api.x.ai/v1"
    anthropic_base_url: str = "https://api.anthropic.com"
    gemini_base_url: str = "https://generativelanguage.googleapis.com"
    connect_timeout: float = Field(default=10, gt=0)
    first_token_timeout: float = Field(default=60, gt=0)
    run_timeout: float = Field(default=600, gt=0)

    # The everyday loop: an editor draft's largest size (JSON bytes), and how often a page
    # following a run that another worker process executes looks at its stored text.
    draft_max_bytes: int = Field(default=256 * 1024, ge=1)
    follow_poll_seconds: float = Field(default=1.0, gt=0)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value:
            return value
        url = normalise_database_url(value)
        if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return url

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: str) -> str:
        if value and len(value) < 32:
            raise ValueError("must be at least 32 characters (try: openssl rand -hex 32)")
        return value

    @property
    def sqlite_default_url(self) -> str:
        return f"sqlite+aiosqlite:///{self.data_dir / 'promptpro.db'}"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _load_or_create_secret(data_dir: Path) -> str:
    path = data_dir / SECRET_KEY_FILE
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.touch(mode=0o600)
    path.write_text(key)
    log.warning("PROMPTPRO_SECRET_KEY is not set: generated one and kept it in %s", path)
    return key


def resolve(settings: Settings) -> Settings:
    """Fill what was left unset from the data directory, creating it on first run."""
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(
            f"PROMPTPRO_DATA_DIR: cannot create {settings.data_dir} ({exc.strerror})"
        ) from None
    updates: dict[str, object] = {}
    if not settings.database_url:
        updates["database_url"] = settings.sqlite_default_url
    if not settings.secret_key:
        updates["secret_key"] = _load_or_create_secret(settings.data_dir)
    return settings.model_copy(update=updates) if updates else settings


def describe_validation_error(exc: ValidationError) -> str:
    """One readable line per bad setting, naming the environment variable."""
    lines = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "settings"
        variable = "DATABASE_URL" if name == "database_url" else f"PROMPTPRO_{name.upper()}"
        lines.append(f"{variable}: {error['msg']}")
    return "Invalid settings:\n  " + "\n  ".join(lines)


def load_settings(**overrides: object) -> Settings:
    """Read and resolve the settings, or raise ConfigurationError with a readable message."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigurationError(describe_validation_error(exc)) from None
    return resolve(settings)


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached: read once)."""
    return load_settings()
