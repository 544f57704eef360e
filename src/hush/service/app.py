"""The application factory: :func:`create_app` builds the FastAPI app that ``hush serve`` runs with uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from hush.service import errors, routes, stream
from hush.service.access_log import AccessLog
from hush.service.config import ServiceConfig
from hush.service.state import ServiceState
from hush.threads import set_threads
from hush.version import __version__

STATIC = Path(str(resources.files("hush.service") / "static"))
# The page runs on the package's own files only: nothing from another origin, no inline script.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def create_app(config: ServiceConfig | None = None) -> FastAPI:
    """The service: the API under ``/v1``, health checks, and the page at ``/``.

    The served methods load on a background thread at start-up; ``/readyz`` answers 200 once they have.
    """
    config = config or ServiceConfig()
    state = ServiceState.create(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        set_threads(config.threads)
        threading.Thread(target=state.catalog.load, name="hush-load", daemon=True).start()
        yield
        # uvicorn has finished the requests in flight; let queued work end before the threads go
        await asyncio.get_running_loop().run_in_executor(None, state.pool.shutdown)
        state.streams.shutdown(wait=True)

    # no /docs or /redoc: FastAPI's pages load their scripts from a CDN; /openapi.json stays
    app = FastAPI(title="hush", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.hush = state
    errors.install(app)
    app.include_router(routes.router)
    app.include_router(stream.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(
            STATIC / "index.html", headers={"Content-Security-Policy": CSP, "Cache-Control": "no-cache"}
        )

    app.add_middleware(AccessLog)
    return app
