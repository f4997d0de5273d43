"""RFC 9457 problem details: every error a client sees names the field and the reason."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("seteli.errors")


@dataclass
class FieldError:
    field: str
    reason: str


@dataclass
class ProblemError(Exception):
    """Raise from service code; the HTTP layer renders it as problem+json."""

    status: int
    title: str
    detail: str = ""
    type: str = "about:blank"
    errors: list[FieldError] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.title}: {self.detail}"


def invalid(field_name: str, reason: str, title: str = "Invalid input") -> ProblemError:
    return ProblemError(422, title, reason, "https://seteli.fi/problems/invalid-input",
                        [FieldError(field_name, reason)])


def invalid_many(errors: list[FieldError], title: str = "Invalid input", detail: str = "") -> ProblemError:
    return ProblemError(422, title, detail or "; ".join(f"{e.field}: {e.reason}" for e in errors),
                        "https://seteli.fi/problems/invalid-input", errors)


def not_found(what: str) -> ProblemError:
    return ProblemError(404, "Not found", f"{what} was not found", "https://seteli.fi/problems/not-found")


def conflict(detail: str, **extra: Any) -> ProblemError:
    return ProblemError(409, "Conflict", detail, "https://seteli.fi/problems/conflict", extra=extra)


def forbidden(detail: str = "Not allowed") -> ProblemError:
    return ProblemError(403, "Forbidden", detail, "https://seteli.fi/problems/forbidden")


def unauthorized(detail: str = "Authentication required") -> ProblemError:
    return ProblemError(401, "Unauthorized", detail, "https://seteli.fi/problems/unauthorized")


def problem_response(problem: ProblemError, instance: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": problem.type, "title": problem.title, "status": problem.status}
    if problem.detail:
        body["detail"] = problem.detail
    if instance:
        body["instance"] = instance
    if problem.errors:
        body["errors"] = [{"field": e.field, "reason": e.reason} for e in problem.errors]
    body.update(problem.extra)
    headers = {"WWW-Authenticate": "Bearer"} if problem.status == 401 else None
    return JSONResponse(body, status_code=problem.status, media_type=PROBLEM_JSON, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if p not in ("body",)) or "body"


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        return problem_response(exc, request.url.path)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [FieldError(_field_path(tuple(e.get("loc", ()))), str(e.get("msg", "invalid")))
                  for e in exc.errors()]
        return problem_response(invalid_many(errors), request.url.path)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return problem_response(ProblemError(exc.status_code, str(exc.detail)), request.url.path)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem_response(ProblemError(500, "Internal error", "An unexpected error occurred"))

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
