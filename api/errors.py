"""Errors of the API and the one shape every failure takes on the wire.

    {"error": {"code": "device_limit", "message": "…what happened and what to do…", "details": …}}

Exception tree:

    ApiError                 an expected failure with an HTTP status and a stable code
    ├── Invalid              422 (well-formed, but not acceptable)
    ├── Unauthorized         401 (bad or revoked credentials)
    ├── Forbidden            403 (authenticated, but the role or scope does not allow it)
    ├── NotFound             404 (also for things of another company: existence is not leaked)
    ├── Conflict             409
    └── TooManyRequests      429 (carries Retry-After)

Anything else becomes a 500 with a generic message; the stack trace goes to the log only.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorBody(BaseModel):
    error: ErrorDetail


class ApiError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.details = details
        self.headers = headers or {}


class Invalid(ApiError):
    status_code = 422
    code = "invalid_request"


class Unauthorized(ApiError):
    status_code = 401
    code = "unauthorized"


class Forbidden(ApiError):
    status_code = 403
    code = "forbidden"


class NotFound(ApiError):
    status_code = 404
    code = "not_found"


class Conflict(ApiError):
    status_code = 409
    code = "conflict"


class TooManyRequests(ApiError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_seconds: int, code: str | None = None) -> None:
        super().__init__(
            message,
            code=code,
            details={"retry_after_seconds": retry_after_seconds},
            headers={"Retry-After": str(retry_after_seconds)},
        )


def error_response(
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": details}}
    return JSONResponse(body, status_code=status, headers=headers)


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
}


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status_code, exc.code, exc.message, exc.details, exc.headers)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTP_CODES.get(exc.status_code, "http_error")
    return error_response(exc.status_code, code, str(exc.detail), None, exc.headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(422, "invalid_request", *describe_invalid(exc.errors()))


def describe_invalid(errors: Sequence[Any], prefix: tuple[str, ...] = ()) -> tuple[str, Any]:
    """(message, details) for validation errors: where and what, in one line and as a list."""
    problems = [
        {"location": [*prefix, *e.get("loc", ())], "problem": e.get("msg", "")} for e in errors
    ]
    message = "The request is not valid: " + "; ".join(
        f"{'.'.join(str(p) for p in e['location'])}: {e['problem']}" for e in problems[:5]
    )
    return message, problems


async def _unstorable(_request: Request, exc: Exception) -> JSONResponse:
    # The database refused a value that validation let through (say, a NUL in a path).
    logger.info("database refused a value: %s", type(exc).__name__)
    message = "The request holds a value the database cannot store (such as a NUL character)."
    return error_response(422, "invalid_request", message)


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", exc_info=exc)
    return error_response(
        500, "internal_error", "The server failed to handle the request; it has been logged."
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DataError, _unstorable)
    app.add_exception_handler(Exception, _unexpected)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the error statuses a route can return."""
    described = {
        400: "Bad request",
        401: "Missing, invalid, expired or revoked credentials",
        403: "Not allowed for this role or scope",
        404: "Not found (or belongs to another company)",
        409: "Conflicts with the current state",
        413: "Request body too large",
        422: "Invalid request",
        429: "Rate limited; see Retry-After",
        503: "A service this needs is unavailable; retry later",
    }
    # A body that is not even JSON is refused with 400 before validation (FastAPI's parser).
    with_400 = {*statuses, 400} if 422 in statuses else set(statuses)
    return {s: {"model": ErrorBody, "description": described[s]} for s in sorted(with_400)}
