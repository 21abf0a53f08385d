"""The application factory: settings in, a FastAPI app out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import resource
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.routing import Match, Mount

from promptpro import __version__, metrics
from promptpro.api import (
    admin,
    auth,
    categories,
    compare_groups,
    costs,
    drafts,
    endpoints,
    evaluations,
    feedback,
    fetch,
    health,
    invitations,
    keys,
    labels,
    me,
    models,
    oidc,
    openai_compat,
    portability,
    prompts,
    rerun,
    responses,
    runs,
    search,
    test_sets,
    tokens,
    uploads,
    workspace_keys,
    workspaces,
)
from promptpro.api.fetch_fast import FetchFastPath
from promptpro.api.limits import BodySizeLimitMiddleware
from promptpro.api.metrics import MetricsMiddleware
from promptpro.api.metrics import router as metrics_router
from promptpro.api.openai_compat import install_openai_errors
from promptpro.api.problems import document_problems, install_problem_handlers
from promptpro.config import Settings, get_settings
from promptpro.db.engine import create_engine
from promptpro.db.session import create_session_factory
from promptpro.logs import RequestLogMiddleware, configure_logging
from promptpro.providers.registry import ProviderConfig, ProviderRegistry
from promptpro.security.vault import Vault
from promptpro.services import jobs
from promptpro.services.catalogue import CatalogueRefresher
from promptpro.services.evaluation_engine import EvaluationEngine, ServerDispatch
from promptpro.services.housekeeping import (
    beat,
    beat_periodically,
    forget_worker,
    new_worker_id,
    tidy_periodically,
)
from promptpro.services.openai_compat import ApiLogIds
from promptpro.services.prompt_fetch import FetchCache, fetch_listener
from promptpro.services.run_execution import RunExecutor
from promptpro.services.run_registry import RunRegistry
from promptpro.services.tokens import TokenCache, invalidation_listener
from promptpro.storage import changes
from promptpro.storage.run_records import RunRecords
from promptpro.web import install_web
from promptpro.web.docs import install_docs

log = logging.getLogger(__name__)

# How long stopping waits for a housekeeping round under way.
HOUSEKEEPING_GRACE_S = 5.0
# Smaller bodies go out as they are: gzip's header and a round of CPU would gain nothing.
GZIP_MINIMUM_BYTES = 1024
# zlib's default level: nearly the size of level 9 for a third of the CPU.
GZIP_LEVEL = 6


# The methods a 405's Allow header may name (OPTIONS: no route answers it).
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """Every method some route answers at the request's path, for a 405's Allow header."""
    routes = [route for route in app.router.routes if not isinstance(route, Mount)]
    return [
        method
        for method in METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]


def allow_every_method(app: FastAPI) -> None:
    """Make a 405's Allow name the methods of every route at the path.

    Starlette names only the first route whose path matched (GET for /api/v1/prompts,
    though POST is there too); run after every other handler is installed, it wraps them.
    """
    handler = app.exception_handlers[HTTPException]

    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405 and (methods := allowed_methods(app, request)):
            headers = {**(exc.headers or {}), "Allow": ", ".join(methods)}
            exc = HTTPException(405, exc.detail, headers=headers)
        response = handler(request, exc)
        return response if isinstance(response, Response) else await response

    app.add_exception_handler(HTTPException, handle)


# Open files a process needs besides its runs: the database pool, listening sockets,
# idle keep-alive clients, log files, imported modules' odds and ends.
RESERVED_FILES = 256
# Open files one run may hold: its provider connection and its follower's socket.
FILES_PER_RUN = 2


def raise_open_files_limit() -> int:
    """Raise the soft limit on open files to the hard limit; the soft limit now in force.

    Every run holds a provider connection, and every client a socket: at the usual soft
    limit of 1024 a burst of runs would leave the server unable to accept connections.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as exc:  # not allowed here: keep the soft limit
            log.warning("could not raise the open files limit from %d: %s", soft, exc)
    return soft


def runs_per_process(settings: Settings, open_files: int) -> int:
    """The per-process run cap: the setting, lowered to stay well within the open files."""
    fits = max(1, (open_files - RESERVED_FILES) // FILES_PER_RUN)
    if settings.max_runs_per_process > fits:
        log.warning(
            "PROMPTPRO_MAX_RUNS_PER_PROCESS=%d lowered to %d: the open files limit is %d",
            settings.max_runs_per_process,
            fits,
            open_files,
        )
        return fits
    return settings.max_runs_per_process


async def start_evaluations(
    app: FastAPI, settings: Settings, worker_id: str
) -> Callable[[], Awaitable[None]]:
    """Set `app.state.evaluations` (who runs evaluation cells); returns how to stop it."""
    runner = settings.evaluation_runner
    if runner == "auto":
        runner = "server" if settings.is_sqlite else "workers"
    if runner == "workers":
        queue = jobs.QueueDispatch(settings.database_url, settings.evaluation_jobs_per_evaluation)
        app.state.evaluations = queue
        return queue.close
    engine = EvaluationEngine(
        app.state.session_factory,
        app.state.runs.records,
        app.state.vault,
        lambda: app.state.providers,  # looked up per run: tests swap the registry
        settings,
        worker_id,
    )
    dispatch = ServerDispatch(engine)
    dispatch.start()
    app.state.evaluations = dispatch
    return dispatch.close


def create_app(settings: Settings | None = None) -> FastAPI:
    """A PromptPro app on the database the settings name."""
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_format)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        metrics.track_pool(engine)
        app.state.engine = engine
        app.state.session_factory = create_session_factory(engine)
        app.state.providers = ProviderRegistry(ProviderConfig.from_settings(settings))
        factory = app.state.session_factory
        worker_id = new_worker_id()
        registry = RunRegistry(
            per_user=settings.max_runs_per_user,
            per_process=runs_per_process(settings, raise_open_files_limit()),
        )
        app.state.runs = RunExecutor(
            RunRecords(engine),
            None,  # the catalogue in effect at each run's end (`promptpro models update`)
            registry,
            progress_every=settings.run_progress_seconds,
            store_retry=settings.run_store_retry_seconds,
            worker_id=worker_id,
        )
        # Evaluations: this process runs their cells (SQLite), or queues them for
        # `promptpro worker` processes (PostgreSQL); services/evaluation_engine.py.
        evaluations = await start_evaluations(app, settings, worker_id)
        # Every worker hears at once of tokens revoked and accounts changed by any other.
        tokens_heard = invalidation_listener(settings.database_url, app.state.token_cache)
        await tokens_heard.__aenter__()
        # And of prompts changed: this app's own commits at once, others' by NOTIFY.
        unsubscribe = changes.subscribe(engine, app.state.fetch_cache.forget_workspace)
        prompts_heard = fetch_listener(settings.database_url, app.state.fetch_cache)
        await prompts_heard.__aenter__()
        # The first heartbeat before the first run: no other worker may take its runs for
        # a dead process's. (If the database is away, the loop keeps trying.)
        with contextlib.suppress(Exception):
            await beat(factory, settings, worker_id)
        # A catalogue loaded with `promptpro models update` is in effect before the first run.
        catalogue = CatalogueRefresher(factory)
        with contextlib.suppress(Exception):
            await catalogue.refresh()
        stop_housekeeping = asyncio.Event()
        housekeeping = [
            asyncio.create_task(
                catalogue.run(settings.catalogue_refresh_seconds, stop_housekeeping)
            ),
            asyncio.create_task(tidy_periodically(factory, settings, stop_housekeeping)),
            asyncio.create_task(beat_periodically(factory, settings, worker_id, stop_housekeeping)),
        ]
        yield
        # Housekeeping finishes the round it is in (a few short statements); a stuck one is
        # cancelled.
        stop_housekeeping.set()
        _, stuck = await asyncio.wait(housekeeping, timeout=HOUSEKEEPING_GRACE_S)
        for task in stuck:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await evaluations()
        # Runs in progress get a moment to finish, then are stored as they stand.
        await app.state.runs.registry.shutdown()
        with contextlib.suppress(Exception):  # else its runs are failed once it is silent
            await forget_worker(factory, worker_id)
        await app.state.providers.aclose()
        await tokens_heard.__aexit__(None, None, None)
        await prompts_heard.__aexit__(None, None, None)
        unsubscribe()
        await engine.dispose()
        metrics.process_stopped()

    app = FastAPI(
        title="PromptPro",
        version=__version__,
        summary="Write, organise, run and keep AI prompts.",
        lifespan=lifespan,
        docs_url=None,  # served by install_docs, without a CDN
        redoc_url=None,
        # FastAPI's native OpenTelemetry looks for configured providers on every request
        # (~15 µs); PromptPro reports through its Prometheus metrics and logs instead.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.token_cache = TokenCache()  # this app's (this process's) authenticated tokens
    app.state.fetch_cache = FetchCache()  # prompts fetched by name (services/prompt_fetch.py)
    app.state.api_log_ids = ApiLogIds()  # each workspace's API log prompt (/v1, same module)
    # Built here, not lazily: malformed master keys stop the app before it serves anything.
    app.state.vault = Vault.from_settings(settings)
    install_problem_handlers(app)
    # Innermost: a fetch by name served from the caches skips routing and dependencies,
    # and every middleware outside treats its answer as the route's (api/fetch_fast.py).
    app.add_middleware(FetchFastPath)
    # A library import reads its upload itself, bounded by its own setting; an image upload
    # may be larger than 1 MB (its multipart framing included), up to its own limit, which
    # the upload service checks exactly.
    import_path = (re.compile(r"/api/v1/workspaces/[0-9]+/import"), settings.import_max_bytes)
    uploads_path = (re.compile(r"/api/v1/uploads"), settings.upload_max_bytes + 64 * 1024)
    app.add_middleware(
        BodySizeLimitMiddleware, overrides=[import_path, uploads_path]
    )  # inside the request log, which logs its 413s
    app.add_middleware(RequestLogMiddleware)
    app.add_middleware(MetricsMiddleware)
    # Pages, CSS, JS and JSON compressed; Starlette's GZip leaves text/event-stream alone and
    # flushes each chunk of other streamed bodies as it comes.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=GZIP_LEVEL)
    # Routes are matched in order, one by one: the run routes, which someone waits on, first,
    # after fetch by name (which applications wait on; and a name may end in `/run`).
    app.include_router(fetch.router, prefix="/api/v1")
    app.include_router(runs.router, prefix="/api/v1")
    app.include_router(rerun.router, prefix="/api/v1")
    app.include_router(openai_compat.router)
    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(oidc.router)
    app.include_router(me.router)
    app.include_router(tokens.router)
    app.include_router(keys.router)
    app.include_router(workspace_keys.router)
    app.include_router(models.router)
    app.include_router(admin.router)
    app.include_router(invitations.router)
    for library_router in (
        categories.router,
        prompts.router,
        responses.router,
        feedback.router,
        drafts.router,
        search.router,
        compare_groups.router,
        workspaces.router,
        portability.router,
        test_sets.router,
        uploads.router,
        evaluations.router,
        costs.router,
        endpoints.router,
        labels.router,
    ):
        app.include_router(library_router, prefix="/api/v1")
    app.include_router(metrics_router)
    install_docs(app)
    document_problems(app)
    install_web(app)  # pages, /static, HTML error pages, security headers
    install_openai_errors(app)
    allow_every_method(app)
    return app
