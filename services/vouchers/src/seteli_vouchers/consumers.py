"""Read models of other services' facts: tenants, providers and sites, services, approvals, price lists,
recorded events (which open vouchers and make clients visible to providers)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from seteli_common.clock import Clock, SystemClock
from seteli_common.messaging.consumer import MessageContext, PermanentError, Subscription

from . import access_repository as access_repo
from . import grants
from . import repository as repo
from .config import VouchersSettings
from .models import approvals, price_lists, providers, recorded_events, service_contents, services, tenants
from .service import VouchersContext


def _tenant(ctx: MessageContext) -> str:
    tenant_id = ctx.envelope.tenant_id or ctx.envelope.payload.get("tenant_id")
    if not tenant_id:
        raise PermanentError("event without a tenant")
    return str(tenant_id)


def subscriptions(clock: Clock | None = None, settings: VouchersSettings | None = None) -> list[Subscription]:
    registry = Subscription("registry")
    applications = Subscription("applications")
    charges = Subscription("events")
    access = Subscription("access")  # reads of client data in other services, for the access log

    @registry.on("registry.tenant.created")
    async def tenant_created(ctx: MessageContext) -> None:
        p = ctx.envelope.payload
        await repo.upsert(
            ctx.session,
            tenants,
            {"id": _tenant(ctx), "name_fi": p["name_fi"], "name_sv": p["name_sv"]},
            ["id"],
        )

    @registry.on("registry.provider.registered")
    async def provider_registered(ctx: MessageContext) -> None:
        p = ctx.envelope.payload
        await repo.upsert(
            ctx.session,
            providers,
            {
                "id": p["provider_id"],
                "name": p["name"],
                "email": p.get("email") or "",
                "language": p.get("language") or "fi",
            },
            ["id"],
        )
        await repo.replace_sites(
            ctx.session,
            p["provider_id"],
            [
                {
                    "id": s["site_id"],
                    "name": s["name"],
                    "notification_email": s.get("notification_email") or "",
                }
                for s in p.get("sites", [])
            ],
        )

    @applications.on("applications.service.defined")
    async def service_defined(ctx: MessageContext) -> None:
        p, tenant_id = ctx.envelope.payload, _tenant(ctx)
        await repo.upsert(
            ctx.session,
            services,
            {
                "tenant_id": tenant_id,
                "id": p["service_id"],
                "name_fi": p["name_fi"],
                "name_sv": p["name_sv"],
                "kind": p["kind"],
                "auto_recording": bool(p.get("auto_recording", False)),
            },
            ["tenant_id", "id"],
        )
        for c in p.get("contents", []):
            await repo.upsert(
                ctx.session,
                service_contents,
                {
                    "tenant_id": tenant_id,
                    "service_id": p["service_id"],
                    "content_id": c["content_id"],
                    "name_fi": c["name_fi"],
                    "name_sv": c["name_sv"],
                    "unit": c["unit"],
                    "client_pays": bool(c.get("client_pays", False)),
                },
                ["tenant_id", "service_id", "content_id"],
            )

    @applications.on("applications.application.approved")
    async def application_approved(ctx: MessageContext) -> None:
        p = ctx.envelope.payload
        await repo.upsert(
            ctx.session,
            approvals,
            {
                "tenant_id": _tenant(ctx),
                "service_id": p["service_id"],
                "provider_id": p["provider_id"],
                "application_id": p["application_id"],
                "site_ids": list(p.get("site_ids") or []),
            },
            ["tenant_id", "service_id", "provider_id"],
        )

    @applications.on("applications.pricelist.approved")
    async def pricelist_approved(ctx: MessageContext) -> None:
        p = ctx.envelope.payload
        await repo.upsert(
            ctx.session,
            price_lists,
            {
                "tenant_id": _tenant(ctx),
                "id": p["price_list_id"],
                "service_id": p["service_id"],
                "provider_id": p["provider_id"],
                "producer_part": p.get("producer_part"),
                "name": p.get("name", ""),
                "start": date.fromisoformat(p["start"]),
                "prices": [
                    {"content_id": x["content_id"], "unit_price": str(x["unit_price"])} for x in p.get("prices", [])
                ],
            },
            ["tenant_id", "id"],
        )

    @charges.on("events.event.recorded")
    async def event_recorded(ctx: MessageContext) -> None:
        p, tenant_id = ctx.envelope.payload, _tenant(ctx)
        if not p.get("voucher_id"):
            return
        revision = int(p.get("revision") or 0)
        existing = await access_repo.get_recorded_event(ctx.session, tenant_id, str(p["event_id"]))
        if existing is not None and existing["revision"] > revision:
            return  # an older revision arriving late
        row: dict[str, Any] = {
            "tenant_id": tenant_id,
            "event_id": str(p["event_id"]),
            "revision": revision,
            "voucher_id": p["voucher_id"],
            "provider_id": p["provider_id"],
            "content_id": p.get("content_id"),
            "client_ref": p.get("client_ref"),
            "start": date.fromisoformat(str(p["start"])[:10]),
            "units": Decimal(str(p.get("units") or 0)),
            "amount_tenant": Decimal(str(p.get("amount_tenant") or 0)),
            "status": p.get("status") or "recorded",
        }
        await repo.upsert(ctx.session, recorded_events, row, ["tenant_id", "event_id"])
        vctx = VouchersContext(ctx.session, ctx.outbox, clock or SystemClock(), settings or VouchersSettings())
        await grants.on_event_recorded(vctx, tenant_id, row)

    @access.on("events.client_data.read")
    async def read_in_events(ctx: MessageContext) -> None:
        await _log_read(ctx, [str(c) for c in ctx.envelope.payload.get("client_ids") or []])

    @access.on("settlement.client_data.read")
    async def read_in_settlement(ctx: MessageContext) -> None:
        refs = [(str(c["provider_id"]), str(c["client_ref"])) for c in ctx.envelope.payload.get("clients") or []]
        await _log_read(ctx, await access_repo.clients_by_refs(ctx.session, _tenant(ctx), refs))

    return [registry, applications, charges, access]


async def _log_read(ctx: MessageContext, client_ids: list[str]) -> None:
    """Another service showed these clients' data: the same access log as vouchers' own reads (the
    inbox keeps a redelivered message from logging twice)."""
    p, tenant_id = ctx.envelope.payload, _tenant(ctx)
    at = datetime.fromisoformat(str(p["at"])) if p.get("at") else ctx.envelope.occurred_at
    await access_repo.log_access(
        ctx.session,
        [
            {
                "tenant_id": tenant_id,
                "client_id": cid,
                "at": at,
                "actor": str(p.get("actor") or "unknown")[:100],
                "actor_role": str(p.get("actor_role") or "unknown")[:30],
                "actor_org": p.get("actor_org"),
                "what": str(p.get("what") or ctx.envelope.type)[:100],
                "why": str(p.get("why") or "")[:200],
            }
            for cid in dict.fromkeys(client_ids)
        ],
    )
