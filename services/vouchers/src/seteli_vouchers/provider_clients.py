"""A provider's view of clients: only those with an event with it in the last 3 years or a valid booking,
and for a provider user only through the services whose teams the user is in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from seteli_common.auth import Principal, Role
from seteli_common.errors import conflict, forbidden, invalid, not_found
from seteli_common.validators import ValidationFailed, validate_identity_code
from sqlalchemy.exc import IntegrityError

from . import access_repository as access_repo
from . import repository as repo
from .domain import normalise_number, visibility_cutoff
from .events import ClientNumberChanged
from .service import Actor, VouchersContext, log_reads


@dataclass(frozen=True)
class ProviderViewer:
    provider_id: str
    actor: Actor
    services: frozenset[str] | None  # None: every service (the provider's main user)

    @classmethod
    def of(cls, principal: Principal, tenant_id: str) -> ProviderViewer:
        if not principal.provider_id:
            raise forbidden("The token names no provider")
        services = None
        if principal.role == Role.PROVIDER_USER:
            prefix = f"{tenant_id}:"
            services = frozenset(t.removeprefix(prefix) for t in principal.teams if t.startswith(prefix))
        return cls(principal.provider_id, Actor.of(principal), services)


def _cutoff(ctx: VouchersContext) -> date:
    return visibility_cutoff(ctx.today(), ctx.settings.client_visibility_years)


def _out(row: dict[str, Any]) -> dict[str, Any]:
    # Never the identity code: a provider searching by it already knows it.
    keys = ("id", "first_name", "last_name", "language", "reference")
    return {**{k: row[k] for k in keys}, "client_number": row.get("client_number")}


async def search(
    ctx: VouchersContext,
    tenant_id: str,
    viewer: ProviderViewer,
    *,
    name: str | None,
    identity_code: str | None,
    voucher_number: str | None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    if identity_code:
        try:
            identity_code = validate_identity_code(identity_code)
        except ValidationFailed as exc:
            raise invalid("identity_code", exc.reason) from exc
    rows, total = await access_repo.search_provider_clients(
        ctx.session,
        tenant_id,
        viewer.provider_id,
        ctx.today(),
        _cutoff(ctx),
        name=name,
        identity_code=identity_code,
        voucher_number=normalise_number(voucher_number) if voucher_number else None,
        limit=limit,
        offset=offset,
        services=viewer.services,
    )
    await log_reads(
        ctx,
        tenant_id,
        [r["id"] for r in rows],
        viewer.actor,
        "client.provider_search",
        "provider client search",
    )
    return [_out(r) for r in rows], total


async def _require_visible(ctx: VouchersContext, tenant_id: str, viewer: ProviderViewer, client_id: str) -> None:
    if not await access_repo.provider_sees_client(
        ctx.session, tenant_id, viewer.provider_id, client_id, ctx.today(), _cutoff(ctx), viewer.services
    ):
        raise not_found("Client")


async def visible_client(
    ctx: VouchersContext, tenant_id: str, viewer: ProviderViewer, client_id: str
) -> dict[str, Any]:
    await _require_visible(ctx, tenant_id, viewer, client_id)
    client = await access_repo.client_with_number(ctx.session, tenant_id, viewer.provider_id, client_id)
    assert client is not None
    await log_reads(ctx, tenant_id, [client_id], viewer.actor, "client.provider_view", "provider client view")
    return _out(client)


async def store_client_number(
    ctx: VouchersContext, tenant_id: str, provider_id: str, client_id: str, number: str
) -> None:
    taken = conflict("Your company already gave this client number to another client", field="client_number",
                     code="client_number_taken")
    owner = await access_repo.client_number_owner(ctx.session, tenant_id, provider_id, number)
    if owner is not None and owner != (tenant_id, client_id):
        raise taken
    before = await access_repo.client_number(ctx.session, tenant_id, provider_id, client_id)
    if before == number:
        return
    try:
        async with ctx.session.begin_nested():
            await access_repo.put_client_number(
                ctx.session, tenant_id, provider_id, client_id, number, ctx.clock.now()
            )
    except IntegrityError as exc:  # a concurrent numbering with the same number won
        raise taken from exc
    # events and settlement name the client by the number too, also on what they recorded before it
    client = await repo.get_client(ctx.session, tenant_id, client_id)
    previous = [str(client["reference"])] if client else []
    await ctx.outbox.add(
        ctx.session,
        ClientNumberChanged(provider_id=provider_id, client_id=client_id, client_ref=number,
                            previous_refs=[*previous, *([before] if before else [])]),
        tenant_id=tenant_id,
    )


async def set_client_number(
    ctx: VouchersContext, tenant_id: str, viewer: ProviderViewer, client_id: str, number: str
) -> dict[str, Any]:
    await _require_visible(ctx, tenant_id, viewer, client_id)
    await store_client_number(ctx, tenant_id, viewer.provider_id, client_id, number)
    return await visible_client(ctx, tenant_id, viewer, client_id)
