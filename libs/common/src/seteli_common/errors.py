"""RFC 9457 problem details: every error a client sees names the field and the reason."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("seteli.errors")


@dataclass
class FieldError:
    field: str
    reason: str
    code: str | None = None  # the rule's stable name (snake_case), by which a client says it in its own words


@dataclass
class ProblemError(Exception):
    """Raise from service code; the HTTP layer renders it as problem+json."""

    status: int
    title: str
    detail: str = ""
    type: str = "about:blank"
    errors: list[FieldError] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    retry_after_seconds: int | None = None  # sent as Retry-After: the same request may succeed then

    def __str__(self) -> str:
        return f"{self.status} {self.title}: {self.detail}"


def invalid(field_name: str, reason: str, title: str = "Invalid input", *, code: str | None = None) -> ProblemError:
    """One field refused; `code` names the rule (sent with the field's error and as the problem's `code`)."""
    return ProblemError(422, title, reason, "https://seteli.fi/problems/invalid-input",
                        [FieldError(field_name, reason, code)], extra={"code": code} if code else {})


def invalid_many(errors: list[FieldError], title: str = "Invalid input", detail: str = "") -> ProblemError:
    return ProblemError(422, title, detail or "; ".join(f"{e.field}: {e.reason}" for e in errors),
                        "https://seteli.fi/problems/invalid-input", errors)


def not_found(what: str) -> ProblemError:
    return ProblemError(404, "Not found", f"{what} was not found", "https://seteli.fi/problems/not-found")


def conflict(detail: str, **extra: Any) -> ProblemError:
    return ProblemError(409, "Conflict", detail, "https://seteli.fi/problems/conflict", extra=extra)


NOT_YET_KNOWN = "https://seteli.fi/problems/not-yet-known"


def not_yet_known(detail: str, *, reason: str, retry_after_seconds: int = 1) -> ProblemError:
    """A write another service answered a moment ago has not reached this service yet (events travel
    between services in well under a second): try the same request again after `Retry-After`. Never the
    answer for "not yours" (403/404) or "does not exist" (404): a client can tell the three apart."""
    return ProblemError(409, "Not yet known here", detail, NOT_YET_KNOWN, extra={"reason": reason},
                        retry_after_seconds=retry_after_seconds)


OVERLOADED = "https://seteli.fi/problems/overloaded"
# Retry-After of a request shed under overload: long enough for a burst's queue to drain (the units of work
# ahead of it hold their connections for milliseconds), short enough that a person retrying is not kept waiting.
OVERLOAD_RETRY_AFTER_SECONDS = 2
# `scope["state"]` key: why this request was shed ("database", "in_flight"), for the metrics (MetricsMiddleware)
SHED_KEY = "seteli_shed"


def overloaded(detail: str, *, retry_after_seconds: int = OVERLOAD_RETRY_AFTER_SECONDS) -> ProblemError:
    """The service is too busy to serve this request now: nothing was done; the same request may succeed
    after `Retry-After`. Said at once rather than after a long wait (issue 21)."""
    return ProblemError(503, "Service busy", detail, OVERLOADED, retry_after_seconds=retry_after_seconds)


# At most one `shed` log line a second per service: under overload a line per refusal was 3-4 % of the process's CPU,
# spent when it is shortest of CPU (issue 21). The metric (seteli_http_shed_total) still counts every refusal.
SHED_LOG_INTERVAL_SECONDS = 1.0
_now = time.monotonic  # the clock of the shed log's interval (a test replaces it)


def _call_later(delay: float, callback: Callable[[], None]) -> bool:
    """Run `callback` after `delay` seconds on the running event loop; False with no loop running (a test
    replaces it)."""
    try:
        asyncio.get_running_loop().call_later(delay, callback)
    except RuntimeError:
        return False
    return True


class ShedLog:
    """One service's `shed` log lines: the first refusal is logged at once; then at most one line per interval,
    written by the first refusal after it, with the count refused since the last line (this one included, for
    either reason). Refusals left unlogged when a burst ends are logged when their interval ends, so that ops
    see the end of a burst without waiting for the next one."""

    __slots__ = ("last_line_at", "refused", "flush_due", "last_refusal")

    def __init__(self) -> None:
        self.last_line_at = -math.inf
        self.refused = 0
        self.flush_due = False
        self.last_refusal: tuple[str, str, str, str] = ("", "", "", "")  # method, path, reason, detail

    def refused_one(self, scope: MutableMapping[str, Any], reason: str, detail: str) -> None:
        self.refused += 1
        self.last_refusal = (scope.get("method", ""), scope.get("path", ""), reason, detail)
        elapsed = _now() - self.last_line_at
        if elapsed >= SHED_LOG_INTERVAL_SECONDS:
            self._write_line()
        elif not self.flush_due:
            self.flush_due = _call_later(SHED_LOG_INTERVAL_SECONDS - elapsed, self._flush)

    def _flush(self) -> None:
        self.flush_due = False
        if not self.refused:  # a refusal after the interval wrote the line already
            return
        elapsed = _now() - self.last_line_at
        if elapsed >= SHED_LOG_INTERVAL_SECONDS:
            self._write_line()
        else:  # that refusal's line was later than the one this flush was due after
            self.flush_due = _call_later(SHED_LOG_INTERVAL_SECONDS - elapsed, self._flush)

    def _write_line(self) -> None:
        now = _now()
        refused, elapsed, self.refused, self.last_line_at = self.refused, now - self.last_line_at, 0, now
        method, path, reason, detail = self.last_refusal
        # no traceback: nothing is broken
        log.warning("shed %s %s: %s%s", method, path, detail,
                    f" ({refused} refused in the last {elapsed:.1f} s)" if refused > 1 else "",
                    extra={"path": path, "reason": reason, "refused": refused})


_PROCESS_SHED_LOG = ShedLog()  # for a scope of no app (none in the services)


def _shed_log(scope: MutableMapping[str, Any]) -> ShedLog:
    """The shed log of the service whose app took the request (each app of the embedded mode has its own)."""
    state = getattr(scope.get("app"), "state", None)
    if state is None:
        return _PROCESS_SHED_LOG
    shed_log = getattr(state, "seteli_shed_log", None)
    if shed_log is None:
        shed_log = state.seteli_shed_log = ShedLog()
    return shed_log


def shed(scope: MutableMapping[str, Any], reason: str, detail: str) -> JSONResponse:
    """The answer to a request shed for `reason`: logged (`ShedLog`), the reason kept for the metrics, 503
    problem+json with Retry-After."""
    _shed_log(scope).refused_one(scope, reason, detail)
    scope.setdefault("state", {})[SHED_KEY] = reason
    return problem_response(overloaded(detail), scope.get("path", ""))


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
        body["errors"] = [{"field": e.field, "reason": e.reason, **({"code": e.code} if e.code else {})}
                          for e in problem.errors]
    body.update(problem.extra)
    headers = {"WWW-Authenticate": "Bearer"} if problem.status == 401 else {}
    if problem.retry_after_seconds is not None:
        headers["Retry-After"] = str(problem.retry_after_seconds)
    return JSONResponse(body, status_code=problem.status, media_type=PROBLEM_JSON, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if p not in ("body",)) or "body"


_OUT_OF_RANGE = re.compile(r"invalid input for query argument \$\d+: (.*?) \((value out of \w+ range)\)")


def _argument_out_of_range(request: Request, exc: Exception) -> ProblemError | None:
    """asyncpg refuses, before anything is sent, an integer its column cannot hold (beyond int32/int64):
    an `offset` or a `year` a client chose. That is bad input, not a server error (found by schemathesis,
    issue #10); the field is the request parameter carrying that value."""
    match = _OUT_OF_RANGE.search(str(getattr(exc, "orig", None) or exc).splitlines()[0] if str(exc) else "")
    if match is None:
        return None
    value, reason = match.groups()
    params = [*(("query." + k, v) for k, v in request.query_params.multi_items()), *request.path_params.items()]
    field_name = next((name for name, given in params if _same_number(str(given), value)), "request")
    return invalid(field_name, reason)


_TOO_LONG = re.compile(r"value too long for type character varying\((\d+)\)")
JSON_BODY_SCOPE_KEY = "seteli.json_body"  # the JSON body as reject_nul read it, for _value_too_long


def _value_too_long(request: Request, exc: Exception) -> ProblemError | None:
    """PostgreSQL refuses a text longer than its varchar column (a field a model left unbounded): bad input,
    not a server error. The statement failed, so the unit of work rolls back and nothing is stored. The
    field is the request's string longer than the column: in the JSON body (kept by reject_nul), the query
    or the path; "body" if none is."""
    match = _TOO_LONG.search(str(exc).split("\n", 1)[0])
    if match is None:
        return None
    limit = int(match.group(1))
    field_name = None
    raw = request.scope.get(JSON_BODY_SCOPE_KEY)
    if raw:
        try:
            field_name = _long_field(json.loads(raw), "", limit)
        except ValueError:
            pass
    if field_name is None:
        params = [*(("query." + k, v) for k, v in request.query_params.multi_items()), *request.path_params.items()]
        field_name = next((name for name, given in params if len(str(given)) > limit), "body")
    return invalid(field_name, f"at most {limit} characters")


def _long_field(value: Any, path: str, limit: int) -> str | None:
    if isinstance(value, str):
        return (path or "body") if len(value) > limit else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if found := _long_field(item, f"{path}.{key}" if path else str(key), limit):
            return found
    return None


def _same_number(given: str, value: str) -> bool:
    try:
        return int(given) == int(value)
    except ValueError:
        return given == value


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

    async def on_pool_timeout(request: Request, exc: Exception) -> JSONResponse:
        # No database connection within the bound (`Database`'s connection wait): the unit of work never began
        # or was rolled back. Handled here, not as an unexpected error: that path logs a traceback and
        # re-raises to the server, which logs another (a third of a busy service's time under overload).
        return shed(request.scope, "database", "no database connection free in time; try again shortly")

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        if (problem := _argument_out_of_range(request, exc) or _value_too_long(request, exc)) is not None:
            return problem_response(problem, request.url.path)
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem_response(ProblemError(500, "Internal error", "An unexpected error occurred"))

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(PoolTimeout, on_pool_timeout)
    app.add_exception_handler(Exception, on_unexpected)


# --- OpenAPI: every operation documents the problem responses the kernel can give it -------------------

# The statuses any route can answer through this module: bad JSON or a malformed query (400 from Starlette),
# a missing or bad token (401), a role or team without the right (403), an unknown id, or another tenant's
# id (404), a state conflict (409), invalid input with field and reason (422).
PROBLEM_STATUSES: dict[str, str] = {
    "400": "Bad request",
    "401": "Authentication required, or the token is not valid",
    "403": "Not allowed for this role",
    "404": "Not found (also for another tenant's ids)",
    "409": "Conflict with the current state",
    "422": "Invalid input: each field with the reason",
    "503": "Too busy now, nothing was done: try again after Retry-After",
}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `errors` names each invalid field and why. Some problems carry "
                   "extra members (e.g. the conflicting id).",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["field", "reason"],
            "properties": {"field": {"type": "string"}, "reason": {"type": "string"},
                           "code": {"type": "string", "description": "the rule refused, where it has a name"}}}},
    },
    "additionalProperties": True,
}
_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def _is_placeholder(response: dict[str, Any]) -> bool:
    """FastAPI's own 422 (a `{"detail": [...]}` body this app never sends) or a declaration without a
    body schema (`responses={404: {}}`): both are answered with problem+json."""
    content = response.get("content") or {}
    if not content:
        return True
    if set(content) != {"application/json"}:
        return False
    schema = content["application/json"].get("schema") or {}
    return not schema or schema.get("$ref") == "#/components/schemas/HTTPValidationError"


def document_problems(spec: dict[str, Any]) -> dict[str, Any]:
    """Add the problem+json error responses to every operation of an OpenAPI document (in place).
    A route's own declaration of a status with a body schema is kept; its description is kept too."""
    spec.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path_item in spec.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in PROBLEM_STATUSES.items():
                responses.setdefault(status, {"description": description})
            for status, response in responses.items():
                if status[:1] in ("4", "5") and _is_placeholder(response):
                    if status == "422" and response.get("description") == "Validation Error":
                        response["description"] = PROBLEM_STATUSES["422"]
                    response["content"] = problem
    schemas = spec["components"]["schemas"]
    if "HTTPValidationError" in schemas and "HTTPValidationError" not in str(spec.get("paths")):
        schemas.pop("HTTPValidationError")
        schemas.pop("ValidationError", None)
    return spec


# --- Input PostgreSQL cannot store -----------------------------------------------------------------------

NUL_REASON = "must not contain the NUL character (U+0000)"


def _nul_field(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = f"{path}.{key}" if "\x00" in key else _nul_field(item, f"{path}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if found := _nul_field(item, f"{path}.{index}"):
                return found
    return None


def _header(scope: MutableMapping[str, Any], name: bytes) -> bytes | None:
    """The last value of a request header (as `dict(headers)` gave) without building a dict of them all."""
    found = None
    for key, value in scope.get("headers") or ():
        if key == name:
            found = value
    return found


async def reject_nul(app: Any, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
    """PostgreSQL text cannot hold U+0000, so a NUL in a path, query or JSON string failed in the database
    as a 500 (found by schemathesis, issue #10). Refused here instead as invalid input (422, field named),
    before any handler runs, so nothing changes; else the HTTP request goes on to `app`. Part of
    `seteli_common.web.RequestGuards`."""
    field_name = "path" if "\x00" in scope.get("path", "") else None
    raw_query: bytes = scope.get("query_string", b"")
    if field_name is None and (b"%00" in raw_query or b"\x00" in raw_query):  # parsed only then
        query = parse_qsl(raw_query.decode("latin-1"), keep_blank_values=True)
        field_name = next((f"query.{k}" for k, v in query if "\x00" in k or "\x00" in v), None)
    buffered: list[dict[str, Any]] = []
    content_type = _header(scope, b"content-type") or b""
    if field_name is None and b"json" in content_type:
        more = True
        while more:
            message = await receive()
            buffered.append(message)
            more = message.get("type") == "http.request" and message.get("more_body", False)
        body = b"".join(m.get("body", b"") for m in buffered)
        scope[JSON_BODY_SCOPE_KEY] = body  # (for _value_too_long: the handler of an error cannot read it)
        if b"\\u0000" in body:  # cheap test first; the JSON is parsed only then
            try:
                field_name = _nul_field(json.loads(body), "body")
            except ValueError:
                pass  # not JSON: FastAPI's validation reports that
    if field_name is not None:
        response = problem_response(invalid(field_name.removeprefix("body.") or field_name, NUL_REASON),
                                    scope.get("path"))
        await response(scope, receive, send)
        return
    if not buffered:
        await app(scope, receive, send)
        return

    async def replay() -> Any:
        return buffered.pop(0) if buffered else await receive()

    await app(scope, replay, send)


# Large enough for the biggest legitimate body (a 10 MiB attachment, base64-encoded in JSON, with its
# fields); anything larger is refused before it is read into memory.
MAX_REQUEST_BYTES = 16 * 1024 * 1024


def _too_large(limit: int) -> ProblemError:
    return ProblemError(413, "Request body too large", f"the request body is larger than {limit} bytes",
                        "https://seteli.fi/problems/request-too-large", [FieldError("body", f"at most {limit} bytes")])


class LimitRequestBody:
    """Refuses a request body over ``limit`` bytes with 413 problem+json: at once when Content-Length says
    so, and while streaming when a chunked body grows past it (the handler then sees a disconnect and
    nothing it started is committed). Plain ASGI: no per-request task like BaseHTTPMiddleware."""

    def __init__(self, app: Any, limit: int = MAX_REQUEST_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await problem_response(_too_large(self.limit), scope.get("path"))(scope, receive, send)
            return
        received = 0
        started = False

        async def send_tracking(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        async def receive_limited() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # a ProblemError: the app's handler answers 413 when the body is read in a route
                    raise _too_large(self.limit)
            return message

        try:
            await self.guarded(scope, receive_limited, send_tracking)
        except ProblemError as problem:  # read outside the app's handlers (another middleware)
            if problem.status != 413 or started:
                raise
            await problem_response(problem, scope.get("path"))(scope, receive, send)

    async def guarded(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """The request within the limit; a subclass adds its own checks here (one middleware, not several)."""
        await self.app(scope, receive, send)


# Always answered, however busy: an orchestrator that sees no answer restarts the process, and the monitoring
# must see the overload.
ALWAYS_ANSWERED = ("/health/", "/metrics")


class InFlightLimit:
    """At most `limit` requests of this app in progress at once; one more is answered 503 at once (`shed`),
    before its token is checked or its body read: beyond that many, a request would only wait in the process
    for a database connection (and time out), taking CPU from those that can still be served. Health probes
    and /metrics are always answered. Plain ASGI, as the other guards."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope.get("path", "").removeprefix(scope.get("root_path", ""))
        if scope["type"] != "http" or path.startswith(ALWAYS_ANSWERED):
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            await shed(scope, "in_flight", f"more than {self.limit} requests in progress; try again shortly")(
                scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
