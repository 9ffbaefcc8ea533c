"""The FastAPI application: ``create_app()`` and the module-level ``app`` uvicorn imports.

For now it only answers ``GET /healthz``. The native ``/v1`` API and the
vendor-compatible APIs are mounted here in later issues.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text

from remit.config import get_settings
from remit.db import make_engine


def create_app(*, engine: Engine | None = None) -> FastAPI:
    """Build the app on ``engine``, or on one made from the settings (an engine connects lazily)."""
    owns_engine = engine is None
    if engine is None:
        settings = get_settings()
        engine = make_engine(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owns_engine:
            engine.dispose()

    app = FastAPI(title="Remit", version="0.1.0", lifespan=lifespan)
    app.state.engine = engine

    @app.get("/healthz", tags=["health"], summary="Liveness and database check")
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

    return app


app = create_app()
