"""Read models of other services' facts: tenants, providers with their sites, units and employees, services,
approvals, price lists, recorded events (which open vouchers and make clients visible to providers)."""

from __future__ import annotations

from datetime import UTC, date
from decimal import Decimal
from typing import Any

from seteli_common.clock import Clock, SystemClock
from seteli_common.messaging.consumer import MessageContext, PermanentError, Subscription, TransientError

from . import access_repository as access_repo
from . import grants
from . import repository as repo
from .config import VouchersSettings
from .contracts import (
    ApplicationApprovedIn,
    ClientDataDisclosedIn,
    ClientDataReadIn,
    CreditIn,
    EmployeeIn,
    EventDecidedIn,
    EventDeletedIn,
    EventRecordedIn,
    EventsClientDataReadIn,
    PriceListApprovedIn,
    ProviderRegisteredIn,
    ProviderRenamedIn,
    ServiceDefinedIn,
    SettlementClientDataReadIn,
    SiteChangedIn,
    TenantCreatedIn,
    TenantFact,
    UnitsChangedIn,
)
from .models import price_lists, providers, recorded_events, service_contents, services, tenants
from .service import VouchersContext


def _tenant(ctx: MessageContext, p: TenantFact) -> str:
    tenant_id = ctx.envelope.tenant_id or p.tenant_id
    if not tenant_id:
        raise PermanentError("event without a tenant")
    return str(tenant_id)


def subscriptions(clock: Clock | None = None, settings: VouchersSettings | None = None) -> list[Subscription]:
    registry = Subscription("registry")
    applications = Subscription("applications")
    charges = Subscription("events")
    access = Subscription("access")  # reads of client data in other services, for the access log

    def _vctx(ctx: MessageContext) -> VouchersContext:
        return VouchersContext(ctx.session, ctx.outbox, clock or SystemClock(), settings=settings or VouchersSettings())

    @registry.on("registry.tenant.created", model=TenantCreatedIn)
    async def tenant_created(ctx: MessageContext, p: TenantCreatedIn) -> None:
        await repo.upsert(
            ctx.session,
            tenants,
            {"id": _tenant(ctx, p), "name_fi": p.name_fi, "name_sv": p.name_sv},
            ["id"],
        )

    @registry.on("registry.provider.registered", model=ProviderRegisteredIn)
    async def provider_registered(ctx: MessageContext, p: ProviderRegisteredIn) -> None:
        await repo.upsert(
            ctx.session,
            providers,
            {
                "id": p.provider_id,
                "email": p.email or "",
                "language": p.language or "fi",
                "name": p.name,
            },
            ["id"],
            where=repo.stated_no_later_than(providers, ctx.envelope.occurred_at),  # a rename kept stays
        )
        await repo.rename_provider(ctx.session, p.provider_id, p.name, ctx.envelope.occurred_at)
        await repo.replace_sites(
            ctx.session,
            p.provider_id,
            [{"id": s.site_id, "name": s.name, "notification_email": s.notification_email or ""} for s in p.sites],
            ctx.envelope.occurred_at,
        )

    @registry.on("registry.provider.renamed", model=ProviderRenamedIn)
    async def provider_renamed(ctx: MessageContext, p: ProviderRenamedIn) -> None:
        """Bookings and the client's list of their providers name the company as it is named now."""
        if not await repo.rename_provider(ctx.session, p.provider_id, p.name, ctx.envelope.occurred_at):
            raise TransientError("provider not known yet")  # its registration is on the way: retried

    async def site_changed(ctx: MessageContext, p: SiteChangedIn) -> None:
        await repo.replace_sites(ctx.session, p.provider_id, [
            {"id": p.site_id, "name": p.name, "notification_email": p.notification_email or ""}],
            ctx.envelope.occurred_at)

    registry.on("registry.site.added", model=SiteChangedIn)(site_changed)
    registry.on("registry.site.changed", model=SiteChangedIn)(site_changed)

    @registry.on("registry.provider.units_changed", model=UnitsChangedIn)
    async def units_changed(ctx: MessageContext, p: UnitsChangedIn) -> None:
        """The newest list wins (an older one arriving late changes nothing); every name ever listed is
        kept, so a booking of a removed or renamed unit is still named."""
        known = await repo.provider_units_of(ctx.session, p.provider_id)
        ever = list(dict.fromkeys([*(known["ever"] if known else []), *p.units]))
        await repo.save_provider_units(ctx.session, p.provider_id, list(dict.fromkeys(p.units)), ever, p.changed_at)

    async def employee(ctx: MessageContext, p: EmployeeIn) -> None:
        await repo.save_employee(ctx.session, {"id": p.employee_id, "provider_id": p.provider_id, "name": p.name,
                                               "email": p.email, "site_id": p.site_id,
                                               "named_at": ctx.envelope.occurred_at, "removed_at": p.removed_at})

    for event_type in ("registry.employee.added", "registry.employee.changed", "registry.employee.removed"):
        registry.on(event_type, model=EmployeeIn)(employee)

    @applications.on("applications.service.defined", model=ServiceDefinedIn)
    async def service_defined(ctx: MessageContext, p: ServiceDefinedIn) -> None:
        tenant_id = _tenant(ctx, p)
        at = ctx.envelope.occurred_at
        if await repo.newer_service_definition_kept(ctx.session, tenant_id, p.service_id, at):
            return  # an older definition heard late: the newer one (its contents and their ends) stands
        await repo.upsert(
            ctx.session,
            services,
            {
                "tenant_id": tenant_id,
                "id": p.service_id,
                "name_fi": p.name_fi,
                "name_sv": p.name_sv,
                "kind": p.kind,
                "auto_recording": p.auto_recording,
                "defined_at": at.astimezone(UTC),
            },
            ["tenant_id", "id"],
        )
        for c in p.contents:
            await repo.upsert(
                ctx.session,
                service_contents,
                {
                    "tenant_id": tenant_id,
                    "service_id": p.service_id,
                    "content_id": c.content_id,
                    "name_fi": c.name_fi,
                    "name_sv": c.name_sv,
                    "unit": c.unit,
                    "client_pays": c.client_pays,
                    "ended_from": date.fromisoformat(c.ended_from) if c.ended_from else None,
                },
                ["tenant_id", "service_id", "content_id"],
            )

    @applications.on("applications.application.approved", model=ApplicationApprovedIn)
    async def application_approved(ctx: MessageContext, p: ApplicationApprovedIn) -> None:
        await repo.save_approval(
            ctx.session,
            {
                "tenant_id": _tenant(ctx, p),
                "service_id": p.service_id,
                "provider_id": p.provider_id,
                "application_id": p.application_id,
                "site_ids": list(p.site_ids or []),
            },
            ctx.envelope.occurred_at,
        )

    @applications.on("applications.pricelist.approved", model=PriceListApprovedIn)
    async def pricelist_approved(ctx: MessageContext, p: PriceListApprovedIn) -> None:
        await repo.upsert(
            ctx.session,
            price_lists,
            {
                "tenant_id": _tenant(ctx, p),
                "id": p.price_list_id,
                "service_id": p.service_id,
                "provider_id": p.provider_id,
                "producer_part": p.producer_part,
                "name": p.name,
                "start": date.fromisoformat(p.start),
                "prices": [{"content_id": x.content_id, "unit_price": x.unit_price} for x in p.prices],
            },
            ["tenant_id", "id"],
        )

    # A correction (shortened, re-valued) replaces what the event charged: the amount left counts it as it is now.
    @charges.on("events.event.corrected", model=EventRecordedIn)
    @charges.on("events.event.recorded", model=EventRecordedIn)
    async def event_recorded(ctx: MessageContext, p: EventRecordedIn) -> None:
        tenant_id = _tenant(ctx, p)
        if not p.voucher_id:
            return
        revision = p.revision or 0
        row: dict[str, Any] = {
            "tenant_id": tenant_id,
            "event_id": p.event_id,
            "revision": revision,
            "voucher_id": p.voucher_id,
            "provider_id": p.provider_id,
            "content_id": p.content_id,
            "client_ref": p.client_ref,
            "start": p.start,
            "end": p.end or p.start,
            "units": p.units if p.units is not None else Decimal(0),
            "amount_tenant": p.amount_tenant if p.amount_tenant is not None else Decimal(0),
            "status": p.status or "recorded",
        }
        # one statement reads the row, the early facts and the credits, and saves a charge nothing is known of yet
        # (each new one: the read and the save were two statements)
        existing, early, credited, saved = await access_repo.record_if_new(ctx.session, row)
        if saved:
            await grants.on_event_recorded(_vctx(ctx), tenant_id, {**row, "credited": False})
            return
        if existing is not None and existing["revision"] > revision:
            return  # an older revision arriving late
        if existing is not None and existing["status"] == "rejected" and existing["revision"] >= revision:
            return  # the revision the officer rejected, arriving again
        if existing is not None and existing["status"] == "deleted":
            return  # deleted (final in the events service): a revision before the deletion arriving after it
        if early is not None:  # applied below: taken away
            await access_repo.drop_early_facts(ctx.session, tenant_id, p.event_id)
        if existing is None:  # credited before this recording reached here (a credit older than event_credits: early)
            row["credited"] = credited or bool(early and early["credited"])
        if early is not None and existing is None:  # deleted before this recording reached here
            if early["deleted"]:
                row["status"] = "deleted"
        if early is not None and early["decision"]:
            decided_revision = early["decision_revision"] or 0
            if decided_revision == revision and row["status"] == "awaiting_approval":  # decided before it came
                row["status"] = early["decision"]
            elif decided_revision > revision:  # a decision on a later revision: kept for that recording
                await access_repo.note_early_fact(ctx.session, tenant_id, p.event_id, decision=early["decision"],
                                                  decision_revision=decided_revision)
        await access_repo.save_recorded_event(ctx.session, row)
        await grants.on_event_recorded(_vctx(ctx), tenant_id, row)

    @charges.on("events.event.deleted", model=EventDeletedIn)
    async def event_deleted(ctx: MessageContext, p: EventDeletedIn) -> None:
        """A deleted event charges the voucher nothing (`access_repository.usages` leaves it out). One not
        known here yet is kept as deleted for its recording, which a retry brings later (every event's, a purchased
        service's too: it names its commitment's voucher); the recording takes the fact away."""
        tenant_id = _tenant(ctx, p)
        existing = await access_repo.get_recorded_event(ctx.session, tenant_id, p.event_id)
        if existing is None:
            await access_repo.note_early_fact(ctx.session, tenant_id, p.event_id, deleted=True)
            return
        if existing["revision"] > (p.revision or 0):
            return
        row = {**existing, "revision": p.revision or existing["revision"], "status": "deleted"}
        await repo.upsert(ctx.session, recorded_events, row, ["tenant_id", "event_id"])
        await grants.on_charge_changed(_vctx(ctx), tenant_id, existing["voucher_id"])

    async def decided(ctx: MessageContext, p: EventDecidedIn, status: str) -> None:
        """The tenant's decision on an over-limit event: approved it charges the voucher (and may use it up),
        rejected it never does. A decision on an earlier revision changes nothing (a correction waits for its own);
        one on a revision not here yet (the event not here at all, or an earlier revision of it, awaiting a
        decision or not) is kept for that recording."""
        tenant_id = _tenant(ctx, p)
        revision = p.revision or 0
        existing = await access_repo.get_recorded_event(ctx.session, tenant_id, p.event_id)
        if existing is None or (p.revision is not None and existing["revision"] < revision):
            await access_repo.note_early_fact(ctx.session, tenant_id, p.event_id, decision=status,
                                              decision_revision=revision)
            return
        if existing["revision"] > revision or existing["status"] != "awaiting_approval":
            return
        row = {**existing, "status": status}
        await repo.upsert(ctx.session, recorded_events, row, ["tenant_id", "event_id"])
        await grants.on_event_recorded(_vctx(ctx), tenant_id, row)  # approved: may use it up; rejected: gives back

    @charges.on("events.event.approved", model=EventDecidedIn)
    async def event_approved(ctx: MessageContext, p: EventDecidedIn) -> None:
        await decided(ctx, p, "payable")

    @charges.on("events.event.rejected", model=EventDecidedIn)
    async def event_rejected(ctx: MessageContext, p: EventDecidedIn) -> None:
        await decided(ctx, p, "rejected")

    @charges.on("events.credit.requested", model=CreditIn)
    async def event_credited(ctx: MessageContext, p: CreditIn) -> None:
        """A credited event charges the voucher nothing: the tenant takes its whole value back. (An interruption
        charges no voucher here; an event not known here charged nothing, e.g. a purchased service's.)"""
        await _set_credited(ctx, p, True)

    @charges.on("events.credit.withdrawn", model=CreditIn)
    async def credit_withdrawn(ctx: MessageContext, p: CreditIn) -> None:
        await _set_credited(ctx, p, False)

    async def _set_credited(ctx: MessageContext, p: CreditIn, credited: bool) -> None:
        """An event's credit, or its withdrawal, in either order (a withdrawal heard before its request keeps the
        request from crediting); kept for the event's recording when that has not reached here."""
        tenant_id = _tenant(ctx, p)
        if p.kind != "event":
            return
        credited = await access_repo.note_credit(ctx.session, tenant_id, p.credit_id, p.event_id,
                                                 withdrawn=not credited)
        if not await access_repo.set_credited(ctx.session, tenant_id, p.event_id, credited):
            return  # the recording finds it in event_credits
        event = await access_repo.get_recorded_event(ctx.session, tenant_id, p.event_id)
        assert event is not None
        await grants.on_charge_changed(_vctx(ctx), tenant_id, event["voucher_id"])

    @access.on("events.client_data.read", model=EventsClientDataReadIn)
    async def read_in_events(ctx: MessageContext, p: EventsClientDataReadIn) -> None:
        await _log_read(ctx, p, list(p.client_ids or []))

    @access.on("settlement.client_data.read", model=SettlementClientDataReadIn)
    async def read_in_settlement(ctx: MessageContext, p: SettlementClientDataReadIn) -> None:
        refs = [(c.provider_id, c.client_ref) for c in p.clients or []]
        await _log_read(ctx, p, await access_repo.clients_by_refs(ctx.session, _tenant(ctx, p), refs))

    @access.on("notifications.client_data.disclosed", model=ClientDataDisclosedIn)
    async def disclosed_by_mail(ctx: MessageContext, p: ClientDataDisclosedIn) -> None:
        # the system mailed them to the company (actor_org) that asked for the specification by email
        refs = [(c.provider_id, c.client_ref) for c in p.clients or []]
        await _log_read(ctx, p, await access_repo.clients_by_refs(ctx.session, _tenant(ctx, p), refs))

    return [registry, applications, charges, access]


async def _log_read(ctx: MessageContext, p: ClientDataReadIn, client_ids: list[str]) -> None:
    """Another service showed these clients' data: the same access log as vouchers' own reads (the
    inbox keeps a redelivered message from logging twice)."""
    tenant_id = _tenant(ctx, p)
    at = p.at or ctx.envelope.occurred_at
    await access_repo.log_access(
        ctx.session,
        [
            {
                "tenant_id": tenant_id,
                "client_id": cid,
                "at": at,
                "actor": (p.actor or "unknown")[:100],
                "actor_name": (p.actor_name or "")[:200] or None,
                "actor_role": (p.actor_role or "unknown")[:30],
                "actor_org": p.actor_org,
                "what": (p.what or ctx.envelope.type)[:100],
                "why": (p.why or "")[:200],
            }
            for cid in dict.fromkeys(client_ids)
        ],
    )
