"""Prometheus metrics: what runs, requests and the database pool do (served at /metrics).

The metrics live in prometheus-client's default registry, one set per process. With
several worker processes, PROMETHEUS_MULTIPROC_DIR set to an empty directory makes
prometheus-client keep them in files there, and `render()` adds every process's up.
This module sits at the bottom of the layers: it knows neither HTTP nor the database
models, only plain labels, so the run path and the app can both call it.
"""

from __future__ import annotations

import os
import time
from typing import Any

import sqlalchemy as sa
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from promptpro.errors import ProviderError

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
# Model names come from users (any OpenAI-compatible server's models): past this many
# distinct ones a process counts the rest as "other", so a client can't grow the series.
MAX_MODELS = 200
OTHER = "other"

# Runs take seconds to minutes; the first token comes in well under a second to tens.
_RUN_BUCKETS = (0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600)
_FIRST_TOKEN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60)

RUNS_STARTED = Counter("promptpro_runs_started", "Runs started.", ["provider", "model"])
RUNS_ENDED = Counter(
    "promptpro_runs_ended",
    "Runs ended, by outcome (completed, failed, cancelled).",
    ["provider", "model", "outcome"],
)
RUN_DURATION = Histogram(
    "promptpro_run_duration_seconds",
    "From the request's arrival to a run's end.",
    ["provider"],
    buckets=_RUN_BUCKETS,
)
TIME_TO_FIRST_TOKEN = Histogram(
    "promptpro_run_time_to_first_token_seconds",
    "From the request's arrival to a run's first text.",
    ["provider"],
    buckets=_FIRST_TOKEN_BUCKETS,
)
PROVIDER_ERRORS = Counter(
    "promptpro_provider_errors",
    "Provider failures, by kind (bad-key, rate-limited, timeout, upstream, unknown-model).",
    ["provider", "kind"],
)
REQUESTS = Counter(
    "promptpro_http_requests",
    "HTTP requests, by method, route template (never the raw path) and status.",
    ["method", "route", "status"],
)
REQUEST_DURATION = Histogram(
    "promptpro_http_request_duration_seconds",
    "HTTP request durations, by route template.",
    ["method", "route"],
)
POOL_IN_USE = Gauge(
    "promptpro_db_connections_in_use",
    "Database connections checked out of the pool.",
    multiprocess_mode="livesum",
)

_models: set[str] = set()


def _model_label(model: str) -> str:
    if model in _models:
        return model
    if len(_models) >= MAX_MODELS:
        return OTHER
    _models.add(model)
    return model


def _provider(model: str) -> str:
    return model.partition("/")[0] or OTHER


def run_started(model: str) -> None:
    """Count a run as it starts (`model` is `provider/model`)."""
    RUNS_STARTED.labels(_provider(model), _model_label(model)).inc()


def run_ended(
    model: str,
    outcome: str,
    error: BaseException | None,
    started: float,
    first_token: float | None,
) -> None:
    """Count a run's end: its outcome, timings (from `started`, a perf_counter) and any
    provider failure's kind."""
    provider = _provider(model)
    RUNS_ENDED.labels(provider, _model_label(model), str(outcome)).inc()
    RUN_DURATION.labels(provider).observe(time.perf_counter() - started)
    if first_token is not None:
        TIME_TO_FIRST_TOKEN.labels(provider).observe(first_token)
    if isinstance(error, ProviderError):
        PROVIDER_ERRORS.labels(provider, str(error.kind)).inc()


def request_done(method: str, route: str, status: int, duration: float) -> None:
    """Count one HTTP request under its route template."""
    REQUESTS.labels(method, route, str(status)).inc()
    REQUEST_DURATION.labels(method, route).observe(duration)


def track_pool(engine: AsyncEngine) -> None:
    """Keep POOL_IN_USE up to date as the engine's connections are checked out and in."""

    def checked_out(*_: Any) -> None:
        POOL_IN_USE.inc()

    def checked_in(*_: Any) -> None:
        POOL_IN_USE.dec()

    sa.event.listen(engine.sync_engine, "checkout", checked_out)
    sa.event.listen(engine.sync_engine, "checkin", checked_in)


def process_stopped() -> None:
    """In multiprocess mode, drop this process's live gauges (its pool is closed)."""
    if os.environ.get(MULTIPROC_VARIABLE):
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def render() -> bytes:
    """Every metric in Prometheus' text format, added up over all processes if multiprocess."""
    if os.environ.get(MULTIPROC_VARIABLE):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)
