"""Settings, read from the environment (`DATABASE_URL`, `PROMPTPRO_*`) and `.env`."""

from __future__ import annotations

import logging
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from platformdirs import user_data_dir
from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from promptpro.errors import ConfigurationError

log = logging.getLogger(__name__)

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LogFormat = Literal["text", "json"]
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
    log_format: LogFormat = "text"  # json: one JSON object per line, for log collectors

    # Operations
    # Copies of the SQLite database kept in <data dir>/backups, made before `serve` migrates.
    backups_kept: int = Field(default=5, ge=1)
    # /metrics: open to anyone, or only with this token as `Authorization: Bearer`.
    metrics_public: bool = False
    metrics_token: str = Field(default="", repr=False)

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
    # The server's own address, as people reach it (OIDC redirect URI, same-site checks);
    # unset: http://HOST:PORT of `promptpro serve` (see local_public_url).
    public_url: str = ""
    # Failed sign-ins allowed within the window: per (username, address) pair, per address,
    # and per username from anywhere (past that ceiling only addresses that have not failed
    # for it may try, so a correct password from elsewhere still signs in).
    login_failures_per_pair: int = Field(default=5, ge=1)
    login_failures_per_address: int = Field(default=20, ge=1)
    login_failures_per_username: int = Field(default=100, ge=1)
    login_failure_window_minutes: float = Field(default=15, gt=0)
    # Accounts one client address may create within the registration window.
    registrations_per_address: int = Field(default=10, ge=1)
    registration_window_minutes: float = Field(default=60, gt=0)
    # Password hashes (argon2id, 64 MiB each) computed at once; more wait their turn.
    password_hash_concurrency: int = Field(default=2, ge=1)
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
    # Own endpoints (and any URL a user gives): loopback and private addresses are refused
    # unless this is on (Ollama on the same machine, a vLLM on the LAN); metadata addresses
    # always are. A response past this many bytes is cut off.
    allow_private_endpoints: bool = False
    endpoint_max_response_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    # An image (uploaded, or fetched from an `imageUrl` for a run) may be this large at most.
    upload_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1)

    # Bounds on work a client (or a model) can make the server do.
    # The longest prompt a run may send once its variables are filled in, in characters.
    max_rendered_input_chars: int = Field(default=1_000_000, ge=1)
    # Past this many changed lines (on either side) the versions page doesn't diff.
    diff_max_lines: int = Field(default=2_000, ge=1)
    # Past this many characters an answer is shown as plain text, not rendered markdown.
    markdown_max_chars: int = Field(default=100_000, ge=1)
    # Runs: how many may be in progress at once, for one user and for one worker process
    # (each holds a task and a provider connection; the process cap also stays well under
    # the open-files limit), and how a run keeps its record when the database falters.
    max_runs_per_user: int = Field(default=20, ge=1)
    max_runs_per_process: int = Field(default=400, ge=1)
    # How long a run keeps retrying to store its answer while the database is unreachable.
    run_store_retry_seconds: float = Field(default=120, ge=0)
    # How often a streaming run writes the text it has so far to its record.
    run_progress_seconds: float = Field(default=3, gt=0)
    # Each worker process says it is alive this often; one silent for
    # `worker_dead_after_seconds` is dead, and its running runs are marked failed.
    worker_heartbeat_seconds: float = Field(default=10, gt=0)
    worker_dead_after_seconds: float = Field(default=40, gt=0)
    # How long `serve --workers N` lets a worker process take to answer uvicorn's health
    # check: a worker busy importing on a loaded machine must not be killed as hung.
    worker_healthcheck_seconds: int = Field(default=60, ge=1)
    # The everyday loop: an editor draft's largest size (JSON bytes), and how often a page
    # following a run that another worker process executes looks at its stored text.
    draft_max_bytes: int = Field(default=256 * 1024, ge=1)
    follow_poll_seconds: float = Field(default=1.0, gt=0)
    # Test sets: the most rows one set holds, and the largest file an import reads (bodies
    # over 1 MB are refused before any route reads them, whatever this says).
    test_set_max_rows: int = Field(default=10_000, ge=1)
    test_set_import_max_bytes: int = Field(default=1024 * 1024, ge=1)
    # Library import (`POST /workspaces/{id}/import`): the largest upload (its route alone
    # takes bodies past 1 MB), what a zip may unpack to, and how many files it may hold.
    import_max_bytes: int = Field(default=256 * 1024 * 1024, ge=1)
    import_max_unzipped_bytes: int = Field(default=256 * 1024 * 1024, ge=1)
    import_max_files: int = Field(default=20_000, ge=1)
    # Evaluations (docs/ARCHITECTURE.md, "Evaluations and workers"). Who runs the cells:
    # "server" (this process, in the background), "workers" (`promptpro worker` processes
    # through procrastinate; PostgreSQL only), or "auto" (workers on PostgreSQL, else server).
    evaluation_runner: Literal["auto", "server", "workers"] = "auto"
    # Cells run at once per process, and per workspace and provider within it.
    evaluation_concurrency: int = Field(default=32, ge=1)
    evaluation_provider_concurrency: int = Field(default=16, ge=1)
    # Tries per cell (a rate-limited try and a worker that died count), and how long a
    # taken cell is held without its worker renewing it before another may take it.
    evaluation_max_attempts: int = Field(default=3, ge=1)
    evaluation_lease_seconds: float = Field(default=60, gt=0)
    # The longest wait after a provider's 429 (its Retry-After, else a doubling backoff).
    evaluation_rate_limit_max_wait_seconds: float = Field(default=60, ge=0)
    evaluation_rate_limit_first_wait_seconds: float = Field(default=1, ge=0)
    # Without `confirmCostUsd`, an evaluation estimated above this is refused until confirmed.
    evaluation_confirm_over_usd: float = Field(default=1.0, ge=0)
    evaluation_max_cells: int = Field(default=20_000, ge=1)
    # How often the engine looks for cells nobody drives (a dead worker's, after a restart).
    evaluation_sweep_seconds: float = Field(default=5, gt=0)
    # PostgreSQL: jobs queued per evaluation (each drives it until no cell is left), so
    # that several worker processes share one evaluation.
    evaluation_jobs_per_evaluation: int = Field(default=4, ge=1)
    # Costs: how often each server process looks for a model catalogue loaded by
    # `promptpro models update` (in the database).
    catalogue_refresh_seconds: float = Field(default=30, gt=0)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_log_format(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

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

    @field_validator("public_url")
    @classmethod
    def _site_url(cls, value: str) -> str:
        if not value:
            return value
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL, like https://prompts.example.com")
        if parts.query or parts.fragment:
            raise ValueError("must not have a query or a fragment")
        return value.strip().rstrip("/")

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


def local_public_url(host: str, port: str | int, *, https: bool = False) -> str:
    """The address of a server listening on host:port, as a browser on this machine reaches it.

    The default when PROMPTPRO_PUBLIC_URL is unset: right for local use, wrong behind a proxy
    or on another machine (set the variable there).
    """
    if host in ("", "0.0.0.0", "::"):  # noqa: S104  (listening everywhere: name one of them)
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"{'https' if https else 'http'}://{host}:{port}"


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
    if not settings.public_url:
        updates["public_url"] = local_public_url(
            os.environ.get("HOST", "127.0.0.1"),
            os.environ.get("PORT", "8000"),
            https=settings.https,
        )
    return settings.model_copy(update=updates) if updates else settings


def describe_validation_error(exc: ValidationError) -> str:
    """One readable line per bad setting, naming the environment variable."""
    lines = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "settings"
        variable = "DATABASE_URL" if name == "database_url" else f"PROMPTPRO_{name.upper()}"
        lines.append(f"{variable}: {error['msg']}")
    return "Invalid settings:\n  " + "\n  ".join(lines)


def load_settings(*, create: bool = True, **overrides: object) -> Settings:
    """Read and resolve the settings, or raise ConfigurationError with a readable message.

    With `create=False` nothing is made on disk: the database URL defaults to the data
    directory's SQLite file and the secret key stays unset (for admin commands, which must
    not set up a new data directory beside the one the server uses).
    """
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigurationError(describe_validation_error(exc)) from None
    if not create:
        url = settings.database_url or settings.sqlite_default_url
        return settings.model_copy(update={"database_url": url})
    return resolve(settings)


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached: read once)."""
    return load_settings()
