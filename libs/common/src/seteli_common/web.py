"""FastAPI app factory shared by every service: problem+json errors, health endpoints, tracing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse
from fastapi.telemetry import TelemetryConfig
from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .auth import ONE_TENANT_ROLES, Principal, current_principal, guard_tenant
from .consistency import AFTER_HEADER, CONSISTENCY_HEADER, After, Token, header_value, parse_tokens, published_tokens
from .db import Database
from .errors import (
    MAX_REQUEST_BYTES,
    LimitRequestBody,
    document_problems,
    install_problem_handlers,
    not_found,
    reject_nul,
)
from .telemetry import ServerSpans
from .tenancy import TENANT_ID_RE

ReadyCheck = Callable[[], Awaitable[dict[str, bool]]]


LIVE_PATH = "/health/live"
_LIVE_BODY = b'{"status":"ok"}'
_LIVE_HEADERS = ((b"content-length", b"15"), (b"content-type", b"application/json"))
_BODY_HEADERS = frozenset({b"content-length", b"content-type", b"transfer-encoding"})


class Liveness(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: Literal["ok"]


def file_response(description: str, *media_types: str) -> dict[str, Any]:
    """The OpenAPI `responses` entry of an operation that answers a file (a PDF, a payment file, a CSV): a
    binary body in each media type, so a generated client reads bytes rather than JSON."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {"description": description, "content": {media_type: binary for media_type in media_types}}


class Readiness(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok", "checks": {"database": True,
                                                                                           "broker": True}}]})

    status: str  # "ok" or "unavailable"
    checks: dict[str, bool]


def health_router(ready: ReadyCheck) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get(LIVE_PATH, response_model=Liveness)  # a bare probe is answered by ServiceApp
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/health/ready", response_model=Readiness,
                responses={503: {"model": Readiness, "description": "A check failed: not ready"}})
    async def ready_endpoint() -> JSONResponse:
        checks = await ready()
        ok = all(checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks},
                            status_code=200 if ok else 503)

    return router


class ServiceApp(FastAPI):
    """A service's app. The liveness probe (`GET /health/live`, polled by every orchestrator and load
    balancer) is answered before the middleware stack: its answer is a constant (the same bytes and
    headers as the route's), tracing and metrics skip it anyway, and it then costs a fraction of a
    request through the stack. Only a bare probe takes this path: with a query string or a body it goes
    through the stack as before (a NUL or an oversized body is refused there alike)."""

    trace_requests = False  # a server span per request (telemetry.ServerSpans), set by `create_app`

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        # outside the stack's own error middleware, as the instrumentation was: a failed request's span has the
        # 500 that middleware answered, and the exception
        return ServerSpans(stack) if self.trace_requests else stack

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["method"] == "GET" and not scope.get("query_string")
                and scope["path"] == scope.get("root_path", "") + LIVE_PATH
                and not any(name in _BODY_HEADERS for name, _ in scope.get("headers", ()))):
            await send({"type": "http.response.start", "status": 200, "headers": list(_LIVE_HEADERS)})
            await send({"type": "http.response.body", "body": _LIVE_BODY})
            return
        await super().__call__(scope, receive, send)


def create_app(
    title: str,
    *,
    description: str = "",
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
    ready: ReadyCheck | None = None,
    routers: list[APIRouter] | None = None,
    instrument: bool = True,
    max_request_bytes: int = MAX_REQUEST_BYTES,
) -> FastAPI:
    # FastAPI's own telemetry is switched off when the app makes its server spans (`ServerSpans`): it would
    # check its providers and walk the middleware stack on every request, for no span of its own.
    telemetry: TelemetryConfig | None = {"tracing": False, "metrics": False, "logs": False} if instrument else None
    app = ServiceApp(title=title, description=description, version="0.1.0", lifespan=lifespan, telemetry=telemetry)
    install_problem_handlers(app)

    async def always_ready() -> dict[str, bool]:
        return {"app": True}

    # The probes are included before `principal_first` becomes the app's dependency (a router takes its
    # parent's dependencies when it is included): a probe has no caller to know, and solving that
    # dependency was a third of what a probe through the stack cost. Every route added later has it.
    app.include_router(health_router(ready or always_ready))
    app.router.dependencies.append(Depends(principal_first))
    for router in routers or []:
        app.include_router(router)
    _document_problem_responses(app)
    app.add_middleware(RequestGuards, limit=max_request_bytes)  # outermost of ours: nothing reads a body first
    # One server span per request (its trace travels on through the outbox), health probes apart.
    app.trace_requests = instrument
    return app


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """A Content-Disposition header for a download: an ASCII `filename` (headers are Latin-1, and a tenant
    id or a name in it may be anything) and the exact name in RFC 6266 / 5987 `filename*`."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "download"
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _document_problem_responses(app: FastAPI) -> None:
    """The OpenAPI document lists the problem+json error responses of every operation (seteli_common.errors)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


async def db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Session per request: the unit of work commits when the handler returns without error.
    A commit that wrote outbox rows wakes the relay (`Database.outbox_committed`): events leave at once.

    Always declare it as `Depends(db_session, scope="function")`: FastAPI's default scope ends a yield
    dependency after the response is sent, which would answer 201 before the commit (and even when
    the commit then fails), and let the client's next request miss its own write."""
    runtime: Any = request.app.state.runtime
    async with _unit_of_work(runtime.db, request) as session:
        yield session
        tokens = published_tokens(session.info)  # the handler returned: these commit now
        if tokens:
            request.state.seteli_consistency = tokens


def after_writes(request: Request) -> After:
    """The writes this request says it follows (`Seteli-After`, seteli_common.consistency), to be checked
    against this service's inbox when what the request names is not found."""
    runtime: Any = request.app.state.runtime
    return After(parse_tokens(request.headers.get(AFTER_HEADER)), runtime.consumers.inbox)


class RequestGuards(LimitRequestBody):
    """The checks every request to a service passes, in one plain ASGI middleware (they were three, each
    with its own wrappers of `receive` and `send`), in this order: a body over the limit is refused with
    413 (`LimitRequestBody`), a NUL in the path, query or JSON body with 422 (`errors.reject_nul`), and a
    2xx answer to a write that published events carries their tokens in `Seteli-Consistency`
    (seteli_common.consistency): set by the unit of work (`db_session`) before its commit, added here
    because the answer is built before the unit of work ends."""

    async def guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_token(message: Message) -> None:
            if message["type"] == "http.response.start" and 200 <= int(message.get("status", 500)) < 300:
                # taken, not read: an app mounted in another that adds it too answers it once
                tokens: tuple[Token, ...] = scope.get("state", {}).pop("seteli_consistency", None) or ()
                if tokens:
                    headers = list(message.get("headers", []))
                    headers.append((CONSISTENCY_HEADER.lower().encode(), header_value(tokens).encode("latin-1")))
                    message = {**message, "headers": headers}
            await send(message)

        scope.setdefault("state", {})  # one dict for the unit of work to write and this to read
        await reject_nul(self.app, scope, receive, send_with_token)


def _unit_of_work(db: Database, request: Request) -> AbstractAsyncContextManager[AsyncSession]:
    """The tenant of a tenant route is its `{tenant_id}` path parameter: row-level security then shows
    only that tenant's rows, whatever a query forgets. A route without one is cross-tenant by design
    (login, a provider's own data across tenants, platform admin, public catalog, jobs): system scope,
    except for a caller who belongs to one tenant (its staff, its clients): they stay in their tenant.
    A GET (or HEAD) reads: its unit is read-only, which on SQLite holds no writer up (and waits for none)
    however long it reads; what a read must write (the clients' access log) goes through
    `db.write_after_read`, in a short write unit of its own before the answer leaves."""
    read_only = request.method in _READS
    # shed: no connection free within the connection wait -> 503 with Retry-After (errors.on_pool_timeout)
    tenant_id = request.path_params.get("tenant_id")
    if isinstance(tenant_id, str):
        return db.transaction(tenant_id=tenant_id, read_only=read_only, shed=True)
    principal = getattr(request.state, "principal", None)
    if isinstance(principal, Principal) and principal.tenant_id and principal.role in ONE_TENANT_ROLES:
        return db.transaction(tenant_id=principal.tenant_id, read_only=read_only, shed=True)
    return db.system_transaction(read_only=read_only, shed=True)


_READS = frozenset({"GET", "HEAD"})


def _needs_principal(dependant: Dependant) -> bool:
    return any(d.call is current_principal or _needs_principal(d) for d in dependant.dependencies)


async def principal_first(request: Request) -> None:
    """Runs before each route's own dependencies and before its body is validated. On a route that needs
    a token it verifies the token once (kept on the request), so the unit of work knows whose it is;
    and tenant staff or a client naming another tenant in the path get 404 at once: not a 422 about a body, not a
    403 about the role, nothing that tells anything of the other tenant's routes or records."""
    tenant_id = request.path_params.get("tenant_id")
    if isinstance(tenant_id, str) and not TENANT_ID_RE.fullmatch(tenant_id):
        # no tenant can have it: not found, for every caller and before anything is written (a platform
        # admin's write was stored under it, and the answer failed as its id cannot go into a header)
        raise not_found("Tenant")
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or not request.headers.get("authorization"):
        return
    needs = getattr(route, "_seteli_needs_principal", None)
    if needs is None:  # worked out once per route (routes are not hashable: kept on the route itself)
        needs = _needs_principal(dependant)
        route._seteli_needs_principal = needs  # type: ignore[union-attr]
    if not needs:
        return  # a public route answers every caller alike
    principal = await current_principal(request)  # 401 here, as the route's own check would answer
    if isinstance(tenant_id, str):
        guard_tenant(principal, tenant_id)
