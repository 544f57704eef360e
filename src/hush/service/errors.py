"""Error responses: a JSON body ``{"error": ..., "detail": ...}`` with the right status, never a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hush.errors import AudioError, HushError

log = logging.getLogger("hush.service")

TITLES = {
    400: "bad audio",
    404: "not found",
    405: "method not allowed",
    413: "too large",
    415: "unsupported media type",
    422: "bad option",
    500: "internal error",
    501: "not implemented",
    503: "unavailable",
}


class ApiError(Exception):
    """An error answered with ``status`` and ``{"error": error, "detail": detail}``."""

    def __init__(self, status: int, detail: str, error: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status = status
        self.error = error or TITLES.get(status, "error")
        self.detail = detail
        self.headers = headers or {}


def error_response(status: int, detail: str, error: str | None = None, headers: dict | None = None) -> JSONResponse:
    body = {"error": error or TITLES.get(status, "error"), "detail": detail}
    return JSONResponse(body, status_code=status, headers=headers)


def audio_problem(err: HushError, name: str) -> ApiError:
    """A decoding or validation error of an upload, naming it by its form field, not by its scratch path."""
    problem = err.problem if isinstance(err, AudioError) else str(err)
    return ApiError(400, f"{name}: {problem}")


def install(app: FastAPI) -> None:
    """Route every failure through :func:`error_response`."""

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.detail, exc.error, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "body"))
        return error_response(422, f"{where}: {first.get('msg', 'invalid')}" if where else "invalid request")

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s %s failed: %s: %s", request.method, request.url.path, type(exc).__name__, exc, exc_info=exc)
        return error_response(500, f"the request failed on the server ({type(exc).__name__})")
