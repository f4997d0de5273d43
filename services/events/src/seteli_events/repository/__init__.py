"""The events service's queries (the pages the API lists are in pages.py, the co-payment breakdown's in
copayment.py, the monthly auto-recording's in auto_recording.py). Every function takes the tenant;
nothing crosses tenants except where a name says so. The caller owns the transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from seteli_common.sql import DriverStatement, insert_for, is_postgres
from sqlalchemy import (
    ARRAY,
    Date,
    String,
    Table,
    and_,
    any_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import (
    approval_statements,
    bookings,
    client_numbers,
    correction_requests,
    credits,
    event_segments,
    events,
    feedback,
    interruptions,
    lifted_ends,
    metadata,
    price_lists,
    services,
    settled_months,
    tenants,
    voucher_contents,
    vouchers,
)

Row = dict[str, Any]


async def rows(session: AsyncSession, query: Any) -> list[Row]:
    # Kept generic: every module of this package turns a built query's result into dicts through it. Zipped with the
    # keys, not `dict(RowMapping)`, which looks each key up again: a page of 50 events 0.8 -> 0.45 ms.
    result = await session.execute(query)
    keys = list(result.keys())
    return [dict(zip(keys, r, strict=True)) for r in result.all()]


# ---- read models ------------------------------------------------------------------------------


async def service_price_lists(session: AsyncSession, tenant_id: str, service_id: str, provider_id: str) -> list[Row]:
    return await rows(
        session,
        select(price_lists).where(
            price_lists.c.tenant_id == tenant_id,
            price_lists.c.service_id == service_id,
            price_lists.c.provider_id == provider_id,
        ),
    )


def _service_and_price_lists_query() -> Any:
    one = select(literal(1).label("one")).subquery("one")
    listed = [c.label(f"pl_{c.name}") for c in price_lists.c]
    tenant_id, service_id = bindparam("tenant_id", type_=String), bindparam("service_id", type_=String)
    return select(*services.c, *listed).select_from(
        one.outerjoin(services, and_(services.c.tenant_id == tenant_id, services.c.id == service_id))
        .outerjoin(price_lists, and_(price_lists.c.tenant_id == tenant_id, price_lists.c.service_id == service_id,
                                     price_lists.c.provider_id == bindparam("provider_id")))
    )


# Built once with bound parameters: building and cache-keying a statement per request cost more CPU than
# running it (the recording path's reads below).
_SERVICE_AND_PRICE_LISTS = _service_and_price_lists_query()


async def service_and_price_lists(
    session: AsyncSession, tenant_id: str, service_id: str, provider_id: str
) -> tuple[Row | None, list[Row]]:
    """`service_row` and `service_price_lists` in one round trip: from a one-row source, the service (if any)
    outer-joined with the provider's price lists of it (if any), one result row per price list."""
    found = (await session.execute(_SERVICE_AND_PRICE_LISTS, {
        "tenant_id": tenant_id, "service_id": service_id, "provider_id": provider_id})).mappings().all()
    service = {c.name: found[0][c.name] for c in services.c} if found and found[0]["id"] is not None else None
    lists = [{c.name: r[f"pl_{c.name}"] for c in price_lists.c} for r in found if r["pl_id"] is not None]
    return service, lists


def _booking_context_query(lock_content: bool, *, one: bool = True) -> Any:
    query = (
        select(
            bookings,
            voucher_contents.c.unit,
            voucher_contents.c.granted_amount,
            voucher_contents.c.period,
            voucher_contents.c.voucher_value,
            vouchers.c.number.label("voucher_number"),
            vouchers.c.valid_from,
            vouchers.c.valid_until,
            vouchers.c.closed_reason,
        )
        .join(
            voucher_contents,
            and_(
                voucher_contents.c.tenant_id == bookings.c.tenant_id,
                voucher_contents.c.id == bookings.c.voucher_content_id,
            ),
        )
        .join(
            vouchers,
            and_(vouchers.c.tenant_id == bookings.c.tenant_id, vouchers.c.id == bookings.c.voucher_id),
        )
        .where(bookings.c.tenant_id == bindparam("tenant_id"))
    )
    if one:
        query = query.where(bookings.c.id == bindparam("booking_id"))
    return query.with_for_update(of=voucher_contents) if lock_content else query


# run by asyncpg itself on PostgreSQL (seteli_common.sql.DriverStatement): a recording runs each of them
_BOOKING_CONTEXT = {lock: DriverStatement(_booking_context_query(lock)) for lock in (False, True)}


async def booking_context(
    session: AsyncSession, tenant_id: str, booking_id: str, *, lock_content: bool = False
) -> Row | None:
    """The booking with its voucher content and voucher, as recording needs them. `lock_content`: the voucher
    content row is locked as `lock_voucher_content` does, in the same round trip."""
    rows = await _BOOKING_CONTEXT[lock_content].rows(session, {"tenant_id": tenant_id, "booking_id": booking_id})
    return dict(rows[0]) if rows else None


async def booking_contexts(session: AsyncSession, tenant_id: str, booking_ids: Sequence[str]) -> dict[str, Row]:
    """`booking_context` of several bookings in one read, by booking id (those not known are left out)."""
    if not booking_ids:
        return {}
    query = _booking_context_query(False, one=False).where(bookings.c.id.in_(sorted(set(booking_ids))))
    result = await session.execute(query, {"tenant_id": tenant_id})
    return {r["id"]: dict(r) for r in result.mappings().all()}


async def service_row(session: AsyncSession, tenant_id: str, service_id: str) -> Row | None:
    return await _one(session, services, tenant_id, service_id)


async def newer_service_definition_kept(session: AsyncSession, tenant_id: str, service_id: str, at: datetime) -> bool:
    """Whether the service kept here was stated after `at`; the row is locked, so that two definitions handled
    side by side are applied one after the other."""
    at = at.astimezone(UTC)
    query = (select(services.c.defined_at.is_not(None) & (services.c.defined_at > at))
             .where(services.c.tenant_id == tenant_id, services.c.id == service_id).with_for_update())
    return bool((await session.execute(query)).scalar_one_or_none())


async def lock_voucher_content(session: AsyncSession, tenant_id: str, voucher_content_id: str) -> None:
    """Serialise writers of one voucher content, so overlap and over-limit checks see each other."""
    await session.execute(
        select(voucher_contents.c.id)
        .where(voucher_contents.c.tenant_id == tenant_id, voucher_contents.c.id == voucher_content_id)
        .with_for_update()
    )


# ---- events ------------------------------------------------------------------------------------


def _content_query(table: Table, live: Any, exclude: bool, order: list[Any]) -> Any:
    query = select(table).where(table.c.tenant_id == bindparam("tenant_id"),
                                table.c.voucher_content_id == bindparam("voucher_content_id"), live)
    if exclude:
        query = query.where(table.c.id != bindparam("exclude"))
    return query.order_by(*order)


def _in_window(query: Any) -> Any:
    """Only the events with a day in `window_from`..`window_to`."""
    return query.where(events.c.end >= bindparam("window_from", type_=Date),
                       events.c.start <= bindparam("window_to", type_=Date))


_CONTENT_EVENTS = {
    (x, windowed): (_in_window(q) if windowed else q)
    for x in (False, True) for windowed in (False, True)
    for q in [_content_query(events, events.c.status != "deleted", x, [events.c.created_at, events.c.id])]
}
_CONTENT_INTERRUPTIONS = {x: _content_query(interruptions, interruptions.c.credited.is_(False), x,
                                            [interruptions.c.start]) for x in (False, True)}


async def content_events(
    session: AsyncSession, tenant_id: str, voucher_content_id: str, exclude: str | None = None,
    window: tuple[date, date] | None = None,
) -> list[Row]:
    """Live (not deleted) events of one voucher content, in recording order; with `window`, only those with a
    day in it."""
    result = await session.execute(_CONTENT_EVENTS[exclude is not None, window is not None], {
        "tenant_id": tenant_id, "voucher_content_id": voucher_content_id, "exclude": exclude,
        **_window_params(window)})
    return [dict(r) for r in result.mappings().all()]


async def events_of_contents(
    session: AsyncSession, tenant_id: str, voucher_content_ids: Sequence[str], window: tuple[date, date] | None
) -> list[Row]:
    """Live events of several voucher contents (with `window`, only those with a day in it), in recording order."""
    if not voucher_content_ids:
        return []
    query = select(events).where(events.c.tenant_id == tenant_id, events.c.status != "deleted",
                                 events.c.voucher_content_id.in_(sorted(set(voucher_content_ids))))
    if window is not None:
        query = query.where(events.c.end >= window[0], events.c.start <= window[1])
    result = await session.execute(query.order_by(events.c.created_at, events.c.id))
    return [dict(r) for r in result.mappings().all()]


def _window_params(window: tuple[date, date] | None) -> dict[str, date]:
    return {} if window is None else {"window_from": window[0], "window_to": window[1]}


async def content_interruptions(
    session: AsyncSession, tenant_id: str, voucher_content_id: str, exclude: str | None = None
) -> list[Row]:
    """The content's interruptions that take their days (a credited one has given them back)."""
    result = await session.execute(_CONTENT_INTERRUPTIONS[exclude is not None], {
        "tenant_id": tenant_id, "voucher_content_id": voucher_content_id, "exclude": exclude})
    return [dict(r) for r in result.mappings().all()]


# What valuing an event reads, each table's columns under a prefix of its own.
_VALUATION_TABLES = {"e": events, "i": interruptions, "s": services, "pl": price_lists}


def _of_client_elsewhere(table: Table) -> Any:
    """Rows of the booking's client and service content on the client's other voucher contents (a new voucher
    granted while the old one was not closed: a day is paid once)."""
    return and_(table.c.tenant_id == bindparam("tenant_id", type_=String),
                table.c.client_id == bindparam("client_id", type_=String),
                table.c.service_id == bindparam("service_id", type_=String),
                table.c.content_id == bindparam("content_id", type_=String),
                table.c.voucher_content_id != bindparam("voucher_content_id", type_=String))


def _valuation_query(with_interruptions: bool, windowed: bool) -> Any:
    """`_CONTENT_EVENTS[True]`, `_CONTENT_INTERRUPTIONS[False]` (day units) and `_SERVICE_AND_PRICE_LISTS` as one
    statement: a row of each part carries its kind (`e`, `i`, `s`) and its tables' columns under their
    prefixes, every other column NULL (typed, so that each column's values come out as its own)."""
    def part(kind: str, *present: str) -> Any:
        columns = [(c if prefix in present else cast(null(), c.type)).label(f"{prefix}_{c.name}")
                   for prefix, table in _VALUATION_TABLES.items() for c in table.c]
        return select(literal_column(f"'{kind}'").label("kind"), *columns)

    def of_content(table: Table) -> Any:
        return and_(table.c.tenant_id == bindparam("tenant_id", type_=String),
                    table.c.voucher_content_id == bindparam("voucher_content_id", type_=String))

    content_events = part("e", "e").where(of_content(events), events.c.status != "deleted",
                                          events.c.id != bindparam("exclude", type_=String))
    parts = [_in_window(content_events) if windowed else content_events]
    if with_interruptions:
        parts.append(part("i", "i").where(of_content(interruptions), interruptions.c.credited.is_(False)))
        # The client's events of the same content on its other vouchers, on the new event's days: a day is paid once
        # (a new voucher granted while the old one was not closed).
        parts.append(part("o", "e").where(
            _of_client_elsewhere(events), events.c.status != "deleted",
            events.c.end >= bindparam("days_from", type_=Date), events.c.start <= bindparam("days_to", type_=Date)))
        # ... and its interruptions there that take a day of them (an open one: every day from its departure)
        parts.append(part("oi", "i").where(_of_client_elsewhere(interruptions), interruptions.c.credited.is_(False),
                                           interruptions.c.start <= bindparam("days_to", type_=Date),
                                           or_(interruptions.c.end.is_(None),
                                               interruptions.c.end >= bindparam("days_from", type_=Date))))
    service = _SERVICE_AND_PRICE_LISTS.get_final_froms()[0]  # the one-row source joined with both
    parts.append(part("s", "s", "pl").select_from(service))
    query = union_all(*parts)
    c = query.selected_columns
    return query.order_by(c.kind, c.e_created_at, c.e_id, c.i_start)


_VALUATION = {(x, windowed): DriverStatement(_valuation_query(x, windowed))
              for x in (False, True) for windowed in (False, True)}
_COLUMNS = {prefix: [(c.name, f"{prefix}_{c.name}") for c in table.c] for prefix, table in _VALUATION_TABLES.items()}


async def valuation_reads(
    session: AsyncSession, tenant_id: str, booking: Mapping[str, Any], exclude_event: str, *, with_interruptions: bool,
    window: tuple[date, date] | None = None, days: tuple[date, date] = (date.min, date.max),
) -> tuple[list[Row], list[Row], Row | None, list[Row], list[Row], list[Row]]:
    """In one round trip: the booking's content's live events but `exclude_event` (`content_events`; with
    `window`, only those with a day in it), its interruptions (`content_interruptions`; none read without
    `with_interruptions`), the booking's service and its provider's price lists of it
    (`service_and_price_lists`), and (with `with_interruptions`) the live events and the interruptions of the
    client's other voucher contents of the same service content with a day in `days`."""
    result = await _VALUATION[with_interruptions, window is not None].rows(session, {
        "tenant_id": tenant_id, "voucher_content_id": booking["voucher_content_id"], "exclude": exclude_event,
        "service_id": booking["service_id"], "provider_id": booking["provider_id"], **_window_params(window),
        **({"client_id": booking["client_id"], "content_id": booking["content_id"], "days_from": days[0],
            "days_to": days[1]} if with_interruptions else {})})
    found: dict[str, list[Row]] = {"e": [], "i": [], "s": [], "pl": [], "o": [], "oi": []}
    for r in result:
        # a service row: the service (repeated on each of its price lists), NULL when there is none
        kinds = ("s", "pl") if r["kind"] == "s" else (r["kind"],)
        for kind in kinds:
            prefix = {"o": "e", "oi": "i"}.get(kind, kind)  # (the other contents' rows in their table's columns)
            if r[f"{prefix}_id"] is not None and not (kind == "s" and found["s"]):
                found[kind].append({name: r[label] for name, label in _COLUMNS[prefix]})
    return found["e"], found["i"], (found["s"][0] if found["s"] else None), found["pl"], found["o"], found["oi"]


async def client_days_elsewhere(session: AsyncSession, tenant_id: str, booking: Mapping[str, Any], first: date,
                                last: date) -> tuple[list[Row], list[Row]]:
    """The live events and the interruptions of the booking's client and service content on the client's other
    voucher contents with a day in `first..last`."""
    params = {"tenant_id": tenant_id, "client_id": booking["client_id"], "service_id": booking["service_id"],
              "content_id": booking["content_id"], "voucher_content_id": booking["voucher_content_id"]}
    found_events = await session.execute(select(events).where(
        _of_client_elsewhere(events), events.c.status != "deleted", events.c.end >= first, events.c.start <= last),
        params)
    found_interruptions = await session.execute(select(interruptions).where(
        _of_client_elsewhere(interruptions), interruptions.c.credited.is_(False), interruptions.c.start <= last,
        or_(interruptions.c.end.is_(None), interruptions.c.end >= first)), params)
    return [dict(r) for r in found_events.mappings()], [dict(r) for r in found_interruptions.mappings()]


async def event_by_idempotency_key(session: AsyncSession, tenant_id: str, provider_id: str, key: str) -> Row | None:
    query = select(events).where(
        events.c.tenant_id == tenant_id, events.c.provider_id == provider_id, events.c.idempotency_key == key
    )
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def replace_segments(
    session: AsyncSession, tenant_id: str, event_id: str, segments: Sequence[Mapping[str, Any]]
) -> None:
    await session.execute(
        delete(event_segments).where(event_segments.c.tenant_id == tenant_id, event_segments.c.event_id == event_id)
    )
    await insert_segments(session, tenant_id, event_id, segments)


_INSERT_SEGMENTS = insert(event_segments)


async def insert_segments(
    session: AsyncSession, tenant_id: str, event_id: str, segments: Sequence[Mapping[str, Any]]
) -> None:
    """The segments of an event that has none yet (a new one): no DELETE first."""
    if segments:
        await session.execute(
            _INSERT_SEGMENTS,
            [{"tenant_id": tenant_id, "event_id": event_id, "seq": i, **s} for i, s in enumerate(segments)],
        )


async def segments_of(session: AsyncSession, tenant_id: str, event_ids: Sequence[str]) -> dict[str, list[Row]]:
    result: dict[str, list[Row]] = {i: [] for i in event_ids}
    if not event_ids:
        return result
    # PostgreSQL: one array parameter, not an IN of 50 that SQLAlchemy renders anew for every page
    ids = (event_segments.c.event_id == any_(bindparam("ids", list(event_ids), type_=ARRAY(String)))
           if is_postgres(session) else event_segments.c.event_id.in_(list(event_ids)))
    query = (
        select(event_segments)
        .where(event_segments.c.tenant_id == tenant_id, ids)
        .order_by(event_segments.c.event_id, event_segments.c.seq)
    )
    for row in await rows(session, query):
        result[row["event_id"]].append(row)
    return result


async def mark_settled(session: AsyncSession, tenant_id: str, event_ids: Sequence[str], run_id: str) -> None:
    if event_ids:
        await session.execute(
            update(events)
            .where(events.c.tenant_id == tenant_id, events.c.id.in_(list(event_ids)))
            .values(settled=True, settled_run_id=run_id)
        )


async def mark_interruptions_settled(
    session: AsyncSession, tenant_id: str, interruption_ids: Sequence[str], run_id: str
) -> None:
    if interruption_ids:
        await session.execute(
            update(interruptions)
            .where(interruptions.c.tenant_id == tenant_id, interruptions.c.id.in_(list(interruption_ids)))
            .values(settled=True, settled_run_id=run_id)
        )


# ---- credits and feedback --------------------------------------------------------------------------


async def credit_of(session: AsyncSession, tenant_id: str, event_id: str, kind: str = "event") -> Row | None:
    query = select(credits).where(
        credits.c.tenant_id == tenant_id, credits.c.event_id == event_id, credits.c.kind == kind
    )
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def unsettled_events_priced_from(
    session: AsyncSession, tenant_id: str, service_id: str, provider_id: str, producer_part: str | None, day: date
) -> list[Row]:
    """The provider's live, unsettled, uncredited, not rejected events (recorded or drafts) of the service with a
    day on or after `day`, of the producer part (None, the company: of any part, which may fall back to the
    company's list), in recording order: those a price list starting on `day` may price."""
    query = select(events).where(
        events.c.tenant_id == tenant_id,
        events.c.service_id == service_id,
        events.c.provider_id == provider_id,
        events.c.status.in_(("recorded", "draft")),
        events.c.settled.is_(False),
        events.c.credited.is_(False),
        or_(events.c.approval.is_(None), events.c.approval != "rejected"),  # the tenant's rejection stands
        events.c.end >= day,
    )
    if producer_part is not None:
        query = query.where(events.c.producer_part == producer_part)
    return await rows(session, query.order_by(events.c.created_at, events.c.id))


async def unsettled_interruptions_priced_from(
    session: AsyncSession, tenant_id: str, service_id: str, provider_id: str, producer_part: str | None, day: date
) -> list[Row]:
    """As `unsettled_events_priced_from`, the finalised interruptions not settled, credited nor rejected."""
    query = select(interruptions).where(
        interruptions.c.tenant_id == tenant_id,
        interruptions.c.service_id == service_id,
        interruptions.c.provider_id == provider_id,
        interruptions.c.status == "finalised",
        interruptions.c.settled.is_(False),
        interruptions.c.credited.is_(False),
        or_(interruptions.c.approval.is_(None), interruptions.c.approval != "rejected"),
        interruptions.c.end >= day,
    )
    if producer_part is not None:
        query = query.where(interruptions.c.producer_part == producer_part)
    return await rows(session, query.order_by(interruptions.c.created_at, interruptions.c.id))


async def unsettled_interruptions_of_service(session: AsyncSession, tenant_id: str, service_id: str) -> list[Row]:
    """The service's finalised interruptions not settled, credited nor rejected (of every provider), in recording
    order: those a change of the service's interruption rule values again."""
    query = select(interruptions).where(
        interruptions.c.tenant_id == tenant_id,
        interruptions.c.service_id == service_id,
        interruptions.c.status == "finalised",
        interruptions.c.settled.is_(False),
        interruptions.c.credited.is_(False),
        or_(interruptions.c.approval.is_(None), interruptions.c.approval != "rejected"),
    )
    return await rows(session, query.order_by(interruptions.c.created_at, interruptions.c.id))


async def booking_ids_of_voucher(session: AsyncSession, tenant_id: str, voucher_id: str) -> list[str]:
    query = select(bookings.c.id).where(bookings.c.tenant_id == tenant_id, bookings.c.voucher_id == voucher_id)
    return [r["id"] for r in await rows(session, query)]


async def booking_ids_of_contents(
    session: AsyncSession, tenant_id: str, service_id: str, content_ids: list[str]
) -> list[str]:
    query = select(bookings.c.id).where(
        bookings.c.tenant_id == tenant_id, bookings.c.service_id == service_id, bookings.c.content_id.in_(content_ids)
    )
    return [r["id"] for r in await rows(session, query)]


async def clients_of_entries(session: AsyncSession, tenant_id: str, entries: Sequence[tuple[str, str]]) -> list[str]:
    """The clients of (kind, id) entries, kind `event` or `interruption`: whom a credit or a correction is about."""
    clients: list[str] = []
    for kind, table in (("event", events), ("interruption", interruptions)):
        ids = sorted({entry_id for entry_kind, entry_id in entries if entry_kind == kind})
        if ids:
            query = select(table.c.client_id).where(table.c.tenant_id == tenant_id, table.c.id.in_(ids))
            clients += [r["client_id"] for r in await rows(session, query)]
    return clients


async def client_known(session: AsyncSession, tenant_id: str, client_id: str) -> bool:
    """The tenant has granted the client a voucher, or has a booking (also a purchased service) for them."""
    for table in (vouchers, bookings):
        query = select(table.c.id).where(table.c.tenant_id == tenant_id, table.c.client_id == client_id).limit(1)
        if (await session.execute(query)).first() is not None:
            return True
    return False


async def client_has_relationship(session: AsyncSession, tenant_id: str, client_id: str, provider_id: str) -> list[Row]:
    """The client's bookings with the provider (the relationship feedback requires)."""
    return await rows(
        session,
        select(bookings).where(
            bookings.c.tenant_id == tenant_id,
            bookings.c.client_id == client_id,
            bookings.c.provider_id == provider_id,
        ),
    )


async def provider_serves_client(
    session: AsyncSession, tenant_id: str, provider_id: str, client_id: str, service_id: str, today: date, since: date
) -> bool:
    """Is the client the provider's own in this service: an open booking of a voucher still valid, or an
    event of the provider since `since` (the same rule as the provider's client list in vouchers)."""
    booked = (
        select(bookings.c.id)
        .join(vouchers, and_(vouchers.c.tenant_id == bookings.c.tenant_id, vouchers.c.id == bookings.c.voucher_id))
        .where(
            bookings.c.tenant_id == tenant_id,
            bookings.c.provider_id == provider_id,
            bookings.c.client_id == client_id,
            bookings.c.service_id == service_id,
            bookings.c.ended_on.is_(None),
            or_(vouchers.c.valid_until.is_(None), vouchers.c.valid_until >= today),
        )
        .limit(1)
    )
    if (await session.execute(booked)).first() is not None:
        return True
    recorded = (
        select(events.c.id)
        .where(
            events.c.tenant_id == tenant_id,
            events.c.provider_id == provider_id,
            events.c.client_id == client_id,
            events.c.service_id == service_id,
            events.c.status != "deleted",
            events.c.start >= since,
        )
        .limit(1)
    )
    return (await session.execute(recorded)).first() is not None


async def open_correction_request(session: AsyncSession, tenant_id: str, target_id: str) -> Row | None:
    t = correction_requests
    query = select(t).where(t.c.tenant_id == tenant_id, t.c.target_id == target_id, t.c.state == "open")
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def correction_requests_page(session: AsyncSession, tenant_id: str, limit: int, offset: int, *,
                                   provider_id: str | None = None, service_ids: Sequence[str] | None = None,
                                   state: str | None = None) -> tuple[list[Row], int]:
    """Open ones oldest first (a queue), then the answered newest first; `service_ids` (a provider user's
    service teams): only those services' requests."""
    t = correction_requests
    where = [t.c.tenant_id == tenant_id, *([t.c.provider_id == provider_id] if provider_id else []),
             *([t.c.service_id.in_(list(service_ids))] if service_ids is not None else []),
             *([t.c.state == state] if state else [])]
    total = (await session.execute(select(func.count()).select_from(t).where(*where))).scalar_one()
    query = (select(t).where(*where)
             .order_by((t.c.state != "open"), case((t.c.state == "open", t.c.created_at)).asc(),
                       t.c.answered_at.desc(), t.c.id).limit(limit).offset(offset))
    return [dict(r) for r in (await session.execute(query)).mappings().all()], int(total)

# ---- one row by tenant and id --------------------------------------------------------------------
# Kept generic on purpose: the one shape (tenant_id + id) of every table's single-row read, write and lock;
# private, so callers name what they touch through the functions below.


async def _one(session: AsyncSession, table: Table, tenant_id: str, row_id: str, *, lock: bool = False) -> Row | None:
    query = select(table).where(table.c.tenant_id == tenant_id, table.c.id == row_id)
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def _update(session: AsyncSession, table: Table, tenant_id: str, row_id: str, values: Mapping[str, Any]) -> None:
    await session.execute(update(table).where(table.c.tenant_id == tenant_id, table.c.id == row_id).values(**values))


async def _delete(session: AsyncSession, table: Table, tenant_id: str, row_id: str) -> None:
    await session.execute(delete(table).where(table.c.tenant_id == tenant_id, table.c.id == row_id))


async def _upsert(session: AsyncSession, table: Table, keys: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    """Upsert of a read-model row (portable across PostgreSQL and SQLite)."""
    await session.execute(delete(table).where(*[table.c[k] == v for k, v in keys.items()]))
    await session.execute(insert(table).values(**keys, **values))


# ---- read models written from other services' facts -------------------------------------------------


async def save_tenant(session: AsyncSession, tenant_id: str, values: Mapping[str, Any]) -> None:
    await _upsert(session, tenants, {"id": tenant_id}, values)


async def interruptions_need_approval(session: AsyncSession, tenant_id: str) -> bool:
    """The tenant's setting: finalised interruptions wait for an officer's approval (False if unknown)."""
    return (await approval_setting(session, tenant_id))[0]


async def approval_setting(session: AsyncSession, tenant_id: str) -> tuple[bool, datetime | None]:
    """The tenant's setting as kept, and when it was stated (None: before statements were dated)."""
    query = select(tenants.c.interruptions_need_approval, tenants.c.setting_changed_at).where(tenants.c.id == tenant_id)
    row = (await session.execute(query)).first()
    return (False, None) if row is None else (bool(row[0]), row[1])


async def set_interruptions_need_approval(session: AsyncSession, tenant_id: str, on: bool, at: datetime) -> bool:
    """Keep the statement of the setting made at `at` (each one: see approval_statements), and the setting unless
    one stated later is kept; False when the tenant is not known yet."""
    at = at.astimezone(UTC)
    query = select(tenants.c.setting_changed_at).where(tenants.c.id == tenant_id).with_for_update()
    kept = (await session.execute(query)).first()
    if kept is None:
        return False
    if kept[0] is None or kept[0].replace(tzinfo=kept[0].tzinfo or UTC) <= at:
        await session.execute(update(tenants).where(tenants.c.id == tenant_id)
                              .values(interruptions_need_approval=on, setting_changed_at=at))
    heard = select(approval_statements.c.stated_at).where(approval_statements.c.tenant_id == tenant_id,
                                                          approval_statements.c.stated_at == at)
    if (await session.execute(heard)).first() is None:  # (the same statement again changes nothing)
        await session.execute(insert(approval_statements).values(tenant_id=tenant_id, stated_at=at,
                                                                 need_approval=on))
    return True


async def approval_statements_of(session: AsyncSession, tenant_id: str) -> list[tuple[datetime, bool]]:
    """Every statement of the tenant's approval step heard: when it was stated (UTC) and whether it was "on"."""
    query = select(approval_statements.c.stated_at, approval_statements.c.need_approval).where(
        approval_statements.c.tenant_id == tenant_id)
    return [(at.replace(tzinfo=at.tzinfo or UTC), bool(on)) for at, on in (await session.execute(query)).all()]


async def lock_held_interruptions(session: AsyncSession, tenant_id: str) -> list[Row]:
    """The tenant's finalised interruptions not settled or credited yet whose finalising the approval step decided
    (held_at kept): those a statement heard late may decide otherwise; oldest first, locked."""
    t = interruptions.c
    query = (
        select(interruptions)
        .where(t.tenant_id == tenant_id, t.status == "finalised", t.held_at.is_not(None), t.settled.is_(False),
               t.credited.is_(False))
        .order_by(t.held_at, t.id)
        .with_for_update()
    )
    return await rows(session, query)


async def save_service(session: AsyncSession, tenant_id: str, service_id: str, values: Mapping[str, Any]) -> None:
    await _upsert(session, services, {"tenant_id": tenant_id, "id": service_id}, values)


async def save_price_list(session: AsyncSession, tenant_id: str, price_list_id: str, values: Mapping[str, Any]) -> None:
    await _upsert(session, price_lists, {"tenant_id": tenant_id, "id": price_list_id}, values)


async def save_voucher(session: AsyncSession, tenant_id: str, voucher_id: str, values: Mapping[str, Any]) -> None:
    await _upsert(session, vouchers, {"tenant_id": tenant_id, "id": voucher_id}, values)


async def save_voucher_content(
    session: AsyncSession, tenant_id: str, voucher_content_id: str, values: Mapping[str, Any]
) -> None:
    await _upsert(session, voucher_contents, {"tenant_id": tenant_id, "id": voucher_content_id}, values)


async def save_booking(session: AsyncSession, tenant_id: str, booking_id: str, values: Mapping[str, Any]) -> None:
    await _upsert(session, bookings, {"tenant_id": tenant_id, "id": booking_id}, values)


async def client_number(session: AsyncSession, tenant_id: str, provider_id: str, client_id: str) -> str | None:
    """The provider's own number for the client, as stated last (None: none heard)."""
    t = client_numbers
    query = select(t.c.client_ref).where(t.c.tenant_id == tenant_id, t.c.provider_id == provider_id,
                                         t.c.client_id == client_id)
    return (await session.execute(query)).scalar_one_or_none()


async def save_client_number(session: AsyncSession, tenant_id: str, provider_id: str, client_id: str,
                             client_ref: str, at: datetime) -> bool:
    """Keep the number stated at `at`; False (nothing kept) when a number stated later is kept already."""
    t = client_numbers
    at = at.astimezone(UTC)
    keys = {"tenant_id": tenant_id, "provider_id": provider_id, "client_id": client_id}
    kept = (await session.execute(select(t.c.stated_at).where(*[t.c[k] == v for k, v in keys.items()])
                                  .with_for_update())).scalar_one_or_none()
    if kept is not None and kept.replace(tzinfo=kept.tzinfo or UTC) > at:
        return False
    await _upsert(session, t, keys, {"client_ref": client_ref, "stated_at": at})
    return True


async def rename_client(session: AsyncSession, tenant_id: str, provider_id: str, client_id: str,
                        client_ref: str) -> None:
    """The client's bookings, events, interruptions, credits and correction requests with the provider carry
    `client_ref` from now on."""
    for table in (bookings, events, interruptions):
        await session.execute(update(table).where(
            table.c.tenant_id == tenant_id, table.c.provider_id == provider_id, table.c.client_id == client_id,
            table.c.client_ref != client_ref).values(client_ref=client_ref))
    of_client = union_all(*(
        select(table.c.id).where(table.c.tenant_id == tenant_id, table.c.provider_id == provider_id,
                                 table.c.client_id == client_id) for table in (events, interruptions)))
    await session.execute(update(credits).where(
        credits.c.tenant_id == tenant_id, credits.c.provider_id == provider_id,
        credits.c.event_id.in_(of_client)).values(client_ref=client_ref))
    # a request keeps its client (a removed one has no event or interruption left); one without, by its target
    requests = correction_requests.c
    await session.execute(update(correction_requests).where(
        requests.tenant_id == tenant_id, requests.provider_id == provider_id,
        or_(requests.client_id == client_id, and_(requests.client_id.is_(None), requests.target_id.in_(of_client))),
    ).values(client_ref=client_ref))


async def save_settled_month(session: AsyncSession, tenant_id: str, month: str, run_id: str) -> None:
    """A run of the month has been made (paying or completed): the first run heard of is kept, without a conflict
    when two payees' news of one run arrive at once."""
    await session.execute(insert_for(session, settled_months)
                          .values(tenant_id=tenant_id, month=month, run_id=run_id).on_conflict_do_nothing())


async def month_settled(session: AsyncSession, tenant_id: str, month: str) -> bool:
    """Whether a run of the month has been made, as far as events has heard (`save_settled_month`)."""
    query = select(settled_months.c.month).where(settled_months.c.tenant_id == tenant_id,
                                                 settled_months.c.month == month)
    return (await session.execute(query)).first() is not None


async def voucher_known(session: AsyncSession, tenant_id: str, voucher_id: str) -> bool:
    return await _one(session, vouchers, tenant_id, voucher_id) is not None


async def voucher_content_known(session: AsyncSession, tenant_id: str, voucher_content_id: str) -> bool:
    return await _one(session, voucher_contents, tenant_id, voucher_content_id) is not None


async def booking_known(session: AsyncSession, tenant_id: str, booking_id: str) -> bool:
    return await _one(session, bookings, tenant_id, booking_id) is not None


async def shorten_voucher_validity(session: AsyncSession, tenant_id: str, voucher_id: str,
                                   valid_until: date | None, reason: str | None = None) -> None:
    """The voucher is valid until `valid_until` at the latest: a close only ever shortens the validity (vouchers
    closes with the earlier of the two ends), so a close heard after a later one never lengthens it again (nor
    one without an end). The close that shortens it leaves its `reason` (a death's names the cause of the end)."""
    if valid_until is None:
        return
    await session.execute(
        update(vouchers)
        .where(vouchers.c.tenant_id == tenant_id, vouchers.c.id == voucher_id,
               or_(vouchers.c.valid_until.is_(None), vouchers.c.valid_until > valid_until))
        .values(valid_until=valid_until, closed_reason=reason)
    )


async def end_booking(session: AsyncSession, tenant_id: str, booking_id: str, ended_on: date,
                      reason: str | None = None) -> None:
    """The booking ends on `ended_on` at the latest: vouchers only ever ends a booking earlier (one ended in advance
    is ended sooner when the client moves sooner), so an end heard after an earlier one never lengthens it again.
    The end that shortens it leaves its `reason`."""
    await session.execute(
        update(bookings)
        .where(bookings.c.tenant_id == tenant_id, bookings.c.id == booking_id,
               or_(bookings.c.ended_on.is_(None), bookings.c.ended_on > ended_on))
        .values(ended_on=ended_on, end_reason=reason)
    )


async def restore_booking(session: AsyncSession, tenant_id: str, booking_id: str, ended_on: date,
                          reason: str, at: datetime) -> None:
    """The booking's end on `ended_on` for `reason` (its voucher's close) is undone: it has no end again. Any
    other end (an earlier one heard since) stays, so a restore heard twice or late lengthens nothing else. The lift
    is kept with when it was stated (`at`): that end heard only afterwards does not end the booking again."""
    t = lifted_ends
    keys = {"tenant_id": tenant_id, "booking_id": booking_id, "ended_on": ended_on, "reason": reason}
    kept = (await session.execute(select(t.c.lifted_at).where(*[t.c[k] == v for k, v in keys.items()])
                                  .with_for_update())).scalar_one_or_none()
    at = at.astimezone(UTC)
    if kept is None or kept.replace(tzinfo=kept.tzinfo or UTC) < at:
        await _upsert(session, t, keys, {"lifted_at": at})
    await session.execute(
        update(bookings)
        .where(bookings.c.tenant_id == tenant_id, bookings.c.id == booking_id, bookings.c.ended_on == ended_on,
               bookings.c.end_reason == reason)
        .values(ended_on=None, end_reason=None)
    )


async def end_lifted_since(session: AsyncSession, tenant_id: str, booking_id: str, ended_on: date, reason: str | None,
                           stated_at: datetime) -> bool:
    """Whether this end (`ended_on` for `reason`, stated at `stated_at`) was lifted by a restore stated later."""
    if reason is None:
        return False
    t = lifted_ends
    lifted = (await session.execute(select(t.c.lifted_at).where(
        t.c.tenant_id == tenant_id, t.c.booking_id == booking_id, t.c.ended_on == ended_on, t.c.reason == reason,
    ))).scalar_one_or_none()
    return lifted is not None and lifted.replace(tzinfo=lifted.tzinfo or UTC) >= stated_at.astimezone(UTC)


# ---- the rows the use cases write ------------------------------------------------------------------


async def get_event(session: AsyncSession, tenant_id: str, event_id: str) -> Row | None:
    return await _one(session, events, tenant_id, event_id)


async def lock_event(session: AsyncSession, tenant_id: str, event_id: str) -> Row | None:
    """The event, locked until the transaction ends (a change or a decision reads it so)."""
    return await _one(session, events, tenant_id, event_id, lock=True)


_INSERT_EVENT = insert(events)


async def insert_event(session: AsyncSession, row: Mapping[str, Any]) -> None:
    await session.execute(_INSERT_EVENT, dict(row))


# By (the event row's columns, the number of segments, the outbox row's columns): built once each.
_INSERT_EVENT_AND_SEGMENTS: dict[tuple[tuple[str, ...], int, tuple[str, ...]], DriverStatement] = {}
_OUTBOX = metadata.tables["outbox"]
_INSERT_OUTBOX = insert(_OUTBOX)


def _event_and_segments_insert(columns: tuple[str, ...], count: int, outbox_columns: tuple[str, ...]) -> Any:
    """The event's INSERT (and the outbox row's, when it has one) in a WITH clause and its `count` segments'
    INSERT: one statement (PostgreSQL runs the WITH clause's INSERTs whether or not they are read, and checks the
    segments' foreign key at the statement's end)."""
    new_event = insert(events).values({c: bindparam(f"e_{c}", type_=events.c[c].type) for c in columns})
    # INSERT … SELECT of bound values: a multi-row VALUES clause would not be cached (compiled on every call)
    rows = [select(*[bindparam(f"s{i}_{c.name}", type_=c.type) for c in event_segments.c]) for i in range(count)]
    segments = rows[0] if count == 1 else union_all(*rows)
    statement = insert(event_segments).from_select([c.name for c in event_segments.c], segments).add_cte(
        new_event.cte("new_event"))
    if outbox_columns:
        statement = statement.add_cte(insert(_OUTBOX).values(
            {c: bindparam(f"o_{c}", type_=_OUTBOX.c[c].type) for c in outbox_columns}).cte("new_outbox_row"))
    return statement


async def insert_event_with_segments(
    session: AsyncSession, row: Mapping[str, Any], segments: Sequence[Mapping[str, Any]],
    outbox_row: Mapping[str, Any] | None = None,
) -> None:
    """`insert_event` and `insert_segments` of a new event, and the outbox row that publishes it (`outbox_row`:
    `Outbox.add`'s `write`), in one round trip on PostgreSQL."""
    if not segments or len(segments) > 24 or session.get_bind().dialect.name != "postgresql":
        await insert_event(session, row)
        await insert_segments(session, row["tenant_id"], row["id"], segments)
        if outbox_row is not None:
            await session.execute(_INSERT_OUTBOX, dict(outbox_row))
        return
    key = (tuple(row), len(segments), tuple(outbox_row or ()))
    statement = _INSERT_EVENT_AND_SEGMENTS.get(key)
    if statement is None:
        statement = _INSERT_EVENT_AND_SEGMENTS.setdefault(key, DriverStatement(_event_and_segments_insert(*key)))
    params = {f"e_{c}": v for c, v in row.items()}
    if outbox_row is not None:
        params.update({f"o_{c}": v for c, v in outbox_row.items()})
    for i, s in enumerate(segments):
        params.update({f"s{i}_{c}": v for c, v in {"tenant_id": row["tenant_id"], "event_id": row["id"], "seq": i,
                                                    **s}.items()})
    await statement.rows(session, params)


async def update_event(session: AsyncSession, tenant_id: str, event_id: str, **values: Any) -> None:
    await _update(session, events, tenant_id, event_id, values)


async def insert_interruption(session: AsyncSession, row: Mapping[str, Any]) -> None:
    await session.execute(insert(interruptions).values(**row))


async def lock_interruption(session: AsyncSession, tenant_id: str, interruption_id: str) -> Row | None:
    return await _one(session, interruptions, tenant_id, interruption_id, lock=True)


async def interruption_client(session: AsyncSession, tenant_id: str, interruption_id: str) -> str | None:
    """Whose interruption it is (None: no such interruption)."""
    row = await _one(session, interruptions, tenant_id, interruption_id)
    return None if row is None else str(row["client_id"])


async def update_interruption(session: AsyncSession, tenant_id: str, interruption_id: str, **values: Any) -> None:
    await _update(session, interruptions, tenant_id, interruption_id, values)


async def delete_interruption(session: AsyncSession, tenant_id: str, interruption_id: str) -> None:
    await _delete(session, interruptions, tenant_id, interruption_id)


async def insert_credit(session: AsyncSession, row: Mapping[str, Any]) -> None:
    await session.execute(insert(credits).values(**row))


async def credits_deducted(session: AsyncSession, tenant_id: str, credit_ids: Sequence[str], run_id: str,
                           month: str) -> None:
    """A run of `month` deducted these credits. The earliest run that says so stands (a run may recover a credit
    by a set-off and a later one pay its line at 0.00), whatever order the news arrives in."""
    if credit_ids:
        c = credits.c
        await session.execute(update(credits).where(
            c.tenant_id == tenant_id, c.id.in_(list(credit_ids)),
            or_(c.deducted_month.is_(None), c.deducted_month > month)).values(deducted_month=month,
                                                                              deducted_run_id=run_id))


async def credits_carried(session: AsyncSession, tenant_id: str, credit_ids: Sequence[str], month: str,
                         left: Mapping[str, Decimal]) -> None:
    """A run of `month` carried these credits over to the next run, `left` of each still to deduct (none: all of
    it): the latest such run is kept, of two runs of one month the one that left less. News of a credit deducted
    already changes nothing (a carry-over heard late never undoes a deduction)."""
    for credit_id in credit_ids:  # a few credits a provider job at most
        c, rest = credits.c, left.get(credit_id)
        later = or_(c.carried_month.is_(None), c.carried_month < month)
        if rest is not None:  # a part left of it, smaller than a run of the same month had left
            later = or_(later, and_(c.carried_month == month, or_(c.carried_amount.is_(None), c.carried_amount < rest)))
        await session.execute(update(credits).where(
            c.tenant_id == tenant_id, c.id == credit_id, c.deducted_month.is_(None), later)
            .values(carried_month=month, carried_amount=rest))


async def delete_credit(session: AsyncSession, tenant_id: str, credit_id: str) -> None:
    await _delete(session, credits, tenant_id, credit_id)


async def insert_correction_request(session: AsyncSession, row: Mapping[str, Any]) -> None:
    await session.execute(insert(correction_requests).values(**row))


async def lock_correction_request(session: AsyncSession, tenant_id: str, request_id: str) -> Row | None:
    return await _one(session, correction_requests, tenant_id, request_id, lock=True)


async def update_correction_request(session: AsyncSession, tenant_id: str, request_id: str, **values: Any) -> None:
    await _update(session, correction_requests, tenant_id, request_id, values)


async def insert_feedback(session: AsyncSession, row: Mapping[str, Any]) -> None:
    await session.execute(insert(feedback).values(**row))


async def lock_feedback(session: AsyncSession, tenant_id: str, feedback_id: str) -> Row | None:
    return await _one(session, feedback, tenant_id, feedback_id, lock=True)


async def update_feedback(session: AsyncSession, tenant_id: str, feedback_id: str, **values: Any) -> None:
    await _update(session, feedback, tenant_id, feedback_id, values)
