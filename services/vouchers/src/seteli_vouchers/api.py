"""Vouchers HTTP API, clients part (bootstrap.py assembles every router). Thin: the use cases do the work."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from seteli_common.auth import TENANT_STAFF, Principal, Role, current_principal, guard_tenant
from seteli_common.errors import forbidden, not_found
from seteli_common.pages import Page

from . import access_repository as access_repo
from . import repository as repo
from . import service
from .api_deps import context, purpose, staff, tenant_staff
from .grants import load_views
from .schemas import (
    AccessLogOut,
    ClientDetailOut,
    ClientIn,
    ClientOut,
    ClientProviderOut,
    DeathIn,
    DeathOut,
    IdentityCodeSearchIn,
    VoucherOut,
)
from .service import Actor, VouchersContext

router = APIRouter(prefix="/v1/tenants/{tenant_id}", tags=["clients"])


@router.post("/clients", status_code=201, response_model=ClientOut)
async def register_client(
    tenant_id: str,
    body: ClientIn,
    ctx: VouchersContext = Depends(context),
    principal: Principal = Depends(staff),
) -> dict[str, Any]:
    tenant_staff(tenant_id, principal)
    return await service.register_client(ctx, tenant_id, body.model_dump(mode="json"))


@router.get("/clients", response_model=Page[ClientOut])
async def list_clients(
    tenant_id: str,
    request: Request,
    name: str | None = Query(None, max_length=100),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0),
    ctx: VouchersContext = Depends(context),
    principal: Principal = Depends(staff),
) -> dict[str, Any]:
    tenant_staff(tenant_id, principal)
    items, total = await service.list_clients(
        ctx, tenant_id, name, limit, offset, Actor.of(principal), purpose(request, "client list")
    )
    return {"items": items, "total": total}


@router.post("/clients/search", response_model=ClientDetailOut)
async def find_by_identity_code(
    tenant_id: str,
    body: IdentityCodeSearchIn,
    request: Request,
    ctx: VouchersContext = Depends(context),
    principal: Principal = Depends(staff),
) -> dict[str, Any]:
    """By identity code, sent in the body so that it never appears in a URL."""
    tenant_staff(tenant_id, principal)
    return await service.find_client_by_identity_code(
        ctx, tenant_id, body.identity_code, Actor.of(principal), purpose(request, "client search")
    )


@router.get("/clients/{client_id}", response_model=ClientDetailOut)
async def client_details(
    tenant_id: str,
    client_id: str,
    request: Request,
    ctx: VouchersContext = Depends(context),
    principal: Principal = Depends(staff),
) -> dict[str, Any]:
    tenant_staff(tenant_id, principal)
    return await service.client_details(
        ctx, tenant_id, client_id, Actor.of(principal), purpose(request, "client details")
    )


@router.get("/clients/{client_id}/vouchers", response_model=Page[VoucherOut])
async def client_vouchers(
    tenant_id: str,
    client_id: str,
    request: Request,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0),
    ctx: VouchersContext = Depends(context),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    """A client's vouchers with their numbers and verification codes: for the tenant's staff, and for the
    client themself (signed in with strong identity), who gives the number and code to a provider."""
    await _the_client_or_staff(ctx, principal, tenant_id, client_id, "A client's vouchers")
    rows = await repo.vouchers_of_client(ctx.session, tenant_id, client_id)
    page = rows[offset : offset + limit]
    await service.log_reads(
        ctx,
        tenant_id,
        [client_id],
        Actor.of(principal),
        "client.vouchers",
        purpose(request, "client's vouchers"),
    )
    return {"items": await load_views(ctx, tenant_id, page, with_code=True), "total": len(rows)}


async def _the_client_or_staff(ctx: VouchersContext, principal: Principal, tenant_id: str, client_id: str,
                               what: str) -> None:
    """The client themself (signed in with strong identity) or the tenant's staff; anyone else is refused."""
    if principal.role == Role.CLIENT:
        if principal.client_id != client_id or (principal.tenant_id and principal.tenant_id != tenant_id):
            raise not_found("Client")
    elif principal.role in TENANT_STAFF:
        tenant_staff(tenant_id, principal)
    else:
        raise forbidden(f"{what} are for the tenant's staff and the client")
    if await repo.get_client(ctx.session, tenant_id, client_id) is None:
        raise not_found("Client")


@router.get("/clients/{client_id}/providers", response_model=Page[ClientProviderOut])
async def client_providers(
    tenant_id: str,
    client_id: str,
    request: Request,
    ctx: VouchersContext = Depends(context),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    """The providers who care or cared for the client (a booking, ended or not), by name: whom the client can
    give feedback about (004 §4.4), for the client themself and the tenant's staff."""
    await _the_client_or_staff(ctx, principal, tenant_id, client_id, "A client's providers")
    items = await repo.providers_of_client(ctx.session, tenant_id, client_id)
    await service.log_reads(ctx, tenant_id, [client_id], Actor.of(principal), "client.providers",
                            purpose(request, "client's providers"))
    return {"items": items, "total": len(items)}


@router.post("/clients/{client_id}/death", response_model=DeathOut)
async def record_death(
    tenant_id: str,
    client_id: str,
    body: DeathIn,
    ctx: VouchersContext = Depends(context),
    principal: Principal = Depends(staff),
) -> dict[str, Any]:
    tenant_staff(tenant_id, principal)
    return await service.record_death(ctx, tenant_id, client_id, body.date_of_death)


@router.get("/clients/{client_id}/access-log", response_model=Page[AccessLogOut])
async def access_log(
    tenant_id: str,
    client_id: str,
    request: Request,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    ctx: VouchersContext = Depends(context),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    """The client's right to know who used their data: tenant staff, or the client themself."""
    if principal.role in TENANT_STAFF:
        guard_tenant(principal, tenant_id)
    elif principal.role == Role.CLIENT:
        if principal.client_id != client_id or (principal.tenant_id and principal.tenant_id != tenant_id):
            raise not_found("Client")
    elif principal.role != Role.PLATFORM_ADMIN:
        raise not_found("Client")
    if await repo.get_client(ctx.session, tenant_id, client_id) is None:
        raise not_found("Client")
    items, total = await access_repo.access_log_of(ctx.session, tenant_id, client_id, limit, offset)
    if principal.role != Role.CLIENT:
        # who dealt with the client (providers, services, officers) is the client's data too: logged after the page
        # is read, so that it shows the reads before this one; the client's own look at the log is not (it answers
        # who else read their data)
        await service.log_reads(ctx, tenant_id, [client_id], Actor.of(principal), "client.access_log",
                                purpose(request, "access log"))
    return {"items": items, "total": total}
