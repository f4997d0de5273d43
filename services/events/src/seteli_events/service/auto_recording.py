"""The monthly auto-recording of one tenant, set-based: a few reads for the whole tenant, the drafts made and
valued in Python by the same rules as recording one event (`recording.evaluate`), and written in two batched
statements. A draft that recording would refuse (e.g. no price list for the month) is skipped with the reason
and left for the provider. Drafts are not published (a provider confirms them; confirming publishes)."""

from __future__ import annotations

import uuid
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
    ContentTerms,
    DomainError,
    DraftEvent,
    RecordedEvent,
    Valuation,
    auto_record_candidates,
    overlapping_days,
    split_by_month,
    value_event,
)
from ..domain.decimals import stored_units
from ..domain.event_days import blocks_days, interruption_cover
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


async def auto_record_tenant(ctx: EventsContext, month: Month) -> dict[str, Any]:
    """Drafts for one tenant and month; returns {month, created, skipped}. Idempotent: a content with an
    event in the month (a draft of an earlier run included) gets none."""
    tenant = ctx.tenant_id
    found = await queries.lock_day_bookings_with_auto_recording(ctx.session, tenant, month.first, month.last)
    content_rows = {r["voucher_content_id"]: r for r in found}
    booked = {r["id"]: r for r in found}
    events_of = await queries.contents_events(ctx.session, tenant, list(content_rows))
    breaks_of = await queries.contents_interruptions(ctx.session, tenant, list(content_rows))
    inputs: list[AutoRecordInput] = []
    latest_booking: dict[str, str] = {}
    for vc_id, content in content_rows.items():
        live = [e for e in events_of.get(vc_id, ()) if blocks_days(e)]
        if not live:
            continue
        _, _, _, latest = max((e["end"], e["start"], i, e) for i, e in enumerate(live))
        latest_booking[vc_id] = latest["booking_id"]
        # The draft goes to the latest event's booking: never past its end (e.g. the client changed provider).
        latest_end = booked[latest["booking_id"]]["ended_on"] if latest["booking_id"] in booked else None
        ends = [d for d in (content["valid_until"], latest_end) if d is not None]
        inputs.append(
            AutoRecordInput(
                voucher_content_id=vc_id,
                unit="day",
                valid_from=content["valid_from"],
                valid_until=min(ends) if ends else None,
                events=[RecordedEvent(e["start"], e["end"], e["producer_part"], e["recorder"], e["performer"])
                        for e in live],
                interruptions=[(b["start"], b["end"]) for b in breaks_of.get(vc_id, ())],
            )
        )
    drafts = auto_record_candidates(month, inputs)
    if not drafts:
        await queries.record_auto_record_run(ctx.session, tenant, str(month), 0, ctx.clock.now())
        return {"month": str(month), "created": 0, "skipped": []}
    missing = {latest_booking[d.voucher_content_id] for d in drafts} - booked.keys()
    booked.update(await queries.booking_contexts(ctx.session, tenant, sorted(missing)))
    service_rows, list_rows = await queries.services_and_price_lists(ctx.session, tenant)
    drafter = _Drafter(ctx, month, service_rows, list_rows)
    made: dict[str, list[tuple[date, date]]] = {}  # this run's drafts per content: they take their days too
    event_rows: list[Row] = []
    segment_rows: list[Row] = []
    skipped: list[Row] = []
    for draft in drafts:
        booking = booked[latest_booking[draft.voucher_content_id]]
        vc_id = booking["voucher_content_id"]
        try:
            row, segments = drafter.draft(booking, draft, events_of.get(vc_id, ()), breaks_of.get(vc_id, ()),
                                          made.get(vc_id, ()))
        except ContentEnded:  # nothing left of the content this month: no draft, nothing for the provider to do
            continue
        except ProblemError as exc:  # e.g. no price list for the month: left for the provider
            skipped.append({"booking_id": booking["id"], "start": draft.start.isoformat(), "reason": exc.detail})
            continue
        made.setdefault(vc_id, []).append((row["start"], row["end"]))
        event_rows.append(row)
        segment_rows.extend({"tenant_id": tenant, "event_id": row["id"], "seq": i, **s} for i, s in enumerate(segments))
    await queries.insert_drafts(ctx.session, event_rows, segment_rows)
    await queries.record_auto_record_run(ctx.session, tenant, str(month), len(event_rows), ctx.clock.now())
    return {"month": str(month), "created": len(event_rows), "skipped": skipped}


class ContentEnded(Exception):
    """The draft's content ended (by the tenant admin) on or before the draft's first day."""


class _Drafter:
    """Checks and values one draft as `recording.create_event` does for a draft event, from rows read for the
    whole tenant; valuations of equal terms (same service, provider, content terms, days) are computed once."""

    def __init__(self, ctx: EventsContext, month: Month, service_rows: Mapping[str, Row],
                 list_rows: Sequence[Row]) -> None:
        self.ctx = ctx
        self.month = str(month)
        self.now = ctx.clock.now()
        self.services = service_rows
        self.lists: dict[tuple[str, str], list[Row]] = {}
        for r in list_rows:
            self.lists.setdefault((r["service_id"], r["provider_id"]), []).append(r)
        self.valued: dict[tuple[Any, ...], Valuation | DomainError] = {}

    def _valuation(self, booking: Mapping[str, Any], start: date, end: date, producer_part: str | None,
                   exclude_days: frozenset[date]) -> Valuation:
        service_id, provider_id = booking["service_id"], booking["provider_id"]
        terms: ContentTerms = content_terms(booking, self.services.get(service_id), start)  # the terms of its day
        key = (service_id, provider_id, terms, start, end, producer_part, exclude_days)
        if key not in self.valued:
            lists = [price_list(r) for r in self.lists.get((service_id, provider_id), ())]
            try:
                self.valued[key] = value_event(terms, start, end, None, lists, producer_part,
                                               exclude_days=exclude_days)
            except DomainError as exc:
                self.valued[key] = exc
        found = self.valued[key]
        if isinstance(found, DomainError):
            raise domain_problem(found) from found
        return found

    def draft(self, booking: Mapping[str, Any], draft: DraftEvent, existing: Sequence[Mapping[str, Any]],
              breaks: Sequence[Mapping[str, Any]], made: Sequence[tuple[date, date]]) -> tuple[Row, list[Row]]:
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
        live = [(e["start"], e["end"]) for e in existing if blocks_days(e)] + list(made)
        cover, returns = interruption_cover(breaks)
        clash = set(overlapping_days(live, inp.start, end)) | set(overlapping_days(cover, inp.start, end))
        if clash:
            raise overlap_problem(sorted(clash))
        exclude_days = frozenset(d for d in returns if inp.start <= d <= end)
        producer_part = inp.producer_part if inp.producer_part is not None else booking["producer_part"]
        valuation = self._valuation(booking, inp.start, end, producer_part, exclude_days)
        segments = [segment_row(s) for s in split_by_month(valuation.segments)]
        row = {
            "tenant_id": self.ctx.tenant_id,
            "id": str(uuid.uuid4()),
            "booking_id": booking["id"],
            "voucher_id": booking["voucher_id"],
            "voucher_content_id": booking["voucher_content_id"],
            "service_id": booking["service_id"],
            "content_id": booking["content_id"],
            "unit": booking["unit"],
            "provider_id": booking["provider_id"],
            "producer_part": producer_part,
            "client_id": booking["client_id"],
            "client_ref": booking["client_ref"],
            "start": inp.start,
            "end": end,
            "start_time": None,
            "end_time": None,
            "units": stored_units(units),
            "recorder": draft.recorder,
            "performer": draft.performer,
            "text": inp.text,
            "status": "draft",
            "approval": None,
            "decision_reason": None,
            "revision": 0,
            "amount_tenant": sum((to_cents(r["amount_tenant"]) for r in segments), Decimal("0.00")),
            "amount_co_payment": sum((to_cents(r["amount_co_payment"]) for r in segments), Decimal("0.00")),
            "auto_month": self.month,
            "settled": False,
            "settled_run_id": None,
            "credited": False,
            "idempotency_key": None,
            "created_at": self.now,
            "updated_at": self.now,
        }
        return row, segments
