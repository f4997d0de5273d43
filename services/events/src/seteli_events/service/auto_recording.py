"""The monthly auto-recording of one tenant, set-based: a few reads for the whole tenant, the drafts made and
valued in Python by the same rules as recording one event (`recording.evaluate`), and written in two batched
statements. A draft that recording would refuse (e.g. no price list for the month) is skipped with the reason
and left for the provider. Drafts are not published (a provider confirms them; confirming publishes)."""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from seteli_common.clock import Month
from seteli_common.errors import ProblemError
from seteli_common.money import to_cents

from ..context import EventsContext
from ..domain import (
    AutoRecordInput,
    DomainError,
    DraftEvent,
    RecordedEvent,
    auto_record_candidates,
    overlapping_days,
    split_by_month,
    value_event,
)
from ..domain.decimals import stored_units
from ..domain.event_days import interruption_cover, last_valid_day
from ..repository import auto_recording as queries
from .recording import (
    EventInput,
    _check_validity,
    _units_and_end,
    check_given,
    content_ended_from,
    content_terms,
    domain_problem,
    overlap_problem,
    price_list,
    segment_row,
)

Row = dict[str, Any]


CHUNK = 2_000  # voucher contents drafted per insert; PostgreSQL writes one chunk while Python makes the next
# (smaller: PostgreSQL waits less for the first chunk and Python for the last; 2,000 beat 4,000 and 1,000)


async def auto_record_tenant(ctx: EventsContext, month: Month) -> dict[str, Any]:
    """Drafts for one tenant and month; returns {month, created, skipped}. Idempotent: a content with an
    event in the month (a draft of an earlier run included) gets none."""
    # The run makes a few objects a draft and keeps the tenant's rows until its end, none of them in a cycle:
    # the cyclic garbage collector went over them ~400 times, half the run's CPU. Off for the run (for the
    # process: a few seconds), back as it was after.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return await _auto_record_tenant(ctx, month)
    finally:
        if collecting:
            gc.enable()


async def _auto_record_tenant(ctx: EventsContext, month: Month) -> dict[str, Any]:
    tenant = ctx.tenant_id
    found = await queries.lock_day_bookings_with_auto_recording(ctx.session, tenant, month.first, month.last)
    content_rows = {r["voucher_content_id"]: r for r in found}
    candidates = {r["id"]: r for r in found}
    booked = dict(candidates)  # and the latest events' bookings read for the drafts
    events_of = await queries.contents_events(ctx.session, tenant, content_rows.keys(), month.prev().first)
    breaks_of = await queries.contents_interruptions(ctx.session, tenant, content_rows.keys())
    service_rows, list_rows = await queries.services_and_price_lists(ctx.session, tenant)
    drafter = _Drafter(ctx, month, service_rows, list_rows)
    made: dict[str, list[tuple[date, date]]] = {}  # this run's drafts per content: they take their days too
    skipped: list[Row] = []
    created = 0
    writer = _Writer(ctx)
    # A client holding two vouchers of a content (a new one granted before the old one was closed): their
    # contents are drafted together, in a chunk of their own after the others, a day on one voucher only
    # (`auto_record_candidates` says which).
    two_vouchers = _two_vouchers(content_rows)
    if two_vouchers:
        contents = [item for item in content_rows.items() if item[0] not in two_vouchers]
        chunks = [contents[first:first + CHUNK] for first in range(0, len(contents), CHUNK)]
        chunks.append([(vc_id, content_rows[vc_id]) for vc_id in sorted(two_vouchers)])
    else:
        contents = list(content_rows.items())
        chunks = [contents[first:first + CHUNK] for first in range(0, len(contents), CHUNK)]
    first, last = month.first, month.last
    previous = month.prev()
    previous_first, previous_last = previous.first, previous.last
    try:
        for chunk in chunks:
            latest_booking: dict[str, str] = {}
            # Most contents have no interruption and one voucher of their client: their draft (at most one) is
            # made here (`_simple_draft`), the others through the domain's `auto_record_candidates`.
            simple: list[tuple[str, str, date, date, str | None, str, str]] = []
            inputs = []
            for vc_id, content in chunk:
                stays = breaks_of.get(vc_id, ())
                if stays or vc_id in two_vouchers:
                    inputs.append(
                        _input(vc_id, content, events_of.get(vc_id, ()), stays, candidates, latest_booking)
                        if vc_id not in two_vouchers else
                        _input(vc_id, content, events_of.get(vc_id, ()), stays, candidates, latest_booking,
                               *_paid_elsewhere(vc_id, two_vouchers[vc_id], events_of, breaks_of, candidates)))
                else:
                    one = _simple_draft(vc_id, content, events_of.get(vc_id, ()), candidates, first, last,
                                        previous_first, previous_last)
                    if one is not None:
                        simple.append(one)
            drafts = auto_record_candidates(month, [i for i in inputs if i is not None])
            missing = ({latest_booking[d.voucher_content_id] for d in drafts} | {s[1] for s in simple}) - booked.keys()
            if missing:  # the latest event's booking is not a candidate's (e.g. the client changed provider)
                await writer.idle()
                booked.update(await queries.booking_contexts(ctx.session, tenant, sorted(missing)))
            event_rows: list[tuple[Any, ...]] = []  # in the order of queries.EVENT_COLUMNS
            segment_rows: list[tuple[Any, ...]] = []  # in the order of queries.SEGMENT_COLUMNS
            event_ids = uuid4_strings(len(simple))
            for n, (vc_id, booking_id, start, end, part, recorder, performer) in enumerate(simple):
                if n % 500 == 0:
                    await writer.let_run()
                booking = booked[booking_id]
                try:
                    if booking["voucher_content_id"] != vc_id:  # (not seen: an event is on its content's booking)
                        raise _NotSimple
                    row, segments = drafter.simple(booking, start, end, part, recorder, performer, event_ids[n])
                except ContentEnded:
                    continue
                except ProblemError as exc:
                    skipped.append({"booking_id": booking["id"], "start": start.isoformat(), "reason": exc.detail})
                    continue
                except _NotSimple:
                    drafts.append(DraftEvent(vc_id, start, end, part, recorder, performer))
                    latest_booking[vc_id] = booking_id
                    continue
                made.setdefault(vc_id, []).append((start, row[_END]))
                event_rows.append(row)
                segment_rows.extend(segments)
            event_ids = uuid4_strings(len(drafts))
            for n, draft in enumerate(drafts):
                if n % 500 == 0:
                    await writer.let_run()
                booking = booked[latest_booking[draft.voucher_content_id]]
                vc_id = booking["voucher_content_id"]
                try:
                    stays = breaks_of.get(vc_id, ())
                    row, segments = drafter.draft(booking, draft, events_of.get(vc_id, ()), stays,
                                                  made.get(vc_id, ()), event_ids[n],
                                                  _open_until(stays, booked) if stays else None)
                except ContentEnded:  # nothing left of the content this month: no draft, nothing for the provider
                    continue
                except ProblemError as exc:  # e.g. no price list for the month: left for the provider
                    skipped.append({"booking_id": booking["id"], "start": draft.start.isoformat(),
                                    "reason": exc.detail})
                    continue
                made.setdefault(vc_id, []).append((draft.start, row[_END]))
                event_rows.append(row)
                segment_rows.extend(segments)
            created += len(event_rows)
            await writer.write(event_rows, segment_rows)
    finally:
        await writer.idle()
    await queries.record_auto_record_run(ctx.session, tenant, str(month), created, ctx.clock.now())
    return {"month": str(month), "created": created, "skipped": skipped}


_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}  # RFC 4122: the top bits 10


def uuid4_strings(count: int) -> list[str]:
    """`count` ids as `str(uuid.uuid4())` makes them (random, version 4), from one read of the system's
    randomness: uuid4 reads it once an id (a system call) and builds a UUID object, ~2.5 µs a draft."""
    digits = os.urandom(16 * count).hex()
    ids = []
    for at in range(0, 32 * count, 32):
        h = digits[at:at + 32]
        ids.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}")
    return ids


def _two_vouchers(content_rows: Mapping[str, Mapping[str, Any]]) -> dict[str, tuple[Any, list[str]]]:
    """The contents of a client who holds another voucher of the same service content valid in the month:
    content id -> (the client's key, the client's contents of it)."""
    if len({r["client_id"] for r in content_rows.values()}) == len(content_rows):
        return {}  # (most tenants: a content per client, found in a quarter of the time of grouping them)
    of_client: dict[tuple[str, str, str], list[str]] = {}
    for vc_id, r in content_rows.items():
        of_client.setdefault((r["client_id"], r["service_id"], r["content_id"]), []).append(vc_id)
    return {vc_id: (key, ids) for key, ids in of_client.items() if len(ids) > 1 for vc_id in ids}


def _paid_elsewhere(vc_id: str, client: tuple[Any, list[str]], events_of: Mapping[str, Sequence[Mapping[str, Any]]],
                    breaks_of: Mapping[str, Sequence[Mapping[str, Any]]],
                    candidates: Mapping[str, Mapping[str, Any]]) -> tuple[Any, list[tuple[date, date]]]:
    """(the client's key, the days the client's other contents of the service content pay: their live events,
    the days of their interruptions and their return days), as recording reads them (`valuation_reads`, parts
    "o" and "oi"), from the rows read for the run: a voucher not valid in the month pays no day of it (validity
    clipping leaves nothing paid after a voucher's last valid day), so its rows are not read."""
    key, contents = client
    paid: list[tuple[date, date]] = []
    for other in contents:
        if other == vc_id:
            continue
        paid.extend((e["start"], e["end"]) for e in events_of.get(other, ()))
        breaks = breaks_of.get(other, ())
        if breaks:
            open_until = {b["booking_id"]: last for b in breaks  # as `recording.ended_bookings_away`
                          if b["end"] is None and b["booking_id"] in candidates
                          and (last := last_valid_day(candidates[b["booking_id"]])) is not None}
            away, returns = interruption_cover(breaks, open_until)
            paid.extend(away)
            paid.extend((day, day) for day in returns)
    return key, paid


def _simple_draft(vc_id: str, content: Mapping[str, Any], events: Sequence[Mapping[str, Any]],
                  candidates: Mapping[str, Mapping[str, Any]], first: date, last: date, previous_first: date,
                  previous_last: date) -> tuple[str, str, date, date, str | None, str, str] | None:
    """The draft of a content without interruptions whose client holds no other voucher of it, as `_input` and
    `auto_record_candidates` make it (one draft at most: no day of the month is away), without their objects:
    (content id, the latest event's booking, start, end, producer part, recorder, performer), or None."""
    live = events  # (those that take their days: `queries.contents_events`)
    if not live:
        return None
    latest = live[0] if len(live) == 1 else max((e["end"], e["start"], i, e) for i, e in enumerate(live))[3]
    booking_id = latest["booking_id"]
    # the validity clipped to the latest event's booking's end (the draft goes to that booking)
    until = content["valid_until"]
    if booking_id in candidates:
        ended_on = candidates[booking_id]["ended_on"]
        if ended_on is not None and (until is None or ended_on < until):
            until = ended_on
    valid_from = content["valid_from"]
    start = valid_from if valid_from > first else first
    end = until if until is not None and until < last else last
    if start > end:
        return None
    if not any(e["start"] <= previous_last and e["end"] >= previous_first for e in live):
        return None
    if any(e["start"] <= last and e["end"] >= first for e in live):
        return None
    return vc_id, booking_id, start, end, latest["producer_part"], latest["recorder"], latest["performer"]


class _NotSimple(Exception):
    """A draft `_Drafter.simple` does not make (its booking is of another content): `_Drafter.draft` makes it."""


def _input(vc_id: str, content: Mapping[str, Any], events: Sequence[Mapping[str, Any]],
           breaks: Sequence[Mapping[str, Any]], candidates: Mapping[str, Mapping[str, Any]],
           latest_booking: dict[str, str], client: Any = None, paid_elsewhere: Sequence[tuple[date, date]] = ()
           ) -> AutoRecordInput | None:
    """The content as `auto_record_candidates` takes it (None: no live event); notes its latest event's booking.
    `candidates`: the bookings of the locking read (a latest booking outside them ends nothing here). `client`
    and `paid_elsewhere`: for a client holding two vouchers of the content (`_paid_elsewhere`)."""
    live = events  # (those that take their days: `queries.contents_events`)
    if not live:
        return None
    # The latest event: latest end, then latest start, then the last recorded (most contents have one here).
    latest = live[0] if len(live) == 1 else max((e["end"], e["start"], i, e) for i, e in enumerate(live))[3]
    latest_booking[vc_id] = latest["booking_id"]
    # The draft goes to the latest event's booking: never past its end (e.g. the client changed provider).
    latest_end = candidates[latest["booking_id"]]["ended_on"] if latest["booking_id"] in candidates else None
    ends = [d for d in (content["valid_until"], latest_end) if d is not None]
    # the latest entry may be a stay on that booking (the draft then goes to the part it names). A stay keeps the
    # company as no part (`interruptions.create`), which for a draft would mean "the booking's part": "" names it.
    returns = [(b["end"], b["producer_part"] or "") for b in breaks
               if b["end"] is not None and b["booking_id"] == latest["booking_id"]]
    return AutoRecordInput(
        voucher_content_id=vc_id,
        unit="day",
        valid_from=content["valid_from"],
        valid_until=min(ends) if ends else None,
        events=[RecordedEvent(e["start"], e["end"], e["producer_part"], e["recorder"], e["performer"])
                for e in live],
        interruptions=[_span_of(b, candidates, latest["booking_id"]) for b in breaks],
        client=client,
        paid_elsewhere=paid_elsewhere,
        latest_away=max(returns, key=lambda r: r[0]) if returns else None,
    )


def _span_of(stay: Mapping[str, Any], candidates: Mapping[str, Mapping[str, Any]], drafted_on: str
             ) -> tuple[date, date | None]:
    """(departure, return day) of a stay as the drafts read it: one still open on another booking of the content
    than the one drafted (the client changed provider with the stay never marked ended) takes its days only up to
    that booking's last valid day, as recording reads it (`recording.ended_bookings_away`): it returns the day
    after. Open on the booking drafted, the client is away and nothing is drafted."""
    if stay["end"] is None and stay["booking_id"] != drafted_on and stay["booking_id"] in candidates:
        last = last_valid_day(candidates[stay["booking_id"]])
        if last is not None:
            return stay["start"], last + timedelta(days=1)
    return stay["start"], stay["end"]


def _open_until(stays: Sequence[Mapping[str, Any]], booked: Mapping[str, Mapping[str, Any]]) -> dict[str, date]:
    """The last valid day of each booking with an open stay among `stays` (as `recording.ended_bookings_away`)."""
    return {s["booking_id"]: last for s in stays
            if s["end"] is None and s["booking_id"] in booked and (last := last_valid_day(booked[s["booking_id"]]))}


class _Writer:
    """Inserts the chunks of drafts one after the other in a task of its own, so that PostgreSQL (on one core)
    writes a chunk while Python (on the other) makes the next. Only the writer uses the session meanwhile."""

    def __init__(self, ctx: EventsContext) -> None:
        self.session = ctx.session
        self.pending: asyncio.Task[None] | None = None

    async def idle(self) -> None:
        """Wait until the chunk being written is written (its error raised here)."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            await pending

    async def let_run(self) -> None:
        """A moment for the writing task (to send its next statement) while Python works."""
        if self.pending is not None:
            await asyncio.sleep(0)

    async def write(self, event_rows: list[tuple[Any, ...]], segment_rows: list[tuple[Any, ...]]) -> None:
        await self.idle()
        if event_rows:
            self.pending = asyncio.create_task(queries.insert_drafts(self.session, event_rows, segment_rows))
            await asyncio.sleep(0)  # it encodes and sends its first statement now


class ContentEnded(Exception):
    """The draft's content ended (by the tenant admin) on or before the draft's first day."""


_END = queries.EVENT_COLUMNS.index("end")


class _Drafter:
    """Checks and values one draft as `recording.create_event` does for a draft event, from rows read for the
    whole tenant. Drafts of equal terms (same service, provider, content terms, validity, days) are the rule
    in a tenant, so both the span checks and the valuation are computed once per distinct terms and their
    outcome (a problem included) reused."""

    def __init__(self, ctx: EventsContext, month: Month, service_rows: Mapping[str, Row],
                 list_rows: Sequence[Row]) -> None:
        self.ctx = ctx
        self.tenant = ctx.tenant_id
        self.month = str(month)
        self.now = ctx.clock.now()
        self.services = service_rows
        self.lists: dict[tuple[str, str], list[Row]] = {}
        for r in list_rows:
            self.lists.setdefault((r["service_id"], r["provider_id"]), []).append(r)
        self.spans: dict[tuple[Any, ...], tuple[date, Decimal] | Exception] = {}
        self.valued: dict[tuple[Any, ...], tuple[list[tuple[Any, ...]], Decimal, Decimal] | ProblemError] = {}
        self.simples: dict[tuple[Any, ...], tuple[Any, ...] | Exception] = {}

    def _span(self, booking: Mapping[str, Any], draft: DraftEvent) -> tuple[date, Decimal]:
        """(end, stored units) of the draft, or the problem recording would raise before reading events."""
        key = (booking["service_id"], booking["content_id"], booking["unit"], booking["valid_from"],
               booking["valid_until"], booking.get("ended_on"), draft.start, draft.end)
        found = self.spans.get(key)
        if found is None:
            try:
                found = self._check_span(booking, draft)
            except (ContentEnded, ProblemError) as exc:
                found = exc
            self.spans[key] = found
        if isinstance(found, Exception):
            raise found.with_traceback(None)
        return found

    def _check_span(self, booking: Mapping[str, Any], draft: DraftEvent) -> tuple[date, Decimal]:
        # A content the tenant admin ended: the draft ends the day before, as it does at the voucher's end.
        ended = content_ended_from(self.services.get(booking["service_id"]), booking["content_id"], draft.end)
        if ended is not None and ended <= draft.end:
            if ended <= draft.start:
                raise ContentEnded(ended)
            draft = replace(draft, end=ended - timedelta(days=1))
        inp = EventInput(start=draft.start, end=draft.end, producer_part=draft.producer_part, status="draft",
                         text="")
        end, units = _units_and_end(booking["unit"], inp)
        assert units is not None
        check_given(self.ctx, inp.status, end)
        _check_validity(booking, inp.start, end)
        return end, stored_units(units)

    def _valuation(self, booking: Mapping[str, Any], start: date, end: date, producer_part: str | None,
                   exclude_days: frozenset[date]) -> tuple[list[tuple[Any, ...]], Decimal, Decimal]:
        """(segments as (seq, start, …) tuples of the rest of SEGMENT_COLUMNS, amount_tenant, amount_co_payment)."""
        service_id, provider_id = booking["service_id"], booking["provider_id"]
        key = (service_id, provider_id, booking["content_id"], booking["unit"], booking["voucher_value"], start,
               end, producer_part, exclude_days)
        found = self.valued.get(key)
        if found is None:
            terms = content_terms(booking, self.services.get(service_id), start)  # the terms of its day
            lists = [price_list(r) for r in self.lists.get((service_id, provider_id), ())]
            try:
                valuation = value_event(terms, start, end, None, lists, producer_part, exclude_days=exclude_days)
            except DomainError as exc:
                found = domain_problem(exc)
                found.__cause__ = exc
            else:
                rows = [segment_row(s) for s in split_by_month(valuation.segments)]
                found = (
                    [(seq, *(r[c] for c in queries.SEGMENT_COLUMNS[3:])) for seq, r in enumerate(rows)],
                    sum((to_cents(r["amount_tenant"]) for r in rows), Decimal("0.00")),
                    sum((to_cents(r["amount_co_payment"]) for r in rows), Decimal("0.00")),
                )
            self.valued[key] = found
        if isinstance(found, ProblemError):
            raise found.with_traceback(None)
        return found

    def draft(self, booking: Mapping[str, Any], draft: DraftEvent, existing: Sequence[Mapping[str, Any]],
              breaks: Sequence[Mapping[str, Any]], made: Sequence[tuple[date, date]], event_id: str,
              open_until: Mapping[str, date] | None = None) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
        """The draft's events row and segment rows (tuples in the order of the queries' columns), the event
        with id `event_id`. `existing`: the content's events that take their days (`queries.contents_events`);
        `open_until`: the last valid day of the bookings of open stays (`_open_until`)."""
        end, units = self._span(booking, draft)
        start = draft.start
        live = [(e["start"], e["end"]) for e in existing] + list(made)
        cover, returns = interruption_cover(breaks, open_until) if breaks else ((), ())
        if any(first <= end and last >= start for first, last in (*live, *cover)):  # rare: the days, if any
            clash = set(overlapping_days(live, start, end)) | set(overlapping_days(cover, start, end))
            if clash:
                raise overlap_problem(sorted(clash))
        exclude_days = frozenset(d for d in returns if start <= d <= end) if returns else frozenset()
        producer_part = draft.producer_part if draft.producer_part is not None else booking["producer_part"]
        segments, amount_tenant, amount_co_payment = self._valuation(booking, start, end, producer_part,
                                                                     exclude_days)
        return self._rows(booking, event_id, producer_part, start, end, units, draft.recorder, draft.performer,
                          segments, amount_tenant, amount_co_payment)

    def simple(self, booking: Mapping[str, Any], start: date, end: date, part: str | None, recorder: str,
               performer: str, event_id: str) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
        """`draft` for a draft of `_simple_draft` (its content has no interruption, no other draft and no live
        event in the month, so no day clashes): the span, the valuation and the producer part once per
        distinct terms."""
        key = (booking["service_id"], booking["content_id"], booking["unit"], booking["valid_from"],
               booking["valid_until"], booking["ended_on"], booking["provider_id"], booking["voucher_value"],
               booking["producer_part"], start, end, part)
        found = self.simples.get(key)
        if found is None:
            try:
                span_end, units = self._span(booking, DraftEvent(booking["voucher_content_id"], start, end, part,
                                                                 recorder, performer))
                producer_part = part if part is not None else booking["producer_part"]
                found = (producer_part, span_end, units,
                         *self._valuation(booking, start, span_end, producer_part, frozenset()))
            except (ContentEnded, ProblemError) as exc:
                found = exc
            self.simples[key] = found
        if isinstance(found, Exception):
            raise found.with_traceback(None)
        producer_part, span_end, units, segments, amount_tenant, amount_co_payment = found
        return self._rows(booking, event_id, producer_part, start, span_end, units, recorder, performer, segments,
                          amount_tenant, amount_co_payment)

    def _rows(self, booking: Mapping[str, Any], event_id: str, producer_part: str | None, start: date, end: date,
              units: Decimal, recorder: str, performer: str, segments: Sequence[tuple[Any, ...]],
              amount_tenant: Decimal, amount_co_payment: Decimal) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
        row = (
            self.tenant, event_id, booking["id"], booking["voucher_id"], booking["voucher_content_id"],
            booking["service_id"], booking["content_id"], booking["unit"], booking["provider_id"], producer_part,
            booking["client_id"], booking["client_ref"], start, end, None, None, units, recorder, performer, "",
            "draft", None, None, 0, amount_tenant, amount_co_payment, self.month, False, None, False, None, None,
            self.now, self.now,  # (no Idempotency-Key, so no fingerprint)
        )
        return row, [(self.tenant, event_id, *s) for s in segments]
