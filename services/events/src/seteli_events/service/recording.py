"""Recording service events: validation, valuation, day overlap and over-limit. No HTTP; never commits."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal

from seteli_common.auth import PROVIDER_STAFF, TENANT_STAFF, Principal, Role
from seteli_common.clock import Month
from seteli_common.errors import FieldError, ProblemError, forbidden, invalid, not_found, not_yet_known
from seteli_common.idempotency import key_reused
from seteli_common.money import to_cents

from .. import repository as repo
from ..context import EventsContext
from ..domain import (
    ContentTerms,
    DomainError,
    PriceList,
    ValuationSegment,
    helsinki_instant,
    hours_between,
    overlapping_days,
    split_by_month,
    value_event,
)
from ..domain.content_grant import events_window, is_over_limit
from ..domain.decimals import money, plain, stored_units
from ..domain.event_days import blocks_days, interruption_cover, last_valid_day
from ..events import EventRecorded, event_payload, segment_fields
from .producer_parts import check_part_named

Row = dict[str, Any]
_FIELDS = {
    "end_required": "end",
    "units_mismatch": "units",
    "units_required": "units",
    "invalid_range": "end",
    "invalid_time_range": "end_time",
    "no_price": "start",
    "not_day_unit": "units",
}


@dataclass(frozen=True)
class EventInput:
    start: date
    end: date | None = None
    start_time: time | None = None
    end_time: time | None = None
    units: Decimal | None = None
    performer: str | None = None
    text: str = ""
    producer_part: str | None = None  # None: the booking's producer part
    status: Literal["recorded", "draft"] = "recorded"


def domain_problem(exc: DomainError) -> ProblemError:
    field = _FIELDS.get(exc.code, "start")
    return ProblemError(
        422,
        "Invalid input",
        exc.message,
        "https://seteli.fi/problems/invalid-input",
        [FieldError(field, exc.message)],
        extra={"code": exc.code, **exc.details},
    )


def contents_on(service: Mapping[str, Any] | None, day: date | None) -> list[dict[str, Any]]:
    """The service's contents on `day`: those of its latest scheduled version from on or before the day (a
    change the tenant admin gave an effective date), else the contents it has had until then. A scheduled
    change that has taken effect is the service's contents now; the contents before its date are kept as a
    past version (`{"before": date, "contents": ...}`, see `past_versions`) and answer for days before it."""
    versions = (service or {}).get("versions") or []
    if day is not None:
        earlier = sorted((v for v in versions if "before" in v and day < date.fromisoformat(v["before"])),
                         key=lambda v: v["before"])
        if earlier:
            return list(earlier[0]["contents"])
    contents: list[dict[str, Any]] = list((service or {}).get("contents") or [])
    for version in sorted((v for v in versions if "effective_from" in v), key=lambda v: v["effective_from"]):
        if day is not None and date.fromisoformat(version["effective_from"]) <= day:
            contents = list(version["contents"])
    return contents


def past_versions(service: Mapping[str, Any] | None, still_scheduled: set[str], today: date) -> list[dict[str, Any]]:
    """The past versions to keep when applications publishes the service again: the ones kept before, and for
    each scheduled version no longer sent whose date has come (it took effect; one of a later date was
    cancelled), the contents the service had on the day before its date."""
    versions = list((service or {}).get("versions") or [])
    kept = [v for v in versions if "before" in v]
    for version in versions:
        day = version.get("effective_from")
        if day is None or day in still_scheduled or date.fromisoformat(day) > today:
            continue
        if not any(v["before"] == day for v in kept):
            kept.append({"before": day, "contents": contents_on(service, date.fromisoformat(day) - timedelta(days=1))})
    return sorted(kept, key=lambda v: v["before"])


def client_pays_on(service: Mapping[str, Any] | None, content_id: str, day: date) -> bool:
    """Whether the client pays the content by the service's contents on `day` (an event's or interruption's
    first day): settlement never pays such a one, whenever it is recorded."""
    return any(c.get("content_id") == content_id and c.get("client_pays") for c in contents_on(service, day))


def content_ended_from(service: Mapping[str, Any] | None, content_id: str, day: date) -> date | None:
    """The day the content ends, as the service has it on `day` (a later end the tenant admin scheduled is in
    the version of its date): None while the content goes on."""
    content = next((c for c in contents_on(service, day) if c.get("content_id") == content_id), {})
    ended = content.get("ended_from")
    return date.fromisoformat(ended) if ended else None


def content_end(service: Mapping[str, Any] | None, content_id: str) -> date | None:
    """The day the content ends, ended at once or from a later date (the service's latest version): None while
    it goes on. The day before it is the content's last valid day, as a voucher's last valid day is."""
    return content_ended_from(service, content_id, date.max)


def check_content_goes_on(service: Mapping[str, Any] | None, content_id: str, start: date, end: date) -> None:
    """An ended content: no event of it on its end day or later (events before it are recorded and paid). The
    voucher's row of that content ends with it; the provider cannot record past it."""
    ended = content_ended_from(service, content_id, end)
    if ended is not None and ended <= end:
        field = "start" if start >= ended else "end"
        raise ProblemError(
            422,
            "Invalid input",
            f"The content of the service has ended on {ended.isoformat()}",
            "https://seteli.fi/problems/invalid-input",
            [FieldError(field, f"the content has ended on {ended.isoformat()}: no event on or after that day")],
            extra={"code": "content_ended", "ended_from": ended.isoformat()},
        )


def content_terms(booking: Mapping[str, Any], service: Mapping[str, Any] | None,
                  day: date | None = None) -> ContentTerms:
    """The terms of the booking's content on `day` (the first day of what is valued)."""
    contents = {c.get("content_id"): c for c in contents_on(service, day)}
    client_pays = bool(contents.get(booking["content_id"], {}).get("client_pays", False))
    purchased = (service or {}).get("kind") == "purchased" or booking["voucher_value"] is None
    value = None if purchased else Decimal(str(booking["voucher_value"]))
    return ContentTerms(booking["content_id"], booking["unit"], value, client_pays)


async def load_booking(ctx: EventsContext, principal: Principal, booking_id: str, *, lock_content: bool = False) -> Row:
    """The booking, if the caller is staff of its provider in the service team (404 otherwise).
    `lock_content`: its voucher content is locked in the same read (see `evaluate`)."""
    # Asked before the read (a query only when the request names a booking in `Seteli-After`): a booking
    # arriving between the two reads is then seen, never answered "no such booking".
    on_its_way = await ctx.after.pending(ctx.session, ctx.tenant_id, BOOKING_MADE)
    booking = await repo.booking_context(ctx.session, ctx.tenant_id, booking_id, lock_content=lock_content)
    if booking is None and on_its_way:
        # The request follows a booking vouchers answered a moment ago, and that event is on its way here.
        raise not_yet_known("The booking was made a moment ago and has not reached the events service yet",
                            reason="booking_not_known_yet")
    if booking is None or hidden_from(principal, ctx.tenant_id, booking):  # not the caller's: as an unknown one
        raise invalid("booking_id", "no such booking of your company", code="booking_unknown")
    require_team(principal, ctx.tenant_id, booking["service_id"], booking["provider_id"])
    return booking


BOOKING_MADE = "vouchers.booking.made"
PRICE_LIST_APPROVED = "applications.pricelist.approved"
SETTLED = "settlement.events.settled"


async def settled_news_on_its_way(ctx: EventsContext) -> bool:
    """Whether the request follows a settlement run (the run's status answers its news' tokens) whose news of
    what it paid has not reached this service yet. Asked before the entry is read, so that news arriving
    between the two is seen."""
    return await ctx.after.pending(ctx.session, ctx.tenant_id, SETTLED)


def settled_not_known_yet() -> ProblemError:
    """An entry not settled here while the run the request follows has paid something not told here yet:
    409 not-yet-known with Retry-After, never "not settled" or "not paid"."""
    return not_yet_known("A settlement run paid entries a moment ago and the events service has not heard of it yet",
                         reason="settlement_not_known_yet")


def unsettled(row: Mapping[str, Any]) -> bool:
    """A recorded event or a finalised interruption a run may pay, not settled here (yet)."""
    return row["status"] in ("recorded", "finalised") and not row["settled"]


async def price_list_on_its_way(ctx: EventsContext) -> bool:
    """Whether the request follows a price list approved a moment ago that has not arrived: asked before the
    price lists are read, so that one arriving between the two reads is seen."""
    return await ctx.after.pending(ctx.session, ctx.tenant_id, PRICE_LIST_APPROVED)


def valuation_problem(exc: DomainError, price_list_coming: bool) -> ProblemError:
    """The problem of a valuation that failed. "No valid price list" while the request follows a price list
    applications approved a moment ago, still on its way here (`Seteli-After`), is "not yet known here"
    (409, Retry-After), not the provider's missing price."""
    if exc.code == "no_price" and price_list_coming:
        return not_yet_known("The price list was approved a moment ago and has not reached the events service yet",
                             reason="price_list_not_known_yet")
    return domain_problem(exc)


def hidden_from(principal: Principal, tenant_id: str, row: Mapping[str, Any]) -> bool:
    """An entry the caller cannot read, so may not even learn exists (404, as to a read): another company's, another
    client's, another service team's (a provider user lists only its teams' care). Those who read it (the tenant's
    staff, its client) are told why they may not change it (403)."""
    if principal.role in TENANT_STAFF or principal.role == Role.PLATFORM_ADMIN:
        return False
    if principal.role == Role.CLIENT:
        return principal.client_id is None or principal.client_id != row["client_id"]
    return (principal.role not in PROVIDER_STAFF or principal.provider_id != row["provider_id"]
            or not principal.in_team(tenant_id, row["service_id"]))


def require_team(principal: Principal, tenant_id: str, service_id: str, provider_id: str) -> None:
    if principal.role not in PROVIDER_STAFF or principal.provider_id != provider_id:
        raise forbidden("Only the provider's staff record and change its events")
    if not principal.in_team(tenant_id, service_id):
        raise forbidden("You are not in this service's team")


def _units_and_end(unit: str, inp: EventInput) -> tuple[date, Decimal | None]:
    if unit == "day":
        end = inp.end or inp.start
        if end < inp.start:
            raise invalid("end", "the end is before the start", code="end_before_start")
        days = (end - inp.start).days + 1
        if inp.units is not None and inp.units != days:
            raise invalid("units", f"day units are the days from start to end inclusive ({days})",
                          code="day_units_mismatch")
        return end, Decimal(days)
    end = inp.end or inp.start
    if unit == "hour" and (inp.start_time is not None or inp.end_time is not None):
        if inp.start_time is None or inp.end_time is None:
            raise invalid("end_time", "give both start_time and end_time", code="both_times_required")
        if end != inp.start:
            raise invalid("end", "a time range is on one day", code="time_range_one_day")
        try:
            hours = hours_between(*_real_time_range(inp.start, inp.start_time, inp.end_time))
        except DomainError as exc:
            raise domain_problem(exc) from exc
        if inp.units is not None and inp.units != stored_units(hours):
            raise invalid("units", f"the time range is {stored_units(hours)} hours", code="hours_mismatch")
        return end, hours
    if inp.units is None or inp.units <= 0:
        raise invalid("units", "a positive number of units is required", code="units_not_positive")
    if unit == "piece" and inp.units != inp.units.to_integral_value():
        raise invalid("units", "pieces are counted whole")  # 1.5 visits would be paid as one and a half
    if end < inp.start:
        raise invalid("end", "the end is before the start", code="end_before_start")
    return end, inp.units


def _real_time_range(day: date, start: time, end: time) -> tuple[time, time] | tuple[datetime, datetime]:
    """The care given is the time that really passed: on the nights Helsinki's clocks change, 00:00-06:00 is
    5 or 7 hours, not 6. A wall-clock time the clocks skip is refused. An end at 00:00 after a later start is
    midnight at the end of the day (22:00-00:00 is 2 hours): there is no 24:00 to type."""
    if start.tzinfo is not None or end.tzinfo is not None:
        return start, end  # (refused by hours_between)
    midnight = end == time(0) and start != time(0)
    instants = []
    for field, on, wall in (("start_time", day, start), ("end_time", day + timedelta(days=midnight), end)):
        instant = helsinki_instant(on, wall)
        if instant is None:
            raise invalid(field, f"{wall.isoformat('minutes')} does not exist in Helsinki on {day.isoformat()}: "
                                 "the clocks moved forward an hour", code="time_skipped")
        instants.append(instant)
    return instants[0], instants[1]


def _check_validity(booking: Mapping[str, Any], start: date, end: date) -> None:
    valid_from, valid_until = booking["valid_from"], last_valid_day(booking)
    what = "booking" if booking.get("ended_on") is not None and valid_until == booking["ended_on"] else "voucher"
    span = f"{valid_from.isoformat()} – {valid_until.isoformat() if valid_until else ''}"
    errors = []
    if start < valid_from or (valid_until is not None and start > valid_until):
        errors.append(FieldError("start", f"outside the {what}'s validity {span}"))
    if end < valid_from or (valid_until is not None and end > valid_until):
        errors.append(FieldError("end", f"outside the {what}'s validity {span}"))
    if errors:
        raise ProblemError(
            422,
            "Invalid input",
            "The event is outside the voucher's validity",
            "https://seteli.fi/problems/invalid-input",
            errors,
        )


async def ended_bookings_away(ctx: EventsContext, interruptions: Sequence[Mapping[str, Any]]) -> dict[str, date]:
    """The last valid day of each booking with an open interruption among `interruptions` that has one (booking id
    -> day): the booking's end (the client changed provider) or its voucher's last valid day (it ran out or was
    closed), the earlier. The interruption's return day is at most that day, so it takes no day after it (on the
    client's other voucher of the content, care after it is paid there)."""
    ends: dict[str, date] = {}
    for booking_id in sorted({r["booking_id"] for r in interruptions if r["end"] is None}):
        booking = await repo.booking_context(ctx.session, ctx.tenant_id, booking_id)
        last = None if booking is None else last_valid_day(booking)
        if last is not None:
            ends[booking_id] = last
    return ends


def overlap_problem(days: list[date]) -> ProblemError:
    listed = [d.isoformat() for d in days]
    return ProblemError(
        409,
        "Conflict",
        "These days are already recorded: " + ", ".join(listed),
        "https://seteli.fi/problems/days-overlap",
        [FieldError("start", "days already recorded")],
        extra={"overlapping_days": listed},
    )


def check_given(ctx: EventsContext, status: str, end: date) -> None:
    """Care is recorded once it is given: a recorded (final) event ends on or before today in
    Helsinki; a draft may cover the running month (auto-recording makes such drafts), no later.
    Confirming a draft that ends after today is refused until that day has passed."""
    today = ctx.today()
    if status == "recorded" and end > today:
        raise invalid("end", f"a final event ends on or before today ({today.isoformat()}): record it once given",
                      code="event_not_given_yet")
    last = Month.of(today).last
    if status == "draft" and end > last:
        raise invalid("end", f"a draft covers at most the running month (until {last.isoformat()})",
                      code="draft_after_month")


async def evaluate(
    ctx: EventsContext, booking: Mapping[str, Any], inp: EventInput, event_id: str, *, content_locked: bool = False
) -> Row:
    """Everything a stored event needs: end, units, segments, amounts, approval. Raises problems.
    The voucher content is locked first (unless the caller read the booking with it locked)."""
    end, units = _units_and_end(booking["unit"], inp)
    assert units is not None
    check_given(ctx, inp.status, end)
    _check_validity(booking, inp.start, end)
    if not content_locked:
        await repo.lock_voucher_content(ctx.session, ctx.tenant_id, booking["voucher_content_id"])
    price_list_coming = await price_list_on_its_way(ctx)  # before the price lists are read (just below)
    # The content's events and interruptions, the service and its price lists: one read, after the content lock.
    existing, interruption_rows, service, list_rows, on_other_vouchers, away_on_other_vouchers = \
        await repo.valuation_reads(ctx.session, ctx.tenant_id, booking, event_id,
                                   with_interruptions=booking["unit"] == "day",
                                   window=events_window(booking, inp.start, end), days=(inp.start, end))
    exclude_days: set[date] = set()
    if booking["unit"] == "day":
        # a day is paid once, also where the client holds two vouchers of the content (the old one not closed):
        # neither the other voucher's care nor its interruptions' days, their return days included (each paid there)
        live = [(e["start"], e["end"]) for e in [*existing, *on_other_vouchers] if blocks_days(e)]
        cover, returns = interruption_cover(interruption_rows, await ended_bookings_away(ctx, interruption_rows))
        away, returns_away = interruption_cover(away_on_other_vouchers,
                                                await ended_bookings_away(ctx, away_on_other_vouchers))
        clash = set(overlapping_days([*live, *away, *((d, d) for d in returns_away)], inp.start, end)) \
            | set(overlapping_days(cover, inp.start, end))
        if clash:
            raise overlap_problem(sorted(clash))
        exclude_days = {d for d in returns if inp.start <= d <= end}
    check_content_goes_on(service, booking["content_id"], inp.start, end)
    lists = [price_list(r) for r in list_rows]
    producer_part = inp.producer_part if inp.producer_part is not None else booking["producer_part"]
    try:
        valuation = value_event(
            content_terms(booking, service, inp.start),
            inp.start,
            end,
            None if booking["unit"] == "day" else units,
            lists,
            producer_part,
            exclude_days=exclude_days,
        )
    except DomainError as exc:
        raise valuation_problem(exc, price_list_coming) from exc
    segments = split_by_month(valuation.segments) if booking["unit"] == "day" else list(valuation.segments)
    rows = [segment_row(s) for s in segments]
    amount_tenant = sum((to_cents(r["amount_tenant"]) for r in rows), Decimal("0.00"))
    approval = None
    if inp.status == "recorded":
        over = is_over_limit(booking, existing, event_id, inp.start, end, units, amount_tenant)
        approval = "awaiting_approval" if over else "payable"
    return {
        "end": end,
        "units": stored_units(units),
        "producer_part": producer_part,
        "segments": rows,
        "amount_tenant": amount_tenant,
        "amount_co_payment": sum((to_cents(r["amount_co_payment"]) for r in rows), Decimal("0.00")),
        "approval": approval,
        "service": service,  # as read for the valuation: publishing it needs no second read
    }


async def publish_event(
    ctx: EventsContext, row: Mapping[str, Any], segments: list[Row], cls: type[EventRecorded], revision: int,
    service: Mapping[str, Any] | None = None,
) -> None:
    """`service`: the event's service row when the caller has read it in this transaction (else read here)."""
    await ctx.publish(await _payload(ctx, row, segments, cls, revision, service), f"{row['id']}:{revision}")


async def _payload(
    ctx: EventsContext, row: Mapping[str, Any], segments: list[Row], cls: type[EventRecorded], revision: int,
    service: Mapping[str, Any] | None,
) -> EventRecorded:
    if service is None or service["id"] != row["service_id"]:
        service = await repo.service_row(ctx.session, ctx.tenant_id, row["service_id"])
    return event_payload(row, segments, cls, revision, client_pays_on(service, row["content_id"], row["start"]))


async def record_event(
    ctx: EventsContext,
    principal: Principal,
    booking_id: str,
    inp: EventInput,
    idempotency_key: str | None = None,
    fingerprint: str | None = None,
) -> tuple[Row, bool]:
    """Create an event; returns (view, created). A repeated Idempotency-Key returns the first event; the key
    with another request (`fingerprint` differs) is refused."""
    booking = await load_booking(ctx, principal, booking_id, lock_content=True)
    if idempotency_key:
        earlier = await repo.event_by_idempotency_key(
            ctx.session, ctx.tenant_id, booking["provider_id"], idempotency_key
        )
        if earlier is not None:
            # (an event keyed before fingerprints were kept has none: taken as the retry it most likely is)
            if earlier["idempotency_fingerprint"] not in (None, fingerprint):
                raise key_reused()
            segments = (await repo.segments_of(ctx.session, ctx.tenant_id, [earlier["id"]]))[earlier["id"]]
            return event_view(earlier, segments), False
    await check_part_named(ctx, booking["provider_id"], inp.producer_part, booking["producer_part"])
    performer = inp.performer or principal.name or principal.subject
    return await create_event(ctx, booking, inp, principal.subject, performer, idempotency_key,
                              content_locked=True, fingerprint=fingerprint if idempotency_key else None), True


async def create_event(
    ctx: EventsContext,
    booking: Mapping[str, Any],
    inp: EventInput,
    recorder: str,
    performer: str,
    idempotency_key: str | None = None,
    auto_month: str | None = None,
    *,
    content_locked: bool = False,
    fingerprint: str | None = None,
) -> Row:
    """Value and store a new event; a recorded one is published as revision 1."""
    event_id = str(uuid.uuid4())
    result = await evaluate(ctx, booking, inp, event_id, content_locked=content_locked)
    now = ctx.clock.now()
    row = {
        "tenant_id": ctx.tenant_id,
        "id": event_id,
        "booking_id": booking["id"],
        "voucher_id": booking["voucher_id"],
        "voucher_content_id": booking["voucher_content_id"],
        "service_id": booking["service_id"],
        "content_id": booking["content_id"],
        "unit": booking["unit"],
        "provider_id": booking["provider_id"],
        "producer_part": result["producer_part"],
        "client_id": booking["client_id"],
        "client_ref": booking["client_ref"],
        "start": inp.start,
        "end": result["end"],
        "start_time": inp.start_time,
        "end_time": inp.end_time,
        "units": result["units"],
        "recorder": recorder,
        "performer": performer,
        "text": inp.text,
        "status": inp.status,
        "approval": result["approval"],
        "decision_reason": None,
        "revision": 1 if inp.status == "recorded" else 0,
        "amount_tenant": result["amount_tenant"],
        "amount_co_payment": result["amount_co_payment"],
        "auto_month": auto_month,
        "settled": False,
        "settled_run_id": None,
        "credited": False,
        "idempotency_key": idempotency_key,
        "idempotency_fingerprint": fingerprint,
        "created_at": now,
        "updated_at": now,
    }
    segments = result["segments"]
    if inp.status == "recorded":  # published as revision 1: the outbox row written in the event's statement
        payload = await _payload(ctx, row, segments, EventRecorded, 1, result["service"])

        async def write(outbox_row: dict[str, Any]) -> None:
            await repo.insert_event_with_segments(ctx.session, row, segments, outbox_row)

        await ctx.publish(payload, f"{event_id}:1", write)
    else:
        await repo.insert_event_with_segments(ctx.session, row, segments)
    return event_view(row, segments)


async def get_event(ctx: EventsContext, event_id: str, *, for_update: bool = False) -> Row:
    loader = repo.lock_event if for_update else repo.get_event
    row = await loader(ctx.session, ctx.tenant_id, event_id)
    if row is None or row["status"] == "deleted":
        raise not_found("Event")
    return row


# ---- rows and views ----------------------------------------------------------------------------


def segment_row(s: ValuationSegment) -> dict[str, Any]:
    """A valued segment as the event_segments row (and an interruption's segment) stores it."""
    return {
        "start": s.start,
        "end": s.end,
        "units": stored_units(s.units),
        "unit_price": s.unit_price,
        "tenant_share_per_unit": s.tenant_share_per_unit,
        "co_payment_per_unit": s.co_payment_per_unit,
        "percentage": s.percentage,
        "amount_tenant": to_cents(s.amount_tenant),
        "amount_co_payment": to_cents(s.amount_co_payment),
    }


def valuation_segment(row: Mapping[str, Any]) -> ValuationSegment:
    """A stored segment row (or one `segment_row` made, or an interruption's JSON segment) as the valuation rules
    take it."""
    return ValuationSegment(
        start=_day(row["start"]), end=_day(row["end"]), units=Decimal(str(row["units"])),
        unit_price=Decimal(str(row["unit_price"])),
        tenant_share_per_unit=Decimal(str(row["tenant_share_per_unit"])),
        co_payment_per_unit=Decimal(str(row["co_payment_per_unit"])), percentage=Decimal(str(row["percentage"])),
        amount_tenant=Decimal(str(row["amount_tenant"])), amount_co_payment=Decimal(str(row["amount_co_payment"])))


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def price_list(row: Mapping[str, Any]) -> PriceList:
    """A price_lists read-model row as the valuation rules take it."""
    return PriceList(
        row["id"],
        row["producer_part"],
        row["start"],
        {c: Decimal(str(p)) for c, p in (row["prices"] or {}).items()},
    )


def event_view(row: Mapping[str, Any], segments: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """An event with its segments as the use cases return it (the API's EventOut)."""
    return {
        "id": row["id"],
        "booking_id": row["booking_id"],
        "voucher_id": row["voucher_id"],
        "service_id": row["service_id"],
        "provider_id": row["provider_id"],
        "producer_part": row["producer_part"],
        "client_ref": row["client_ref"],
        "content_id": row["content_id"],
        "unit": row["unit"],
        "start": row["start"],
        "end": row["end"],
        "start_time": row["start_time"],
        "end_time": row["end_time"],
        "units": plain(row["units"]),
        "performer": row["performer"],
        "recorder": row["recorder"],
        "text": row["text"],
        "status": row["status"],
        "approval": row["approval"],
        "decision_reason": row.get("decision_reason"),
        "revision": row["revision"],
        "settled": row["settled"],
        "credited": row["credited"],
        "auto_month": row["auto_month"],
        "amount_tenant": money(row["amount_tenant"]),
        "amount_co_payment": money(row["amount_co_payment"]),
        "segments": [segment_fields(s) for s in segments],
    }
