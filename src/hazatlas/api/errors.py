"""Errors as RFC 9457 problem details (``application/problem+json``).

Every exception ends here: hazatlas errors with their message, request validation with the
parameter or field named, anything unexpected as a 500 that says nothing about the server's
internals (the traceback goes to the server log only). Long lists of problems are cut at
:data:`MAX_ERRORS` entries, with ``error_count`` giving the full number.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hazatlas.domain.errors import (
    ConflictError,
    HazatlasError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from hazatlas.services.store import ValueOutOfRangeError

PROBLEM = "application/problem+json"
MAX_ERRORS = 100
INT_MAX = 2**63 - 1  # the largest integer the databases store (BIGINT)
INT32_MAX = 2**31 - 1  # the largest in a PostgreSQL INTEGER column
log = logging.getLogger("hazatlas.api")


def problem(status: int, title: str, detail: str, headers: Mapping[str, str] | None = None,
            **extra: object) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def invalid(errors: list[dict[str, Any]], head: str | None = None) -> JSONResponse:
    """422 with at most :data:`MAX_ERRORS` errors (``error_count`` is the full number)."""
    shown = errors[:MAX_ERRORS]
    more = len(errors) - len(shown)
    if head is None:
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in shown)
        if more:
            detail += f"; ... and {more} more"
    else:
        detail = "\n".join([head, *(f"  - {_where(e)}" for e in shown)]
                           + ([f"  ... and {more} more"] if more else []))
    extra: dict[str, Any] = {"errors": shown, "error_count": len(errors)}
    if more:
        extra["errors_truncated"] = True
    return problem(422, "Invalid input", detail, headers=None, **extra)


def _where(e: dict[str, Any]) -> str:
    where = str(e["source"])
    if e.get("row") is not None:
        where += f", row {e['row']}"
    if e.get("field"):
        where += f", column '{e['field']}'"
    return f"{where}: {e['message']}"


def _oversized_int(request: Request, bound: int = INT_MAX) -> list[str]:
    """Path and query parameters holding an integer beyond ``bound``."""
    names = []
    for where, items in (("path", request.path_params.items()),
                         ("query", request.query_params.multi_items())):
        for name, value in items:
            text = str(value).strip().lstrip("+-")
            if text.isdigit() and len(text) >= 10 and int(text) > bound:
                names.append(f"{where}.{name}")  # as request validation names them
    return names


def install(app: FastAPI) -> None:
    @app.exception_handler(ValidationError)
    async def _validation(_: Request, exc: ValidationError) -> JSONResponse:
        n = len(exc.problems)
        return invalid([{"source": p.source, "row": p.row, "field": p.field, "message": p.message}
                        for p in exc.problems],
                       head=f"{n} problem{'s' if n != 1 else ''} in input; nothing was changed")

    @app.exception_handler(NotFoundError)
    async def _not_found(_: Request, exc: NotFoundError) -> JSONResponse:
        return problem(404, "Not found", str(exc))

    @app.exception_handler(PermissionDeniedError)
    async def _forbidden(_: Request, exc: PermissionDeniedError) -> JSONResponse:
        return problem(403, "Forbidden", str(exc))

    @app.exception_handler(ConflictError)
    async def _conflict(_: Request, exc: ConflictError) -> JSONResponse:
        return problem(409, "Conflict", str(exc))

    @app.exception_handler(HazatlasError)
    async def _other(_: Request, exc: HazatlasError) -> JSONResponse:
        return problem(400, "Bad request", str(exc))

    @app.exception_handler(RequestValidationError)
    async def _request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return invalid([{"source": "request", "row": None,
                         "field": ".".join(str(x) for x in e.get("loc", ()) if x != "body"),
                         "message": e.get("msg", "")} for e in exc.errors()])

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail), str(exc.detail), headers=exc.headers)

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError) -> JSONResponse:
        # a safety net: every integer parameter should declare a maximum, but a route that
        # forgot one still answers 422 naming the parameter instead of a 500
        return _out_of_range(request, exc, INT_MAX)

    @app.exception_handler(ValueOutOfRangeError)
    async def _data(request: Request, exc: ValueOutOfRangeError) -> JSONResponse:
        # PostgreSQL: an INTEGER column compared with a number beyond 32 bits
        return _out_of_range(request, exc, INT32_MAX)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return _internal(request, exc)


def _out_of_range(request: Request, exc: Exception, bound: int) -> JSONResponse:
    names = _oversized_int(request, bound)
    if not names:
        return _internal(request, exc)
    return invalid([{"source": "parameter", "row": None, "field": n,
                     "message": f"must be at most {bound}"} for n in names])


def _internal(request: Request, exc: BaseException) -> JSONResponse:
    log.error("unexpected error in %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "Internal server error",
                   "the server could not answer this request; the error was logged")
