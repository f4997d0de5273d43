"""Handlers of other services' events: the read models events needs, and settlement's facts.

Every handler takes the tenant from the envelope and writes only that tenant's rows.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from seteli_common.clock import Clock, SystemClock
from seteli_common.messaging.consumer import MessageContext, PermanentError, Subscription, TransientError
from sqlalchemy import select

from . import repository as repo
from .models import bookings, price_lists, services, tenants, voucher_contents, vouchers
from .recording import Ctx
from .validity import clip_to_validity


def _tenant(ctx: MessageContext) -> str:
    if not ctx.tenant_id:
        raise PermanentError(f"{ctx.envelope.type} without tenant_id")
    return ctx.tenant_id


def _date(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value))


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


read_models = Subscription("read-models")
settlement = Subscription("settlement")


@read_models.on("registry.tenant.created")
async def tenant_created(ctx: MessageContext) -> None:
    p = ctx.envelope.payload
    tenant_id = p.get("tenant_id") or _tenant(ctx)
    await repo.replace(
        ctx.session,
        tenants,
        {"id": tenant_id},
        {"name_fi": p.get("name_fi", ""), "name_sv": p.get("name_sv", "")},
    )


@read_models.on("applications.service.defined")
async def service_defined(ctx: MessageContext) -> None:
    p = ctx.envelope.payload
    await repo.replace(
        ctx.session,
        services,
        {"tenant_id": _tenant(ctx), "id": p["service_id"]},
        {
            "name_fi": p.get("name_fi", ""),
            "name_sv": p.get("name_sv", ""),
            "kind": p.get("kind", "voucher"),
            "auto_recording": bool(p.get("auto_recording", False)),
            "contents": p.get("contents", []),
            # every version (older publishers send only the single rule)
            "interruption_rule": p.get("interruption_rules")
            or ([p["interruption_rule"]] if p.get("interruption_rule") else None),
            "calendar": p.get("calendar"),
        },
    )


@read_models.on("applications.pricelist.approved")
async def pricelist_approved(ctx: MessageContext) -> None:
    p = ctx.envelope.payload
    prices = {str(x["content_id"]): str(x["unit_price"]) for x in p.get("prices", [])}
    await repo.replace(
        ctx.session,
        price_lists,
        {"tenant_id": _tenant(ctx), "id": p["price_list_id"]},
        {
            "service_id": p["service_id"],
            "provider_id": p["provider_id"],
            "producer_part": p.get("producer_part"),
            "name": p.get("name", ""),
            "start": _date(p["start"]),
            "prices": prices,
        },
    )


@read_models.on("vouchers.voucher.granted")
async def voucher_granted(ctx: MessageContext) -> None:
    p = ctx.envelope.payload
    tenant_id = _tenant(ctx)
    await repo.replace(
        ctx.session,
        vouchers,
        {"tenant_id": tenant_id, "id": p["voucher_id"]},
        {
            "number": str(p.get("number", "")),
            "service_id": p["service_id"],
            "client_id": p["client_id"],
            "valid_from": _date(p["valid_from"]),
            "valid_until": _date(p.get("valid_until")),
        },
    )
    for c in p.get("contents", []):
        await repo.replace(
            ctx.session,
            voucher_contents,
            {"tenant_id": tenant_id, "id": c["voucher_content_id"]},
            {
                "voucher_id": p["voucher_id"],
                "content_id": c["content_id"],
                "unit": c["unit"],
                "granted_amount": _dec(c.get("granted_amount")),
                "period": c.get("period"),
                "voucher_value": _dec(c.get("voucher_value")),
            },
        )


async def voucher_closed(ctx: MessageContext, clock: Clock) -> None:
    """The validity ends (an officer closed the voucher, or a death): from now on events after it are
    refused, and what was accepted beyond it and not settled yet is clipped (validity.py)."""
    p = ctx.envelope.payload
    tenant_id = _tenant(ctx)
    if await repo.get(ctx.session, vouchers, tenant_id, p["voucher_id"]) is None:
        raise TransientError("voucher not known yet")
    await repo.update_row(ctx.session, vouchers, tenant_id, p["voucher_id"], valid_until=_date(p.get("valid_until")))
    query = select(bookings.c.id).where(bookings.c.tenant_id == tenant_id, bookings.c.voucher_id == p["voucher_id"])
    booked = await repo.rows(ctx.session, query)
    await clip_to_validity(Ctx(ctx.session, ctx.outbox, clock, tenant_id), [b["id"] for b in booked])


@read_models.on("vouchers.booking.made")
async def booking_made(ctx: MessageContext) -> None:
    p = ctx.envelope.payload
    tenant_id = _tenant(ctx)
    if await repo.get(ctx.session, voucher_contents, tenant_id, p["voucher_content_id"]) is None:
        raise TransientError("the booking's voucher has not arrived yet")
    await repo.replace(
        ctx.session,
        bookings,
        {"tenant_id": tenant_id, "id": p["booking_id"]},
        {
            "voucher_id": p["voucher_id"],
            "voucher_content_id": p["voucher_content_id"],
            "service_id": p["service_id"],
            "content_id": p["content_id"],
            "provider_id": p["provider_id"],
            "producer_part": p.get("producer_part"),
            "client_id": p["client_id"],
            "client_ref": str(p.get("client_ref") or ""),
            "kind": p.get("kind", "voucher"),
        },
    )


async def booking_ended(ctx: MessageContext, clock: Clock) -> None:
    """Events after the booking's last day are refused from now on; those accepted before are clipped."""
    p = ctx.envelope.payload
    tenant_id = _tenant(ctx)
    if await repo.get(ctx.session, bookings, tenant_id, p["booking_id"]) is None:
        raise TransientError("booking not known yet")
    await repo.update_row(ctx.session, bookings, tenant_id, p["booking_id"], ended_on=_date(p["ended_on"]))
    await clip_to_validity(Ctx(ctx.session, ctx.outbox, clock, tenant_id), [p["booking_id"]])


@settlement.on("settlement.events.settled")
async def events_settled(ctx: MessageContext) -> None:
    p = ctx.envelope.payload
    tenant_id, run_id = _tenant(ctx), str(p["run_id"])
    await repo.mark_settled(ctx.session, tenant_id, [str(i) for i in p.get("event_ids", [])], run_id)
    # the interruptions the run paid: from now on only a credit corrects them
    interruption_ids = [str(i) for i in p.get("interruption_ids") or []]
    await repo.mark_interruptions_settled(ctx.session, tenant_id, interruption_ids, run_id)


@settlement.on("settlement.run.completed")
async def run_completed(ctx: MessageContext) -> None:
    """A completed run is recorded per month; the events it lists (if any) are locked. Without a list
    nothing is locked here: ``settlement.events.settled`` names exactly the events paid (an event of a
    payee without billing information, or recorded late, is not paid and stays editable)."""
    p = ctx.envelope.payload
    tenant_id, run_id, month = _tenant(ctx), str(p["run_id"]), str(p["month"])
    await repo.replace(ctx.session, repo.settled_months, {"tenant_id": tenant_id, "month": month}, {"run_id": run_id})
    if p.get("event_ids") is not None:
        await repo.mark_settled(ctx.session, tenant_id, [str(i) for i in p["event_ids"]], run_id)
    if p.get("interruption_ids") is not None:
        await repo.mark_interruptions_settled(ctx.session, tenant_id, [str(i) for i in p["interruption_ids"]], run_id)


def subscriptions(clock: Clock | None = None) -> list[Subscription]:
    """The subscriptions, with the runtime's (injected) clock for the handlers that change events."""
    at = clock or SystemClock()
    models = Subscription(read_models.concern, dict(read_models.handlers))

    @models.on("vouchers.voucher.closed")
    async def closed(ctx: MessageContext) -> None:
        await voucher_closed(ctx, at)

    @models.on("vouchers.booking.ended")
    async def ended(ctx: MessageContext) -> None:
        await booking_ended(ctx, at)

    return [models, settlement]
