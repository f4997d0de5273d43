"""Bookings HTTP API: provider bookings, officers' purchased-service bookings, provider's clients."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from seteli_common.auth import PROVIDER_STAFF, TENANT_STAFF, Principal, Role, current_principal, guard_tenant
from seteli_common.errors import forbidden
from seteli_common.idempotency import IdempotencyKey
from seteli_common.pages import Page

from . import bookings, idempotency, provider_clients
from . import repository as repo
from .api_deps import THROTTLED, context, provider_number_guard, provider_of, provider_staff, purpose, staff
from .provider_clients import ProviderViewer
from .schemas import (
    BookingEndIn,
    BookingIn,
    BookingOut,
    ClientNumberIn,
    ProviderClientOut,
    ProviderClientSearchIn,
    PurchaseIn,
)
from .service import Actor, VouchersContext, log_reads

router = APIRouter(prefix="/v1/tenants/{tenant_id}", tags=["bookings"])


@router.post("/bookings", status_code=201, response_model=BookingOut, responses=THROTTLED)
async def book(
    tenant_id: str,
    body: BookingIn,
    request: Request,
    ctx: VouchersContext = Depends(context),
    principal: Principal = Depends(provider_staff),
    idempotency_key: IdempotencyKey = None,
) -> Any:
    provider_id = provider_of(principal)
    return await provider_number_guard(
        request,
        ctx,
        tenant_id,
        provider_id,
        body.voucher_number,
        lambda: idempotency.once(
            ctx,
            tenant_id,
            f"book:{provider_id}:{principal.subject}",
            idempotency_key,
            body,
            BookingOut,
            lambda: bookings.book(ctx, tenant_id, principal, provider_id, body.model_dump()),
        ),
    )


@router.get("/bookings", response_model=Page[BookingOut])
async def list_bookings(
    tenant_id: str,
    request: Request,
    voucher_id: str | None = Query(None, max_length=36),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0),
    ctx: VouchersContext = Depends(context),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    """A provider's own bookings; the tenant's staff see every booking of the tenant. Newest first."""
    provider_id = _provider_or_tenant_staff(principal, tenant_id)
    rows, total = await repo.list_bookings(
        ctx.session,
        tenant_id,
        provider_id=provider_id,
        voucher_id=voucher_id,
        limit=limit,
        offset=offset,
        services=_team_services(principal, tenant_id),
    )
    items = await bookings.listed_bookings(ctx, tenant_id, rows)
    # who cares for a client, in which service, from when: the client's data, in their access log
    shown = [r["client_id"] for r in rows]
    if voucher_id and len(rows) < total:  # one voucher's number of bookings is its client's, rows on the page or not
        voucher = await repo.get_voucher(ctx.session, tenant_id, voucher_id)
        shown += [voucher["client_id"]] if voucher else []
    await log_reads(ctx, tenant_id, shown, Actor.of(principal), "booking.list", purpose(request, "bookings"))
    return {"items": items, "total": total}


def _team_services(principal: Principal, tenant_id: str) -> frozenset[str] | None:
    """A provider user's service teams in this tenant; None for everyone else (the main user, staff)."""
    return ProviderViewer.of(principal, tenant_id).services if principal.role == Role.PROVIDER_USER else None


def _provider_or_tenant_staff(principal: Principal, tenant_id: str) -> str | None:
    """None for the tenant's staff (all providers), else the caller's provider."""
    if principal.role in TENANT_STAFF or principal.role == Role.PLATFORM_ADMIN:
        guard_tenant(principal, tenant_id)
        return None
    if principal.role in PROVIDER_STAFF:
        return provider_of(principal)
    raise forbidden("Requires tenant or provider staff")


@router.get("/bookings/{booking_id}", response_model=BookingOut)
async def my_booking(
    tenant_id: str,
    booking_id: str,
    request: Request,
    ctx: VouchersContext = Depends(context),
    principal: Principal = Depends(provider_staff),
) -> dict[str, Any]:
    row = await bookings.provider_booking_row(
        ctx, tenant_id, provider_of(principal), booking_id, _team_services(principal, tenant_id)
    )
    booking = await bookings.booking_view(ctx, tenant_id, row)
    await log_reads(ctx, tenant_id, [row["client_id"]], Actor.of(principal), "booking.details",
                    purpose(request, "booking"))
    return booking


@router.post("/bookings/{booking_id}/end", response_model=BookingOut)
async def end_booking(
    tenant_id: str,
    booking_id: str,
    body: BookingEndIn,
    request: Request,
    ctx: VouchersContext = Depends(context),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    """The booking's provider, or the tenant's staff, ends a booking; the content can then be booked again."""
    provider_id = _provider_or_tenant_staff(principal, tenant_id)
    return await bookings.end_booking(
        ctx, tenant_id, booking_id, provider_id, body.ended_on, body.reason, _team_services(principal, tenant_id),
        reader=(Actor.of(principal), purpose(request, "booking")),
    )


@router.post("/purchases", status_code=201, response_model=BookingOut)
async def book_purchase(
    tenant_id: str,
    body: PurchaseIn,
    ctx: VouchersContext = Depends(context),
    principal: Principal = Depends(staff),
    idempotency_key: IdempotencyKey = None,
) -> Any:
    guard_tenant(principal, tenant_id)
    return await idempotency.once(
        ctx,
        tenant_id,
        f"purchase:{principal.subject}",
        idempotency_key,
        body,
        BookingOut,
        lambda: bookings.book_purchase(ctx, tenant_id, principal, body.model_dump()),
    )


@router.post("/provider-clients/search", response_model=Page[ProviderClientOut])
async def search_clients(
    tenant_id: str,
    body: ProviderClientSearchIn,
    ctx: VouchersContext = Depends(context),
    principal: Principal = Depends(provider_staff),
) -> dict[str, Any]:
    """By name, identity code (in the body, never the URL) or voucher number: only clients the provider
    has a relationship with (an event in the last 3 years or a valid booking)."""
    items, total = await provider_clients.search(
        ctx,
        tenant_id,
        ProviderViewer.of(principal, tenant_id),
        name=body.name,
        identity_code=body.identity_code,
        voucher_number=body.voucher_number,
        limit=body.limit,
        offset=body.offset,
    )
    return {"items": items, "total": total}


@router.get("/provider-clients/{client_id}", response_model=ProviderClientOut)
async def provider_client(
    tenant_id: str,
    client_id: str,
    ctx: VouchersContext = Depends(context),
    principal: Principal = Depends(provider_staff),
) -> dict[str, Any]:
    return await provider_clients.visible_client(ctx, tenant_id, ProviderViewer.of(principal, tenant_id), client_id)


@router.put("/provider-clients/{client_id}/client-number", response_model=ProviderClientOut)
async def set_client_number(
    tenant_id: str,
    client_id: str,
    body: ClientNumberIn,
    ctx: VouchersContext = Depends(context),
    principal: Principal = Depends(provider_staff),
) -> dict[str, Any]:
    viewer = ProviderViewer.of(principal, tenant_id)
    return await provider_clients.set_client_number(ctx, tenant_id, viewer, client_id, body.client_number)
