"""Bookings by providers (voucher) and by officers (purchased service). Never commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from seteli_common.auth import Principal
from seteli_common.clock import HELSINKI
from seteli_common.errors import FieldError, ProblemError, conflict, invalid_many, not_found, not_yet_known
from sqlalchemy.exc import IntegrityError

from . import access_repository as access_repo
from . import repository as repo
from .domain import REFUSAL_TEXT, Refusal, is_closed, normalise_number, printable_number, shown_state
from .events import BookingMade, BookingRestored, PurchaseBooked
from .models import bookings
from .provider_clients import store_client_number
from .service import Actor, VouchersContext, log_reads, provider_client_ref, publish_booking_ended

_STATUS = {
    Refusal.VOUCHER_UNKNOWN: 404,
    Refusal.VOUCHER_CLOSED: 409,
    Refusal.NO_APPROVED_APPLICATION: 409,
    Refusal.NOT_APPROVED_BY_TENANT: 403,
    Refusal.NO_VALID_PRICE_LIST: 409,
    Refusal.CONTENT_ALREADY_BOOKED: 409,
    Refusal.CONTENT_ENDED: 409,
    Refusal.CONTENT_NOT_IN_VOUCHER: 422,
    Refusal.PRODUCER_PART_UNKNOWN: 422,
    Refusal.TERMS_NOT_ACCEPTED: 422,
    Refusal.NOT_IN_SERVICE_TEAM: 403,
    Refusal.PURCHASED_SERVICE: 409,
}


def refused(reason: Refusal, *errors: FieldError, detail: str | None = None) -> ProblemError:
    return ProblemError(
        _STATUS[reason],
        "Booking refused",
        detail or REFUSAL_TEXT[reason],
        "https://seteli.fi/problems/booking-refused",
        list(errors),
        extra={"reason": reason.value},
    )


def _current_lists(lists: list[dict[str, Any]]) -> dict[str | None, dict[str, Any]]:
    """The valid price list per producer part: the latest started one (lists come newest first)."""
    current: dict[str | None, dict[str, Any]] = {}
    for pl in lists:
        current.setdefault(pl["producer_part"], pl)
    return current


def _priced(current: dict[str | None, dict[str, Any]], part: str | None, content_id: str) -> bool:
    candidates = [current.get(None)] + ([current.get(part)] if part else [])
    return any(pl is not None and any(p["content_id"] == content_id for p in pl["prices"]) for pl in candidates)


PART_KINDS = ("site", "unit", "employee")


@dataclass(frozen=True)
class ProducerParts:
    """What vouchers knows of a company's producer parts (domain.md "tuottajanosa"), spelled as the
    applications and events services spell them: None = the company, "site:<id>" (the sites approved for
    the service), "unit:<name>" (a unit is its name in the registry) and "employee:<id>"."""

    sites: dict[str, str]  # approved site id -> name (the id when the registry's name is not here yet)
    site_names: dict[str, str]  # every site of the company heard of
    units: list[str]  # listed now
    ever_units: list[str]  # every name ever listed
    employees: dict[str, dict[str, Any]]  # id -> {name, removed_at}, removed ones too

    def bookable(self) -> dict[str, str]:
        """Every producer part a booking may name now, with its name."""
        parts = {f"site:{i}": n for i, n in self.sites.items()}
        parts |= {f"unit:{u}": u for u in self.units}
        parts |= {f"employee:{i}": str(e["name"]) for i, e in self.employees.items() if e["removed_at"] is None}
        return parts

    def problem(self, part: str | None) -> str | None:
        """Why a booking may not name this producer part (None: it may)."""
        if part is None or part in self.bookable():
            return None
        kind, _, ident = part.partition(":")
        if kind not in PART_KINDS or not ident:
            return "must be empty (the company), site:<id>, unit:<name> or employee:<id>"
        if kind == "site":
            return "no such site of this company approved for the service"
        if kind == "unit":
            return ("this unit is no longer among the company's units" if ident in self.ever_units
                    else "no such unit of this company")
        return "this employee has been removed" if ident in self.employees else "no such employee of this company"

    def name_of(self, part: str | None) -> tuple[str | None, bool]:
        """A booked producer part's name and whether the company still lists it.

        A booking keeps the producer part it was made with, and its events keep being priced with that
        part's price list: a booking is never moved to another part. A unit is its name, so a renamed or
        removed unit's booking shows the name it was booked with, no longer listed; an employee is an id,
        so a renamed employee's booking shows the current name and a removed one's the last name, no
        longer listed; a site shows its current name (a site is never removed). The company: no name."""
        if part is None:
            return None, True
        kind, _, ident = part.partition(":")
        if kind == "site":
            return self.site_names.get(ident, ident), True
        if kind == "unit":
            return ident, ident in self.units
        if kind == "employee" and ident in self.employees:
            employee = self.employees[ident]
            return str(employee["name"]), employee["removed_at"] is None
        return ident, False


def priced_from(voucher: dict[str, Any], today: date) -> date:
    """The day whose price lists make a booking possible: today, or the voucher's first day when it starts
    later (a voucher valid from 1 January is booked in December by the price list starting on 1 January)."""
    return max(today, voucher["valid_from"])


def _parts(approval: dict[str, Any] | None, sites: list[dict[str, Any]], units: dict[str, Any] | None,
           employees: list[dict[str, Any]]) -> ProducerParts:
    site_names = {s["id"]: str(s["name"]) for s in sites}
    return ProducerParts(
        sites={i: site_names.get(i, i) for i in (approval["site_ids"] if approval else [])},
        site_names=site_names,
        units=list(units["units"]) if units else [],
        ever_units=list(units["ever"]) if units else [],
        employees={e["id"]: e for e in employees},
    )


async def producer_parts(ctx: VouchersContext, provider_id: str, approval: dict[str, Any] | None) -> ProducerParts:
    return _parts(approval, await repo.sites_of_provider(ctx.session, provider_id),
                  await repo.provider_units_of(ctx.session, provider_id),
                  await repo.employees_of_provider(ctx.session, provider_id))


async def producer_parts_of(
    ctx: VouchersContext, tenant_id: str, pairs: set[tuple[str, str]]
) -> dict[tuple[str, str], ProducerParts]:
    """`producer_parts` of many (service, provider) pairs in four statements, whatever their number."""
    providers = sorted({p for _, p in pairs})
    approvals = await repo.approvals_of(ctx.session, tenant_id, pairs)
    sites = await repo.sites_of_providers(ctx.session, providers)
    units = await repo.units_of_providers(ctx.session, providers)
    employees = await repo.employees_of_providers(ctx.session, providers)
    return {
        (service_id, provider_id): _parts(approvals.get((service_id, provider_id)),
                                          [s for s in sites if s["provider_id"] == provider_id],
                                          units.get(provider_id),
                                          [e for e in employees if e["provider_id"] == provider_id])
        for service_id, provider_id in pairs
    }


# What a booking waits for when the request names it in `Seteli-After` (seteli_common.consistency).
APPLICATION_APPROVED = "applications.application.approved"
PRICE_LIST_APPROVED = "applications.pricelist.approved"


async def _voucher_for_provider(
    ctx: VouchersContext, tenant_id: str, provider_id: str, number: str, principal: Principal
) -> tuple[dict[str, Any], dict[str, Any]]:
    # asked before the reads (a query only when the request names an approval): one arriving between is seen
    coming = await ctx.after.pending(ctx.session, tenant_id, APPLICATION_APPROVED)
    if not await repo.works_with_tenant(ctx.session, tenant_id, provider_id):
        # before the number is looked up: a company the tenant approved for nothing learns nothing of its
        # vouchers, not even whether a number exists
        if coming:
            raise not_yet_known("The application was approved a moment ago and has not reached vouchers yet",
                                reason="application_not_known_yet")
        raise refused(Refusal.NOT_APPROVED_BY_TENANT)
    voucher = await repo.voucher_by_number(ctx.session, tenant_id, normalise_number(number))
    if voucher is None:
        raise refused(Refusal.VOUCHER_UNKNOWN)
    approval = await repo.get_approval(ctx.session, tenant_id, voucher["service_id"], provider_id)
    if approval is not None:
        approval = {**approval, "_coming": coming}  # a change of it (a new site) may be on its way too
    if approval is None:
        if coming:
            # the request follows an application applications approved a moment ago, on its way here
            raise not_yet_known("The application was approved a moment ago and has not reached vouchers yet",
                                reason="application_not_known_yet")
        raise refused(Refusal.NO_APPROVED_APPLICATION)
    if not principal.in_team(tenant_id, voucher["service_id"]):
        raise refused(Refusal.NOT_IN_SERVICE_TEAM)
    return voucher, approval


def _ended(content: dict[str, Any], today: date) -> bool:
    """The tenant ended the content on or before today: no care of it is recorded from its end day on."""
    return content.get("ended_from") is not None and content["ended_from"] <= today


def _content_refusal(closed: bool, ended: bool, booked: bool, priced: bool) -> Refusal | None:
    if closed:
        return Refusal.VOUCHER_CLOSED
    if ended:
        return Refusal.CONTENT_ENDED
    if booked:
        return Refusal.CONTENT_ALREADY_BOOKED
    return None if priced else Refusal.NO_VALID_PRICE_LIST


async def provider_view(
    ctx: VouchersContext, tenant_id: str, principal: Principal, provider_id: str, number: str
) -> dict[str, Any]:
    """The voucher as a provider about to book sees it: its client, and per content whether it may book."""
    voucher, approval = await _voucher_for_provider(ctx, tenant_id, provider_id, number, principal)
    contents = await repo.voucher_contents_of(ctx.session, tenant_id, [voucher["id"]])
    booked = {
        b["voucher_content_id"]
        for b in await repo.bookings_of_vouchers(ctx.session, tenant_id, [voucher["id"]])
        if b["ended_on"] is None
    }
    current = _current_lists(
        await repo.price_lists_started(ctx.session, tenant_id, voucher["service_id"], provider_id,
                                      priced_from(voucher, ctx.today()))
    )
    closed = is_closed(voucher["state"], voucher["valid_until"], ctx.today())
    known = await producer_parts(ctx, provider_id, approval)
    names = known.bookable()
    parts: set[str | None] = {None, *names}
    items = []
    for c in contents:
        refusal = _content_refusal(closed, _ended(c, ctx.today()), c["id"] in booked,
                                   any(_priced(current, p, c["content_id"]) for p in parts))
        items.append(
            {
                "id": c["id"],
                "content_id": c["content_id"],
                "unit": c["unit"],
                "granted_amount": c["granted_amount"],
                "period": c["period"],
                "voucher_value": c["voucher_value"],
                "client_pays": c["client_pays"],
                "bookable": refusal is None,
                "refusal": refusal.value if refusal else None,
            }
        )
    client = await repo.get_client(ctx.session, tenant_id, voucher["client_id"])
    assert client is not None
    await log_reads(ctx, tenant_id, [client["id"]], Actor.of(principal), "voucher.by_number", "booking")
    return {
        "id": voucher["id"],
        "number": voucher["number"],
        "printable_number": printable_number(voucher["number"]),
        "service_id": voucher["service_id"],
        "valid_from": voucher["valid_from"],
        "valid_until": voucher["valid_until"],
        "state": shown_state(voucher, ctx.today())[0],
        "client": {"first_name": client["first_name"], "last_name": client["last_name"]},
        "producer_parts": sorted(names),
        "producer_part_names": names,
        "contents": items,
    }


async def _insert_booking(ctx: VouchersContext, row: dict[str, Any]) -> None:
    try:
        async with ctx.session.begin_nested():
            await repo.insert_row(ctx.session, bookings, row)
    except IntegrityError as exc:  # a concurrent booking of the same content won
        raise refused(Refusal.CONTENT_ALREADY_BOOKED) from exc


async def booking_refusal(
    ctx: VouchersContext,
    tenant_id: str,
    voucher: dict[str, Any],
    approval: dict[str, Any] | None,
    provider_id: str,
    content: dict[str, Any],
    part: str | None,
) -> tuple[Refusal, ProblemError] | None:
    """Why a booking of the voucher's `content` by the provider at `part` could not be made today (None: it could):
    the content ended, no approved application, the producer part not (or no longer) the company's, or no price
    list of it. The rule of a new booking, and of one a voucher open again would give back."""
    if _ended(content, ctx.today()):
        return Refusal.CONTENT_ENDED, refused(
            Refusal.CONTENT_ENDED, detail=f"{REFUSAL_TEXT[Refusal.CONTENT_ENDED]} from "
                                          f"{content['ended_from'].isoformat()}")
    if approval is None:
        return Refusal.NO_APPROVED_APPLICATION, refused(Refusal.NO_APPROVED_APPLICATION)
    reason = (await producer_parts(ctx, provider_id, approval)).problem(part)
    if reason is not None:
        return Refusal.PRODUCER_PART_UNKNOWN, refused(Refusal.PRODUCER_PART_UNKNOWN,
                                                      FieldError("producer_part", reason))
    current = _current_lists(
        await repo.price_lists_started(ctx.session, tenant_id, voucher["service_id"], provider_id,
                                      priced_from(voucher, ctx.today()))
    )
    if not _priced(current, part, content["content_id"]):
        return Refusal.NO_VALID_PRICE_LIST, refused(Refusal.NO_VALID_PRICE_LIST)
    return None


async def _check_bookable(
    ctx: VouchersContext,
    tenant_id: str,
    voucher: dict[str, Any],
    approval: dict[str, Any],
    provider_id: str,
    content_id: str,
    part: str | None,
) -> dict[str, Any]:
    if is_closed(voucher["state"], voucher["valid_until"], ctx.today()):
        raise refused(Refusal.VOUCHER_CLOSED)
    contents = {c["id"]: c for c in await repo.voucher_contents_of(ctx.session, tenant_id, [voucher["id"]])}
    content = contents.get(content_id)
    if content is None:
        raise refused(Refusal.CONTENT_NOT_IN_VOUCHER)
    price_coming = await ctx.after.pending(ctx.session, tenant_id, PRICE_LIST_APPROVED)  # before the read
    found = await booking_refusal(ctx, tenant_id, voucher, approval, provider_id, content, part)
    if found is not None:
        refusal, problem = found
        if refusal == Refusal.PRODUCER_PART_UNKNOWN and approval.get("_coming"):
            # the request follows a change of the application (a new site) approved a moment ago
            raise not_yet_known("The application's change was approved a moment ago and has not reached vouchers "
                                "yet", reason="application_not_known_yet")
        if refusal == Refusal.NO_VALID_PRICE_LIST and price_coming:
            # the request follows a price list applications approved a moment ago, on its way here
            raise not_yet_known("The price list was approved a moment ago and has not reached vouchers yet",
                                reason="price_list_not_known_yet")
        raise problem
    if any(
        b["voucher_content_id"] == content_id and b["ended_on"] is None
        for b in await repo.bookings_of_vouchers(ctx.session, tenant_id, [voucher["id"]])
    ):
        raise refused(Refusal.CONTENT_ALREADY_BOOKED)
    return content


async def restore_bookings(ctx: VouchersContext, tenant_id: str, voucher: dict[str, Any], reason: str) -> None:
    """The voucher closed for `reason` is open again: the bookings its closing ended go on, each only if it could
    be made today (`booking_refusal`). One of a content the tenant has ended since, of a producer part or an
    approval gone, or no longer priced stays ended on the voucher's last day with the close's reason (as events
    has it: nothing is published for it), so no provider sees an active booking of care it cannot give. Each one
    going on is published (`vouchers.booking.restored`): events lifts the end `vouchers.booking.ended` told it and
    the provider, told the booking ended, learns it goes on."""
    ended = await repo.bookings_ended_by_close(ctx.session, tenant_id, voucher["id"], reason, voucher["valid_until"])
    if not ended:
        return
    contents = {c["id"]: c for c in await repo.voucher_contents_of(ctx.session, tenant_id, [voucher["id"]])}
    approvals = await repo.approvals_of(ctx.session, tenant_id, {(b["service_id"], b["provider_id"]) for b in ended})
    going_on = [
        b for b in ended
        if await booking_refusal(ctx, tenant_id, voucher, approvals.get((b["service_id"], b["provider_id"])),
                                 b["provider_id"], contents[b["voucher_content_id"]], b["producer_part"]) is None
    ]
    await repo.restore_bookings(ctx.session, tenant_id, [b["id"] for b in going_on])
    for b in going_on:
        await ctx.outbox.add(ctx.session, BookingRestored(
            booking_id=b["id"], voucher_id=b["voucher_id"], provider_id=b["provider_id"], ended_on=b["ended_on"],
            reason=reason, client_ref=await provider_client_ref(ctx, tenant_id, b["provider_id"], b["client_id"]),
            service_id=b["service_id"], producer_part=b["producer_part"]), tenant_id=tenant_id)


async def _client_ref(ctx: VouchersContext, tenant_id: str, provider_id: str, client_id: str, given: str | None) -> str:
    if given:
        await store_client_number(ctx, tenant_id, provider_id, client_id, given)
        return given
    return await provider_client_ref(ctx, tenant_id, provider_id, client_id)


async def book(
    ctx: VouchersContext, tenant_id: str, principal: Principal, provider_id: str, data: dict[str, Any]
) -> dict[str, Any]:
    if not data["accept_terms"]:
        raise refused(Refusal.TERMS_NOT_ACCEPTED)
    voucher, approval = await _voucher_for_provider(ctx, tenant_id, provider_id, data["voucher_number"], principal)
    voucher = await repo.get_voucher(ctx.session, tenant_id, voucher["id"], lock=True) or voucher
    service = await repo.get_service(ctx.session, tenant_id, voucher["service_id"])
    if service is not None and service["kind"] == "purchased":
        raise refused(Refusal.PURCHASED_SERVICE)
    part = data.get("producer_part")
    content = await _check_bookable(ctx, tenant_id, voucher, approval, provider_id, data["voucher_content_id"], part)
    client_ref = await _client_ref(ctx, tenant_id, provider_id, voucher["client_id"], data.get("client_number"))
    row = _booking_row(
        ctx,
        tenant_id,
        "voucher",
        voucher,
        content,
        provider_id,
        part,
        principal.subject,
        info=data.get("info"),
    )
    await _insert_booking(ctx, row)
    await _publish_made(ctx, row, client_ref)
    return await _named_booking_out(ctx, row, client_ref)


async def book_purchase(
    ctx: VouchersContext, tenant_id: str, principal: Principal, data: dict[str, Any]
) -> dict[str, Any]:
    """An officer books a named provider and producer part for a client's purchased-service commitment."""
    voucher = await repo.get_voucher(ctx.session, tenant_id, data["voucher_id"], lock=True)
    if voucher is None:
        raise invalid_many([FieldError("voucher_id", "unknown commitment", code="commitment_unknown")])
    service = await repo.get_service(ctx.session, tenant_id, voucher["service_id"])
    if service is None or service["kind"] != "purchased":
        raise invalid_many([FieldError("voucher_id", "not a purchased-service commitment", code="not_a_commitment")])
    provider_id = data["provider_id"]
    approval = await repo.get_approval(ctx.session, tenant_id, voucher["service_id"], provider_id)
    if approval is None:
        raise refused(Refusal.NO_APPROVED_APPLICATION)
    part = data.get("producer_part")
    content = await _check_bookable(ctx, tenant_id, voucher, approval, provider_id, data["voucher_content_id"], part)
    email = await _notification_email(ctx, provider_id, part)
    row = _booking_row(
        ctx,
        tenant_id,
        "purchased",
        voucher,
        content,
        provider_id,
        part,
        principal.subject,
        info=data.get("info"),
        commitment_number=voucher["number"],
        notification_email=email,
    )
    await _insert_booking(ctx, row)
    client_ref = await _client_ref(ctx, tenant_id, provider_id, voucher["client_id"], None)
    await _publish_made(ctx, row, client_ref)
    provider = await repo.get_provider(ctx.session, provider_id)
    await ctx.outbox.add(
        ctx.session,
        PurchaseBooked(
            booking_id=row["id"],
            commitment_number=voucher["number"],
            service_id=voucher["service_id"],
            provider_id=provider_id,
            producer_part=part,
            notification_email=email,
            language=provider["language"] if provider else "fi",
        ),
        tenant_id=tenant_id,
    )
    return await _named_booking_out(ctx, row, client_ref)


async def _notification_email(ctx: VouchersContext, provider_id: str, part: str | None) -> str | None:
    """The producer part's notification address: a site's own; an employee's contact address, else the
    address of the site the employee works at; otherwise (the company, a unit) the company's."""
    site_id = part.removeprefix("site:") if part and part.startswith("site:") else None
    if part and part.startswith("employee:"):
        employee = await repo.get_employee(ctx.session, part.removeprefix("employee:"))
        if employee is not None and employee["provider_id"] == provider_id:
            if employee["email"]:
                return str(employee["email"])
            site_id = employee["site_id"]
    if site_id:
        site = await repo.get_site(ctx.session, site_id)
        if site is not None and site["provider_id"] == provider_id and site["notification_email"]:
            return str(site["notification_email"])
    provider = await repo.get_provider(ctx.session, provider_id)
    return str(provider["email"]) if provider and provider["email"] else None


def _booking_row(
    ctx: VouchersContext,
    tenant_id: str,
    kind: str,
    voucher: dict[str, Any],
    content: dict[str, Any],
    provider_id: str,
    part: str | None,
    by: str,
    **extra: Any,
) -> dict[str, Any]:
    now = ctx.clock.now()
    return {
        "tenant_id": tenant_id,
        "id": str(uuid.uuid4()),
        "kind": kind,
        "voucher_id": voucher["id"],
        "voucher_content_id": content["id"],
        "service_id": voucher["service_id"],
        "content_id": content["content_id"],
        "client_id": voucher["client_id"],
        "provider_id": provider_id,
        "producer_part": part,
        "terms_accepted_at": now,
        "booked_by": by,
        "created_at": now,
        "ended_on": None,
        "end_reason": None,
        "commitment_number": None,
        "notification_email": None,
        "info": None,
        **extra,
    }


async def _publish_made(ctx: VouchersContext, row: dict[str, Any], client_ref: str) -> None:
    await ctx.outbox.add(
        ctx.session,
        BookingMade(
            booking_id=row["id"],
            voucher_id=row["voucher_id"],
            voucher_content_id=row["voucher_content_id"],
            service_id=row["service_id"],
            content_id=row["content_id"],
            provider_id=row["provider_id"],
            producer_part=row["producer_part"],
            client_id=row["client_id"],
            client_ref=client_ref,
            kind=row["kind"],
        ),
        tenant_id=row["tenant_id"],
    )


def _booking_out(row: dict[str, Any], client_ref: str) -> dict[str, Any]:
    keys = (
        "id",
        "kind",
        "voucher_id",
        "voucher_content_id",
        "service_id",
        "content_id",
        "provider_id",
        "producer_part",
        "info",
        "commitment_number",
        "notification_email",
        "created_at",
        "ended_on",
        "end_reason",
    )
    return {
        **{k: row.get(k) for k in keys},
        "client_ref": client_ref,
        "state": "ended" if row.get("ended_on") else "active",
    }


def _with_part_name(row: dict[str, Any], client_ref: str, parts: ProducerParts) -> dict[str, Any]:
    """The booking with its producer part's name, as `ProducerParts.name_of` decides."""
    name, listed = parts.name_of(row["producer_part"])
    return {**_booking_out(row, client_ref), "producer_part_name": name, "producer_part_listed": listed}


async def _named_booking_out(ctx: VouchersContext, row: dict[str, Any], client_ref: str) -> dict[str, Any]:
    approval = await repo.get_approval(ctx.session, row["tenant_id"], row["service_id"], row["provider_id"])
    return _with_part_name(row, client_ref, await producer_parts(ctx, row["provider_id"], approval))


async def listed_bookings(ctx: VouchersContext, tenant_id: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A page of bookings, each as `booking_view` shows it, in the same few statements whatever the page's
    size (a statement per booking made a page of 50 some 200 statements)."""
    if not rows:
        return []
    refs = await access_repo.client_refs(ctx.session, tenant_id, {(r["provider_id"], r["client_id"]) for r in rows})
    parts = await producer_parts_of(ctx, tenant_id, {(r["service_id"], r["provider_id"]) for r in rows})
    return [_with_part_name(r, refs[(r["provider_id"], r["client_id"])], parts[(r["service_id"], r["provider_id"])])
            for r in rows]


async def provider_booking_row(
    ctx: VouchersContext,
    tenant_id: str,
    provider_id: str,
    booking_id: str,
    services: frozenset[str] | None = None,
) -> dict[str, Any]:
    """The provider's booking as stored; a provider user sees only bookings of its service teams (`services`)."""
    row = await repo.get_booking(ctx.session, tenant_id, booking_id)
    if row is None or row["provider_id"] != provider_id or (services is not None and row["service_id"] not in services):
        raise not_found("Booking")
    return row


async def booking_view(ctx: VouchersContext, tenant_id: str, row: dict[str, Any]) -> dict[str, Any]:
    """The booking `row` as its page shows it (as a page of bookings does: the client's number or reference in
    one statement)."""
    [booking] = await listed_bookings(ctx, tenant_id, [row])
    return booking


async def end_booking(
    ctx: VouchersContext,
    tenant_id: str,
    booking_id: str,
    provider_id: str | None,
    ended_on: date,
    reason: str,
    services: frozenset[str] | None = None,
    reader: tuple[Actor, str] | None = None,
) -> dict[str, Any]:
    """The provider (or an officer) ends a booking, e.g. when the client changes provider; a provider
    user only in the booking's service team (`services`), as with service events. A booking ended in advance
    may be ended on an earlier day until its last day has passed. The ended booking is answered, so it goes to
    the client's access log as a read of the booking does (`reader`: who and why)."""
    row = await repo.get_booking(ctx.session, tenant_id, booking_id)
    # another company's, or another team's (which the user cannot list): as an unknown booking, so that the
    # answer tells no booking ids that exist
    if row is None or (provider_id is not None and row["provider_id"] != provider_id) or (
            services is not None and row["service_id"] not in services):
        raise not_found("Booking")
    if ended_on < row["created_at"].astimezone(HELSINKI).date():  # the day it was made in Finland, not in UTC
        raise invalid_many([FieldError("ended_on", "must not be before the booking was made",
                                       code="end_before_booking")])
    if not await repo.end_booking(ctx.session, tenant_id, booking_id, ended_on, reason, ctx.today()):
        # one ended in advance is ended earlier while its last day has not passed (the client moves sooner)
        last = row["ended_on"]
        if last is not None and last >= ctx.today():
            raise conflict(f"The booking already ends on {last.isoformat()}: it can only be ended earlier",
                           field="ended_on", code="booking_ends_earlier", ends_on=last.isoformat())
        raise conflict("The booking has already ended", code="booking_ended")
    # ended by the tenant's staff (`provider_id` None): the provider did not end it, so it is told
    await publish_booking_ended(ctx, tenant_id, row, ended_on, reason, by_tenant=provider_id is None)
    ended = await provider_booking_row(ctx, tenant_id, row["provider_id"], booking_id)  # as ended just now
    if reader is not None:
        actor, why = reader
        await log_reads(ctx, tenant_id, [row["client_id"]], actor, "booking.details", why)
    return await booking_view(ctx, tenant_id, ended)
