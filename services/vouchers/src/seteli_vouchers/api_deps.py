"""What the vouchers API modules share: the request's use-case context, the role guards, why personal data is
read (X-Purpose) and the provider's guard against harvesting voucher numbers. The API modules (api.py,
api_vouchers.py, api_bookings.py) import this one and never each other; bootstrap.py assembles their routers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Depends, Request
from seteli_common.auth import Principal, Role, guard_tenant, require_roles
from seteli_common.db import after_unit
from seteli_common.errors import ProblemError, forbidden
from seteli_common.web import after_writes, db_session
from sqlalchemy.ext.asyncio import AsyncSession

from . import lookup
from .domain import Refusal
from .service import VouchersContext

staff = require_roles(Role.TENANT_ADMIN, Role.TENANT_OFFICER)
provider_staff = require_roles(Role.PROVIDER_ADMIN, Role.PROVIDER_USER)


async def context(request: Request, session: AsyncSession = Depends(db_session, scope="function")) -> VouchersContext:
    runtime = request.app.state.runtime
    return VouchersContext(session, runtime.outbox, runtime.clock, settings=runtime.settings,
                           after=after_writes(request))


def purpose(request: Request, default: str) -> str:
    """Why personal data is read: the caller may say it in X-Purpose; the endpoint's purpose otherwise."""
    return (request.headers.get("x-purpose") or default).strip()[:200]


def caller_address(request: Request) -> str:
    """The browser behind a public call: the portal, this API's only caller (its NetworkPolicy lets nobody else
    in), names it first in X-Forwarded-For; uvicorn's proxy headers do the same where it runs them."""
    forwarded = request.headers.get("x-forwarded-for", "").split(",")[0].strip()
    return forwarded or (request.client.host if request.client else "unknown")


def tenant_staff(tenant_id: str, principal: Principal) -> Principal:
    guard_tenant(principal, tenant_id)
    return principal


def provider_of(principal: Principal) -> str:
    if not principal.provider_id:
        raise forbidden("The token names no provider")
    return principal.provider_id


# The answer of a route that starts from a voucher number when its provider is locked out for a while.
THROTTLED: dict[int | str, dict[str, Any]] = {
    429: {"description": "Too many unknown voucher numbers: try again after Retry-After seconds"}}


async def provider_number_guard(
    request: Request,
    ctx: VouchersContext,
    tenant_id: str,
    provider_id: str,
    number: str,
    call: Callable[[], Awaitable[Any]],
) -> Any:
    """Runs a provider's use case that starts from a voucher number; unknown numbers count against the
    provider, and too many of them lock it out for a while, so that numbers cannot be harvested."""
    if await lookup.provider_throttled(ctx, tenant_id, provider_id):
        raise ProblemError(
            429,
            "Too many attempts",
            "Too many unknown voucher numbers; try again later",
            extra={"retry_after": ctx.settings.lookup_window_seconds},
            retry_after_seconds=ctx.settings.lookup_window_seconds,  # the header a client reads
        )
    try:
        return await call()
    except ProblemError as exc:
        if exc.extra.get("reason") == Refusal.VOUCHER_UNKNOWN.value:
            runtime = request.app.state.runtime
            # once this request's unit has rolled back: a unit opened inside it would wait for its lock (SQLite)
            after_unit(ctx.session, lambda: lookup.record_provider_miss(runtime, tenant_id, provider_id, number))
        raise
