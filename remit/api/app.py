"""The FastAPI application: ``create_app()`` and the module-level ``app`` uvicorn imports.

The native API lives under ``/v1`` (routers in ``remit.api.routes``); the
vendor-compatible APIs (``remit.vendors``) are mounted beside it, each under its own prefix.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text
from starlette.routing import Route

from remit.api import contract, logs, problems
from remit.api.ratelimit import key_limiter
from remit.api.routes import ROUTERS
from remit.config import get_settings
from remit.db import make_engine, pool_share
from remit.events.worker import start_thread
from remit.vendors import VENDOR_ROUTERS
from remit.web.app import web_app

DESCRIPTION = """\
Remit's native API. Authenticate with `Authorization: Bearer <api key>`.

* Amounts are exact decimal strings (`"95.00"`); input may be a string or a
  JSON number and is never rounded: too many decimals is a 422.
* Errors are `application/problem+json` with a stable `code`.
* Every POST, PUT, PATCH and DELETE takes an `Idempotency-Key`; a retry with
  the same key and body replays the first response with
  `Idempotent-Replayed: true`.
* Lists page with `limit`, `starting_after` and `ending_before`; unknown query
  parameters are a 400.
"""


def create_app(*, engine: Engine | None = None, rate_limit: str | None = None,
               rate_limit_storage: str | None = None, outbox_worker: bool | None = None) -> FastAPI:
    """Build the app on ``engine``, or on one made from the settings (an engine connects lazily).

    ``rate_limit`` ("100/second", "off") and its storage default to ``REMIT_RATE_LIMIT`` and
    ``REMIT_RATE_LIMIT_STORAGE``. ``outbox_worker`` (default ``REMIT_OUTBOX_WORKER``, which `remit serve`
    sets) runs the delivery worker in a thread of this process for as long as the app runs.
    """
    owns_engine = engine is None
    settings = get_settings()
    run_worker = settings.outbox_worker if outbox_worker is None else outbox_worker
    limiter = key_limiter(rate_limit or settings.rate_limit, rate_limit_storage or settings.rate_limit_storage)
    if engine is None:
        engine = make_engine(settings.database_url, lock_timeout_ms=settings.lock_timeout_ms,
                             pool_size=pool_share(settings.db_connections, settings.workers),
                             pool_timeout_s=settings.db_pool_timeout_s)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Routes and their database work run on worker threads, one connection each at a time. With no
        # more threads than connections, a burst queues fairly for a thread instead of starving in the
        # pool's wait until its timeout turns it into a 503.
        slots = getattr(engine.pool, "size", None)
        if callable(slots):
            to_thread.current_default_thread_limiter().total_tokens = slots()
        worker = start_thread(engine, settings) if run_worker else None
        yield
        if worker is not None:
            thread, stop = worker
            stop.set()
            thread.join(timeout=settings.delivery_timeout_s + 5)
        if owns_engine:
            engine.dispose()

    app = FastAPI(title="Remit", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.engine = engine
    app.state.limiter = limiter
    problems.install(app)
    logs.install()
    for router in ROUTERS + VENDOR_ROUTERS:
        app.include_router(router)
    # The web UI for people; a mounted app is in no OpenAPI document.
    app.mount("/app", web_app(engine=engine, settings=settings))

    @app.get("/healthz", tags=["health"], summary="Liveness and database check",
             responses={503: {"description": "The database is not answering"}})
    def healthz() -> JSONResponse:
        """``{"status": "ok"}`` when the database answers ``SELECT 1``; 503 otherwise."""
        try:
            # Read-only execution: on SQLite this does not take the write lock.
            with engine.execution_options(remit_readonly=True).connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - any failure means the database is not answering
            return JSONResponse({"status": "unavailable", "detail": f"database: {type(exc).__name__}"},
                                status_code=503)
        return JSONResponse({"status": "ok"})

    # What problems.allowed_methods reads to name every method of a path in a 405's Allow header.
    app.state.native_routes = [*(route for router in ROUTERS for route in router.routes),
                               *(route for route in app.router.routes if isinstance(route, Route))]

    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = contract.finish(problems.tidy_openapi(get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes)))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


app = create_app()
