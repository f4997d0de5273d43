"""The set-based auto-recording makes the same drafts as recording each draft as one event did (the earlier
implementation, kept here as the reference): a generated tenant with bookings ending mid-month, deaths,
interruptions (open, ended, returning on the 1st), drafts and events already in the month, rejected and
credited events, a provider change, a provider without a price list, a price change mid-month and clients
holding two vouchers of a content (a day drafted on one of them only, none the other one already pays)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from seteli_common.auth import StaticKeys
from seteli_common.clock import FixedClock, Month
from seteli_common.errors import ProblemError
from seteli_common.messaging.memory import InMemoryBroker
from seteli_common.testing import running_app
from seteli_events import repository as repo
from seteli_events.bootstrap import build_app, build_runtime
from seteli_events.config import EventsSettings
from seteli_events.context import EventsContext
from seteli_events.domain import AutoRecordInput, RecordedEvent, auto_record_candidates
from seteli_events.domain.event_days import blocks_days, interruption_cover
from seteli_events.models import (
    auto_record_runs,
    bookings,
    event_segments,
    events,
    interruptions,
    price_lists,
    services,
    tenants,
    voucher_contents,
    vouchers,
)
from seteli_events.service.auto_recording import auto_record_tenant
from seteli_events.service.recording import EventInput, create_event, ended_bookings_away
from sqlalchemy import and_, delete, insert, select

from .conftest import Harness

T = "kouvola"
AUTO, MANUAL = "tehostettu", "perhehoito"
P_LISTED, P_PARTS, P_UNLISTED = "p-paivansade", "p-osat", "p-ilman-hinnastoa"


async def _reference(ctx: EventsContext, month: Month) -> dict[str, Any]:
    """The earlier auto-recording: one read per content, then each draft made by `create_event` in a savepoint."""
    query = (
        select(bookings.c.id, bookings.c.voucher_content_id, bookings.c.ended_on, voucher_contents.c.unit,
               vouchers.c.valid_from, vouchers.c.valid_until, bookings.c.client_id, bookings.c.service_id,
               bookings.c.content_id)
        .join(services, and_(services.c.tenant_id == bookings.c.tenant_id, services.c.id == bookings.c.service_id))
        .join(voucher_contents, and_(voucher_contents.c.tenant_id == bookings.c.tenant_id,
                                     voucher_contents.c.id == bookings.c.voucher_content_id))
        .join(vouchers, and_(vouchers.c.tenant_id == bookings.c.tenant_id, vouchers.c.id == bookings.c.voucher_id))
        .where(bookings.c.tenant_id == ctx.tenant_id, services.c.auto_recording.is_(True),
               voucher_contents.c.unit == "day", vouchers.c.valid_from <= month.last)
    )
    found = [dict(r) for r in (await ctx.session.execute(query)).mappings()]
    content_rows = {r["voucher_content_id"]: r for r in found}
    booking_ends = {r["id"]: r["ended_on"] for r in found}
    inputs: list[AutoRecordInput] = []
    latest_booking: dict[str, str] = {}
    valid = {vc_id: c for vc_id, c in content_rows.items()
             if c["valid_until"] is None or c["valid_until"] >= month.first}
    clients = Counter((c["client_id"], c["service_id"], c["content_id"]) for c in valid.values())
    for vc_id, content in valid.items():
        # a client holding two vouchers of the content: the days the other one pays, as recording reads them
        key = (content["client_id"], content["service_id"], content["content_id"])
        client, paid = None, []
        if clients[key] > 1:
            care, away = await repo.client_days_elsewhere(ctx.session, ctx.tenant_id, content, month.first,
                                                          month.last)
            away_ranges, returns = interruption_cover(away, await ended_bookings_away(ctx, away))
            client = key
            paid = [(e["start"], e["end"]) for e in care if blocks_days(e)] + away_ranges + [(d, d) for d in returns]
        live = [e for e in await repo.content_events(ctx.session, ctx.tenant_id, vc_id) if blocks_days(e)]
        if not live:
            continue
        _, _, _, latest = max((e["end"], e["start"], i, e) for i, e in enumerate(live))
        latest_booking[vc_id] = latest["booking_id"]
        ends = [d for d in (content["valid_until"], booking_ends.get(latest["booking_id"])) if d is not None]
        breaks = await repo.content_interruptions(ctx.session, ctx.tenant_id, vc_id)
        # the latest entry may be a stay on the latest event's booking: its part then names the draft's
        returns = [(b["end"], b["producer_part"] or "") for b in breaks
                   if b["end"] is not None and b["booking_id"] == latest["booking_id"]]
        inputs.append(AutoRecordInput(
            voucher_content_id=vc_id, unit="day", valid_from=content["valid_from"],
            valid_until=min(ends) if ends else None,
            events=[RecordedEvent(e["start"], e["end"], e["producer_part"], e["recorder"], e["performer"])
                    for e in live],
            interruptions=[(b["start"], b["end"]) for b in breaks], client=client, paid_elsewhere=paid,
            latest_away=max(returns, key=lambda r: r[0]) if returns else None))
    created, skipped = 0, []
    for draft in auto_record_candidates(month, inputs):
        booking = await repo.booking_context(ctx.session, ctx.tenant_id, latest_booking[draft.voucher_content_id])
        assert booking is not None
        inp = EventInput(start=draft.start, end=draft.end, producer_part=draft.producer_part, status="draft", text="")
        try:
            async with ctx.session.begin_nested():
                await create_event(ctx, booking, inp, draft.recorder, draft.performer, auto_month=str(month))
            created += 1
        except ProblemError as exc:
            skipped.append({"booking_id": booking["id"], "start": draft.start.isoformat(), "reason": exc.detail})
    return {"month": str(month), "created": created, "skipped": skipped}


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


async def _generate(h: Harness, contents: int, seed: int) -> None:
    """A varied tenant written straight into the read models and the events service's own tables."""
    rng = random.Random(seed)
    now = datetime(2016, 2, 20, 9, tzinfo=UTC)
    rows: dict[Any, list[dict[str, Any]]] = {t: [] for t in (vouchers, voucher_contents, bookings, events,
                                                             interruptions)}
    for i in range(contents):
        service = MANUAL if i % 17 == 0 else AUTO
        content_id, value = ("meals", None) if i % 5 == 0 else ("housing", Decimal("140.00"))
        provider = P_UNLISTED if i % 23 == 0 else (P_PARTS if i % 3 == 0 else P_LISTED)
        part = "Koti B" if provider == P_PARTS and i % 2 else None
        valid_from = rng.choice([date(2015, 6, 1), date(2016, 1, 1), date(2016, 3, 10), date(2016, 3, 31),
                                 date(2016, 4, 1)])
        valid_until = rng.choice([None, None, None, date(2016, 3, 20), date(2016, 3, 1), date(2016, 2, 29),
                                  date(2016, 3, 31), date(2016, 4, 15)])  # e.g. death mid-month
        rows[vouchers].append({"tenant_id": T, "id": f"v-{i}", "number": f"PS-{i}", "service_id": service,
                               "client_id": f"c-{i}", "valid_from": valid_from, "valid_until": valid_until})
        rows[voucher_contents].append({"tenant_id": T, "id": f"vc-{i}", "voucher_id": f"v-{i}",
                                       "content_id": content_id, "unit": "hour" if i % 29 == 0 else "day",
                                       "granted_amount": None, "period": None, "voucher_value": value})
        booking_ids = [f"b-{i}"]
        ended = rng.choice([None, None, None, date(2016, 3, 15), date(2016, 2, 25), date(2016, 3, 1)])
        if i % 11 == 0:  # the client changed provider: the first booking ended in February
            booking_ids.append(f"b-{i}-2")
        for n, booking_id in enumerate(booking_ids):
            rows[bookings].append({
                "tenant_id": T, "id": booking_id, "voucher_id": f"v-{i}", "voucher_content_id": f"vc-{i}",
                "service_id": service, "content_id": content_id,
                "provider_id": P_LISTED if n else provider, "producer_part": None if n else part,
                "client_id": f"c-{i}", "client_ref": f"A-{i}", "kind": "voucher",
                "ended_on": date(2016, 2, 14) if len(booking_ids) > 1 and n == 0 else ended})
        spans: list[tuple[date, date, str]] = []
        shape = rng.randrange(8)
        if shape == 0:
            pass  # no event: the first one is recorded by hand
        elif shape == 1:  # already has an event (a draft of an earlier run, or recorded) in March
            spans += [(date(2016, 2, 1), date(2016, 2, 29), "recorded"), (date(2016, 3, 1), date(2016, 3, 3),
                                                                           rng.choice(["draft", "recorded"]))]
        elif shape == 2:  # only a January event
            spans.append((date(2016, 1, 5), date(2016, 1, 31), "recorded"))
        else:
            start = _day(rng, date(2016, 1, 20), date(2016, 2, 28))
            spans.append((start, _day(rng, max(start, date(2016, 2, 1)), date(2016, 2, 29)), "recorded"))
            if rng.random() < 0.3:
                spans.append((date(2016, 1, 1), date(2016, 1, 10), "recorded"))
            if rng.random() < 0.05:
                spans.append((date(2016, 4, 2), date(2016, 4, 3), "recorded"))  # recorded ahead
        for n, (start, end, status) in enumerate(spans):
            booking_id = booking_ids[-1] if n == len(spans) - 1 else booking_ids[0]
            approval = rng.choice(["payable", "payable", "payable", "rejected"]) if status == "recorded" else None
            rows[events].append({
                "tenant_id": T, "id": f"e-{i}-{n}", "booking_id": booking_id, "voucher_id": f"v-{i}",
                "voucher_content_id": f"vc-{i}", "service_id": service, "content_id": content_id, "unit": "day",
                "provider_id": provider, "producer_part": part if rng.random() < 0.7 else "Koti A",
                "client_id": f"c-{i}", "client_ref": f"A-{i}", "start": start, "end": end,
                "units": Decimal((end - start).days + 1), "recorder": f"u-{n}", "performer": f"Hoitaja {i % 7}",
                "text": "", "status": "deleted" if rng.random() < 0.05 else status, "approval": approval,
                "revision": 1, "amount_tenant": Decimal("0.00"), "amount_co_payment": Decimal("0.00"),
                "credited": rng.random() < 0.05, "created_at": now + timedelta(seconds=n * (-1) ** i),
                "updated_at": now})
        shape = rng.randrange(7)
        breaks: list[tuple[date, date | None, bool]] = []
        if shape == 0:
            breaks.append((date(2016, 3, 10), date(2016, 3, 15), False))  # splits the month
        elif shape == 1:
            breaks.append((date(2016, 2, 21), None, False))  # open: no draft
        elif shape == 2:
            breaks.append((date(2016, 2, 20), date(2016, 3, 1), False))  # returns on the 1st
        elif shape == 3:
            breaks.append((date(2016, 3, 25), date(2016, 4, 5), rng.random() < 0.5))  # credited or not
        elif shape == 4:
            breaks.append((date(2016, 3, 5), date(2016, 3, 5), False))  # left and came back the same day
        for n, (start, end, credited) in enumerate(breaks):
            rows[interruptions].append({
                "tenant_id": T, "id": f"i-{i}-{n}", "booking_id": booking_ids[-1], "voucher_id": f"v-{i}",
                "voucher_content_id": f"vc-{i}", "service_id": service, "content_id": content_id,
                "provider_id": provider, "producer_part": part if n % 2 else "Koti A", "client_id": f"c-{i}",
                "client_ref": f"A-{i}", "start": start, "end": end, "reason": "hospital",
                "status": "finalised" if end else "draft", "credited": credited, "recorder": "u-0",
                "created_at": now, "updated_at": now})
    _second_vouchers(random.Random(seed + 1), contents, rows, now)
    contents_of = [{"content_id": c, "name_fi": c, "name_sv": c, "unit": "day", "client_pays": c == "meals"}
                   for c in ("housing", "meals")]
    async with h.runtime.db.transaction(tenant_id=T) as session:
        await session.execute(insert(tenants).values(id=T, name_fi="Kouvola", name_sv="Kouvola"))
        await session.execute(insert(services), [
            {"tenant_id": T, "id": s, "name_fi": s, "name_sv": s, "kind": "voucher", "auto_recording": s == AUTO,
             "contents": contents_of} for s in (AUTO, MANUAL)])
        await session.execute(insert(price_lists), [
            {"tenant_id": T, "id": pl, "service_id": s, "provider_id": p, "producer_part": part, "name": pl,
             "start": start, "prices": prices}
            for s in (AUTO, MANUAL)
            for pl, p, part, start, prices in (
                (f"{s}-2016", P_LISTED, None, date(2016, 1, 1), {"housing": "155.00", "meals": "12.50"}),
                (f"{s}-mid-march", P_LISTED, None, date(2016, 3, 10), {"housing": "158.00", "meals": "12.60"}),
                (f"{s}-parts", P_PARTS, None, date(2015, 1, 1), {"housing": "150.00", "meals": "12.00"}),
                (f"{s}-koti-b", P_PARTS, "Koti B", date(2016, 3, 20), {"housing": "149.00", "meals": "11.00"}),
            )])
        for table, values in rows.items():
            await session.execute(insert(table), values)


def _second_vouchers(rng: random.Random, contents: int, rows: dict[Any, list[dict[str, Any]]], now: datetime
                     ) -> None:
    """Clients whose voucher is valid through the months run (as it is after validity clipping, nothing recorded
    outside it) also hold, every second one, a new voucher of its content (the old one not closed): its
    validity, care (none, February's second half, days in March, a draft of an earlier run) and stays vary."""
    for i in range(1, contents, 2):
        old = rows[vouchers][i]
        if old["valid_from"] > date(2016, 1, 1) or old["valid_until"] is not None:
            continue
        service = MANUAL if i % 17 == 0 else AUTO
        content_id, value = ("meals", None) if i % 5 == 0 else ("housing", Decimal("145.00"))
        provider = rng.choice([P_LISTED, P_PARTS, P_UNLISTED])
        valid_from = rng.choice([date(2016, 1, 15), date(2016, 2, 15), date(2016, 3, 10)])
        valid_until = rng.choice([None, None, date(2016, 3, 25)])
        v, vc, b = f"v-{i}-new", f"vc-{i}-new", f"b-{i}-new"
        rows[vouchers].append({"tenant_id": T, "id": v, "number": f"PS-{i}-U", "service_id": service,
                               "client_id": f"c-{i}", "valid_from": valid_from, "valid_until": valid_until})
        rows[voucher_contents].append({"tenant_id": T, "id": vc, "voucher_id": v, "content_id": content_id,
                                       "unit": "hour" if i % 29 == 0 else "day", "granted_amount": None,
                                       "period": None, "voucher_value": value})
        rows[bookings].append({
            "tenant_id": T, "id": b, "voucher_id": v, "voucher_content_id": vc, "service_id": service,
            "content_id": content_id, "provider_id": provider, "producer_part": None, "client_id": f"c-{i}",
            "client_ref": f"A-{i}", "kind": "voucher", "ended_on": rng.choice([None, None, date(2016, 3, 20)])})
        spans: list[tuple[date, date, str]] = []
        if valid_from <= date(2016, 2, 15) and rng.random() < 0.7:
            spans.append((date(2016, 2, 15), date(2016, 2, 29), "recorded"))
        shape = rng.randrange(4)
        if shape == 1 and valid_from <= date(2016, 3, 5):
            spans.append((date(2016, 3, 5), date(2016, 3, 8), "recorded"))
        elif shape == 2 and valid_from <= date(2016, 3, 1):
            spans.append((date(2016, 3, 1), date(2016, 3, 3), "draft"))
        for n, (start, end, status) in enumerate(spans):
            rows[events].append({
                "tenant_id": T, "id": f"e-{i}-new-{n}", "booking_id": b, "voucher_id": v, "voucher_content_id": vc,
                "service_id": service, "content_id": content_id, "unit": "day", "provider_id": provider,
                "producer_part": None, "client_id": f"c-{i}", "client_ref": f"A-{i}", "start": start, "end": end,
                "units": Decimal((end - start).days + 1), "recorder": "u-9", "performer": "Hoitaja U", "text": "",
                "status": status, "approval": rng.choice(["payable", "rejected"]) if status == "recorded" else None,
                "revision": 1, "amount_tenant": Decimal("0.00"), "amount_co_payment": Decimal("0.00"),
                "credited": rng.random() < 0.1, "created_at": now, "updated_at": now})
        stay = rng.randrange(5)
        if stay < 3 and valid_from <= date(2016, 3, 12):  # (an open one past the voucher's end takes no day after it)
            start, end = [(date(2016, 3, 12), date(2016, 3, 16)), (date(2016, 3, 22), None),
                          (date(2016, 3, 12), date(2016, 3, 12))][stay]
            rows[interruptions].append({
                "tenant_id": T, "id": f"i-{i}-new", "booking_id": b, "voucher_id": v, "voucher_content_id": vc,
                "service_id": service, "content_id": content_id, "provider_id": provider, "producer_part": None,
                "client_id": f"c-{i}", "client_ref": f"A-{i}", "start": start, "end": end, "reason": "hospital",
                "status": "finalised" if end else "draft", "credited": rng.random() < 0.2, "recorder": "u-9",
                "created_at": now, "updated_at": now})


async def _drafts(h: Harness, month: str) -> list[tuple[Any, ...]]:
    async with h.runtime.db.transaction(tenant_id=T) as session:
        found = (await session.execute(select(events).where(events.c.auto_month == month))).mappings().all()
        segments = (await session.execute(select(event_segments))).mappings().all()
        known = set((await session.execute(select(events.c.id))).scalars())
    # no foreign key holds it on PostgreSQL (migration e2f7b4c9a1d3): a segment left without its event is a fault
    assert {s["event_id"] for s in segments} <= known, "a segment without its event"
    by_event: dict[str, list[tuple[Any, ...]]] = {}
    for s in segments:
        by_event.setdefault(s["event_id"], []).append(
            tuple(v for k, v in sorted(s.items()) if k not in ("event_id", "tenant_id")))

    def comparable(row: Mapping[str, Any]) -> tuple[Any, ...]:
        kept = tuple(v for k, v in sorted(row.items()) if k != "id")
        return (*kept, tuple(sorted(by_event.get(row["id"], []))))

    return sorted(comparable(r) for r in found)


async def _run(h: Harness, month: Month, *, reference: bool) -> dict[str, Any]:
    async with h.runtime.db.transaction(tenant_id=T) as session:
        ctx = EventsContext(session, h.runtime.outbox, h.runtime.clock, tenant_id=T)
        result = await (_reference(ctx, month) if reference else auto_record_tenant(ctx, month))
    result["skipped"] = sorted(result["skipped"], key=lambda s: (s["booking_id"], s["start"]))
    return result


async def _forget(h: Harness, month: str) -> None:
    """The month's drafts with their segments (no foreign key cascades them on PostgreSQL) and the run's row."""
    drafts = select(events.c.id).where(events.c.auto_month == month)
    async with h.runtime.db.transaction(tenant_id=T) as session:
        await session.execute(delete(event_segments).where(event_segments.c.event_id.in_(drafts)))
        await session.execute(delete(events).where(events.c.auto_month == month))
        await session.execute(delete(auto_record_runs))


@pytest.mark.parametrize(("month", "today"), [("2016-03", date(2016, 3, 4)), ("2016-04", date(2016, 3, 4)),
                                              ("2016-02", date(2016, 3, 4))])
async def test_same_drafts_as_recording_each_draft_as_an_event(h: Harness, month: str, today: date) -> None:
    h.clock.set(datetime(today.year, today.month, today.day, 9, tzinfo=UTC))
    await _generate(h, 400, seed=21)
    run_month = Month.parse(month)
    before = await _run(h, run_month, reference=True)
    expected = await _drafts(h, month)
    await _forget(h, month)
    after = await _run(h, run_month, reference=False)
    assert after == before
    assert await _drafts(h, month) == expected
    if month == "2016-03":  # the generated tenant gives every kind of outcome
        print(after["created"], {s["reason"] for s in after["skipped"]}, len(after["skipped"]))
        assert after["created"] > 50 and after["skipped"]
        assert any("price list" in s["reason"] for s in after["skipped"])
    again = await _run(h, run_month, reference=False)  # idempotent: the drafts stop a second run
    assert again["created"] == 0


@pytest.fixture
async def h_sqlite(
    tmp_path: Path, static_keys: StaticKeys, token_for: Callable[..., dict[str, str]]
) -> AsyncIterator[Harness]:
    """The events app embedded as `./run up` runs it: SQLite (the content ids are read in chunks there)."""
    settings = EventsSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'events.db'}", data_dir=tmp_path,
                              log_json=False, auto_record_check_seconds=0)
    broker, clock = InMemoryBroker(), FixedClock(datetime(2016, 3, 4, 9, tzinfo=UTC))
    runtime = build_runtime(settings, broker=broker, clock=clock, keys=static_keys)
    async with running_app(build_app(runtime)) as client:
        yield Harness(client, broker, runtime, clock, token_for)
    await broker.close()


async def test_same_drafts_on_sqlite(h_sqlite: Harness) -> None:
    h = h_sqlite
    await _generate(h, 1200, seed=7)  # more contents than one chunk of ids
    month = Month.parse("2016-03")
    before = await _run(h, month, reference=True)
    expected = await _drafts(h, "2016-03")
    await _forget(h, "2016-03")
    after = await _run(h, month, reference=False)
    assert after == before and after["created"] > 100
    assert await _drafts(h, "2016-03") == expected


async def test_same_drafts_written_in_small_chunks(h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of a few contents: each chunk's drafts are written by a task while the next chunk is made (and
    a content's drafts, a month split by an interruption, stay in one chunk)."""
    import seteli_events.service.auto_recording as auto_recording

    await _generate(h, 400, seed=21)
    month = Month.parse("2016-03")
    before = await _run(h, month, reference=True)
    expected = await _drafts(h, "2016-03")
    await _forget(h, "2016-03")
    monkeypatch.setattr(auto_recording, "CHUNK", 7)
    after = await _run(h, month, reference=False)
    assert after == before and after["created"] > 50
    assert await _drafts(h, "2016-03") == expected


async def test_insert_many_writes_every_value_as_given(h: Harness) -> None:
    """The bulk insert sends a column of one value once and the others as JSON text: quotes, backslashes,
    newlines, non-ASCII text, NULLs, exponent decimals and dates come back exactly as given."""
    from seteli_events.repository.auto_recording import SEGMENT_COLUMNS, _insert_many

    now = datetime(2016, 3, 4, 9, tzinfo=UTC)
    awkward = ['a "quoted" \\ back\\slash', "rivi\nrivi", "Ääkköset ja ß ✓", "", "null", "{1,2}"]
    event_rows = [
        (T, f"e-{i}", f"b-{i}", "v", "vc", AUTO, "housing", "day", "p", None if i % 2 else text, "c", text,
         date(2016, 3, 1 + i), date(2016, 3, 10 + i), None, None, Decimal("31"), "u", text, text, "draft", None,
         None, 0, Decimal("4340.00"), Decimal("1E+1"), "2016-03", False, None, False, None, None, now, now)
        for i, text in enumerate(awkward)]
    segment_rows = [(T, f"e-{i}", 0, date(2016, 3, 1), date(2016, 3, 31), Decimal("31"), Decimal("155.0000"),
                     Decimal("140.0000"), Decimal("15.0000"), Decimal("100.0000"), Decimal("0E-8"), Decimal(i))
                    for i in range(len(awkward))]
    async with h.runtime.db.transaction(tenant_id=T) as session:
        await session.execute(insert(tenants).values(id=T, name_fi="Kouvola", name_sv="Kouvola"))
        await _insert_many(session, events, event_rows)
        await _insert_many(session, event_segments, segment_rows)
        got = {r["id"]: r for r in (await session.execute(select(events))).mappings()}
        got_segments = [tuple(r) for r in (await session.execute(
            select(*(event_segments.c[c] for c in SEGMENT_COLUMNS)).order_by(event_segments.c.event_id)))]
    for row in event_rows:
        stored = got[row[1]]
        assert tuple(stored[c.name] for c in events.c) == row
    assert got_segments == segment_rows
