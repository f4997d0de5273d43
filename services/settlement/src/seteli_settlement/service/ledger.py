"""Ledger use cases: turn the events service's facts into settlement lines. Never commits (the consumer
does, with the message's inbox row); "now" is the context's clock.

Every change of one source (event, interruption, credit) first locks that source's head row, so a
correction, an approval and a deletion of the same event never interleave. Replacing a source's lines
appends reversals of its paid lines (paid in the next run) and marks its unpaid lines superseded, so
nothing already paid is ever edited.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from seteli_common.clock import Month
from seteli_common.context import ServiceContext
from seteli_common.money import parse_money, to_cents
from sqlalchemy.ext.asyncio import AsyncSession

from .. import repository as repo
from ..contracts import (
    ClientNumberChangedIn,
    CreditRequestedIn,
    CreditWithdrawnIn,
    EventDeletedIn,
    EventRecordedIn,
    InterruptionDeletedIn,
    InterruptionFinalisedIn,
    SegmentIn,
)
from ..domain import settling
from ..repository import open_queue

Row = dict[str, Any]


@dataclass(frozen=True)
class _Source:
    """What every line of one source (event, interruption, credit) shares."""

    start: date
    end: date
    event_id: str | None
    service_id: str
    provider_id: str
    producer_part: str | None
    client_ref: str | None
    content_id: str
    unit: str | None
    reason: str | None


def _dec(value: Any, default: str = "0") -> Decimal:
    return parse_money(str(value)) if value is not None else Decimal(default)


async def _client_ref(session: AsyncSession, tenant_id: str, provider_id: str, client_ref: str | None) -> str:
    """How the provider knows the client now: a fact recorded before the provider gave or changed its number
    may arrive after the change (`rename_client`). Asked under the provider's lock, which a rename takes too."""
    return await repo.current_client_ref(session, tenant_id, provider_id, client_ref) if client_ref else ""


def _segment_rows(
    tenant_id: str,
    kind: str,
    source_id: str,
    revision: int,
    base: _Source,
    segments: list[SegmentIn],
    status: str,
    month: date | None,
    now: datetime,
) -> list[Row]:
    rows = []
    for i, seg in enumerate(segments):
        start, end = seg.start or base.start, seg.end or base.end
        rows.append(
            {
                "tenant_id": tenant_id,
                "kind": kind,
                "source_id": source_id,
                "revision": revision,
                "segment_no": i,
                "entry": "line",
                "reverses": None,
                "event_id": base.event_id,
                "service_id": base.service_id,
                "provider_id": base.provider_id,
                "producer_part": base.producer_part,
                "client_ref": base.client_ref or "",
                "content_id": base.content_id,
                "unit": base.unit or "",
                "start": start,
                "end": end,
                "units": _dec(seg.units),
                "unit_price": _dec(seg.unit_price),
                "tenant_share_per_unit": _dec(seg.tenant_share_per_unit),
                "co_payment_per_unit": _dec(seg.co_payment_per_unit),
                "percentage": _dec(seg.percentage, "100"),
                # Rounded once per settlement line, half away from zero.
                "amount": to_cents(_dec(seg.amount_tenant)),
                "co_payment": to_cents(_dec(seg.amount_co_payment)),
                "month": month or Month.of(end).first,
                "status": status,
                "reason": base.reason,
                "created_at": now,
            }
        )
    return rows


def _reversal(line: Row, now: datetime) -> Row:
    row = {k: v for k, v in line.items() if k != "id"}
    row.update(
        entry="reversal",
        reverses=line["id"],
        units=-line["units"],
        amount=-line["amount"],
        co_payment=-line["co_payment"],
        status="payable",
        settled=False,
        created_at=now,
    )
    return row


async def _retire_lines(
    session: AsyncSession,
    tenant_id: str,
    kind: str,
    source_id: str,
    now: datetime,
    provider_id: str | None = None,
    *,
    seen: bool = True,
) -> list[date]:
    """Take a source's current lines out of the ledger: a paid line is cancelled by a reversal (paid in
    the next run), an unpaid one is simply superseded. The provider lock keeps a job from paying a
    line while it is being superseded. A source heard of for the first time (`seen` False: its head at
    revision 0, which no line was ever written under) has none: only the provider is locked. Returns the
    months of the reversals made."""
    locked: set[str] = set()
    if provider_id:
        await repo.lock_provider(session, tenant_id, provider_id)
        locked.add(provider_id)
    if not seen:
        return []
    while True:
        live = await repo.live_lines(session, tenant_id, kind, source_id)
        missing = {line["provider_id"] for line in live} - locked
        if not missing:
            break
        for other in sorted(missing):
            await repo.lock_provider(session, tenant_id, other)
            locked.add(other)
    # A line a running run has locked is paid by it as it was: it is reversed like a paid one.
    ids = [line["id"] for line in live]
    paid = await repo.paid_among(session, tenant_id, ids) | await open_queue.locked_among(session, tenant_id, ids)
    reversals = [_reversal(line, now) for line in live if line["id"] in paid]
    await repo.insert_lines(session, reversals)
    await repo.set_line_status(session, tenant_id, [ln["id"] for ln in live if ln["id"] not in paid], "superseded")
    return [row["month"] for row in reversals]


async def _pay_reversals_with_their_replacement(session: AsyncSession, tenant_id: str, kind: str, source_id: str,
                                                reversed_months: list[date], new_months: list[date]) -> None:
    """A paid source replaced by lines of an earlier month (an interruption ended a month earlier, an event moved to
    an earlier month): a run of that month, a second run of it too, pays the new lines, so it pays the reversal of a
    month left without a new line with them (from the closest earlier month of a new line), never the new lines
    alone, which would pay the care twice. The ledger keeps each line's own month (the reports')."""
    for month in sorted(set(reversed_months) - set(new_months)):
        earlier = [m for m in new_months if m < month]
        if earlier:
            await open_queue.pay_reversals_from(session, tenant_id, kind, source_id, month, max(earlier))


async def _credit_follows(session: AsyncSession, tenant_id: str, credited_id: str, now: datetime,
                          new_rows: list[Row]) -> None:
    """A credit takes back the whole of its event (interruption) as it stands: when the credited source is
    corrected or removed (its lines `new_rows`, none when removed), the credit is re-stated at minus their value, so
    the correction's reversal and the credit never take the same days back twice. Events withdraws a credit before
    it changes its source; this keeps the sum right whatever order the facts arrive in. What set-offs deducted for
    the credit as it was goes back as for a withdrawn credit (`_give_back_for`), less what the re-stated one takes."""
    amount = -sum((row["amount"] for row in new_rows), Decimal(0))
    co_payment = -sum((row["co_payment"] for row in new_rows), Decimal(0))
    credit_lines = await repo.live_credit_lines_of(session, tenant_id, credited_id)
    for credit_id in sorted({line["source_id"] for line in credit_lines}):
        lines = [line for line in credit_lines if line["source_id"] == credit_id]
        if (sum(ln["amount"] for ln in lines), sum(ln["co_payment"] for ln in lines)) == (amount, co_payment):
            continue
        await _retire_lines(session, tenant_id, "credit", credit_id, now, lines[0]["provider_id"])
        if amount != 0 or co_payment != 0:
            restated = {k: v for k, v in lines[0].items() if k != "id"}
            restated.update(revision=max(ln["revision"] for ln in lines) + 1, segment_no=0, units=Decimal(1),
                            unit_price=amount + co_payment, tenant_share_per_unit=amount,
                            co_payment_per_unit=co_payment, amount=amount, co_payment=co_payment, status="payable",
                            created_at=now)
            await repo.insert_lines(session, [restated])
        # (after the re-stated line: an open credit's give-back leaves what it still takes)
        await _give_back_for(session, tenant_id, lines)


async def _client_pays(session: AsyncSession, tenant_id: str, p: EventRecordedIn | InterruptionFinalisedIn) -> bool:
    """Whether the client pays the event (interruption): as events valued it, by the service's contents on its
    first day (a content the tenant admin made client-paid from a later date is paid by the tenant before it,
    whenever recorded); from an older publisher that does not say, by the content as it is now."""
    if p.client_pays is not None:
        return p.client_pays
    return p.content_id in await _client_pays_contents(session, tenant_id, p.service_id)


async def _client_pays_contents(session: AsyncSession, tenant_id: str, service_id: str) -> set[str]:
    for service in await repo.tenant_services(session, tenant_id):
        if service["id"] == service_id:
            return {c["content_id"] for c in service["contents"] or [] if c.get("client_pays")}
    return set()


async def record_event(ctx: ServiceContext, tenant_id: str, p: EventRecordedIn) -> bool:
    """events.event.recorded / .corrected: the event's lines at this revision replace the older ones.
    Returns False when the message is older than what is known (out of order) or the event is deleted."""
    session, now = ctx.session, ctx.clock.now()
    event_id, revision = p.event_id, p.revision or 1
    head = await repo.claim_source(session, tenant_id, "event", event_id)
    assert head is not None
    if head["deleted"] or head["revision"] >= revision:
        return False
    reversed_months = await _retire_lines(session, tenant_id, "event", event_id, now, p.provider_id,
                                          seen=head["revision"] > 0)
    rows: list[Row] = []
    head_set = False  # the head's new revision written with the lines (a new source's)
    if not await _client_pays(session, tenant_id, p):
        segments = p.segments or [
            SegmentIn(start=p.start, end=p.end, units=p.units, amount_tenant=p.amount_tenant,
                      amount_co_payment=p.amount_co_payment)
        ]
        status = "payable" if p.status == "payable" else "awaiting_approval"
        new_source = head["revision"] == 0
        # a new source's lines are written by a statement that reads the client's current number itself
        client_ref = (p.client_ref if repo.lines_in_one_statement(session, new_source)
                      else await _client_ref(session, tenant_id, p.provider_id, p.client_ref))
        base = _Source(p.start, p.end, event_id, p.service_id, p.provider_id, p.producer_part, client_ref,
                       p.content_id, p.unit, p.reason)
        # Each segment is paid and reported in the month of its days (events cuts a stay at month ends): the
        # March days of a stay 25.3.-2.4. recorded by the provider deadline are paid in March's run.
        rows = _segment_rows(tenant_id, "event", event_id, revision, base, segments, status, None, now)
        head_set = await repo.insert_lines(session, rows, new_source=new_source, head_revision=revision)
        if reversed_months:  # (new lines awaiting approval too: a run of their month pays them once approved)
            await _pay_reversals_with_their_replacement(session, tenant_id, "event", event_id, reversed_months,
                                                        [row["month"] for row in rows])
    if head["revision"] > 0:  # (a source heard of for the first time was never paid, so never credited)
        await _credit_follows(session, tenant_id, event_id, now, rows)
    if not head_set:
        await repo.set_source(session, tenant_id, "event", event_id, revision=revision)
    return True


async def delete_event(ctx: ServiceContext, tenant_id: str, p: EventDeletedIn) -> bool:
    session, now = ctx.session, ctx.clock.now()
    event_id = p.event_id
    head = await repo.claim_source(session, tenant_id, "event", event_id)
    assert head is not None
    if head["deleted"]:
        return False
    await _retire_lines(session, tenant_id, "event", event_id, now)
    await _credit_follows(session, tenant_id, event_id, now, [])
    revision = max(int(head["revision"]), p.revision or 0)
    await repo.set_source(session, tenant_id, "event", event_id, deleted=True, revision=revision)
    return True


async def decide_event(
    ctx: ServiceContext, tenant_id: str, event_id: str, approved: bool, revision: int | None = None
) -> bool | None:
    """An over-limit event approved (its lines become payable) or rejected (they disappear), at the `revision`
    decided. None: the event (at that revision) is not known yet (the caller retries later). A decision on an
    earlier revision arriving after a correction is ignored: the correction waits for its own decision."""
    session = ctx.session
    head = await repo.lock_source(session, tenant_id, "event", event_id)
    if head is None or head["revision"] == 0 or (revision is not None and revision > head["revision"]):
        return None
    if revision is not None and revision < head["revision"]:
        return False
    live = await repo.live_lines(session, tenant_id, "event", event_id)
    waiting = [ln["id"] for ln in live if ln["status"] == "awaiting_approval"]
    for provider_id in sorted({ln["provider_id"] for ln in live if ln["status"] == "awaiting_approval"}):
        await repo.lock_provider(session, tenant_id, provider_id)  # a job never pays a line opened mid-job
    await repo.set_line_status(session, tenant_id, waiting, "payable" if approved else "rejected")
    return bool(waiting)


def fingerprint(payload: Row) -> str:
    """Of a fact as it was received (the envelope's payload), to know the same fact again."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


async def finalise_interruption(
    ctx: ServiceContext, tenant_id: str, p: InterruptionFinalisedIn, *, fingerprint: str
) -> bool:
    """An ended interruption is paid by the rule in the settlement of the month it ended in (its days
    may lie in earlier months): an open interruption is thus settled one month later than events.
    A correction (the next ``revision``) replaces its lines; an older revision arriving late is ignored. One removed
    comes back with a revision later than its removal's: events took it back to wait for the officer (an "on" of the
    approval step heard late), who approved it."""
    session, now = ctx.session, ctx.clock.now()
    interruption_id = p.interruption_id
    head = await repo.claim_source(session, tenant_id, "interruption", interruption_id)
    assert head is not None
    sent = p.revision
    if head["fingerprint"] == fingerprint or (head["deleted"] and (sent is None or sent <= int(head["revision"]))):
        return False  # the same fact again, or the interruption was removed (and not brought back since)
    if sent is not None and sent <= int(head["revision"]):
        return False  # an earlier version arriving after a later correction
    reversed_months = await _retire_lines(session, tenant_id, "interruption", interruption_id, now, p.provider_id,
                                          seen=head["revision"] > 0)
    revision = max(int(head["revision"]) + 1, sent or 0)
    end = p.end
    base = _Source(p.start, p.end, None, p.service_id, p.provider_id, p.producer_part,
                   await _client_ref(session, tenant_id, p.provider_id, p.client_ref), p.content_id,
                   p.unit or "day", p.reason)
    segments = list(p.segments or [])
    if await _client_pays(session, tenant_id, p):
        segments = []  # the client pays it: never a line of a payment, as for its events
    rows = _segment_rows(
        tenant_id, "interruption", interruption_id, revision, base, segments, "payable", Month.of(end).first, now)
    await repo.insert_lines(session, rows)
    await _pay_reversals_with_their_replacement(session, tenant_id, "interruption", interruption_id, reversed_months,
                                                [row["month"] for row in rows])
    if head["revision"] > 0:  # (as for an event: one heard of for the first time has no credit)
        await _credit_follows(session, tenant_id, interruption_id, now, rows)
    await repo.set_source(
        session, tenant_id, "interruption", interruption_id, revision=revision, fingerprint=fingerprint, deleted=False
    )
    await repo.upsert_interruption(
        session,
        {
            "tenant_id": tenant_id,
            "id": interruption_id,
            "service_id": p.service_id,
            "provider_id": p.provider_id,
            "producer_part": p.producer_part,
            "client_ref": base.client_ref or "",
            "content_id": p.content_id,
            "start": p.start,
            "end": end,
            "reason": p.reason or "other",
            "amount_tenant": to_cents(_dec(p.amount_tenant)),
            "amount_co_payment": to_cents(_dec(p.amount_co_payment)),
        },
    )
    return True


async def delete_interruption(ctx: ServiceContext, tenant_id: str, p: InterruptionDeletedIn) -> bool:
    """events.interruption.deleted: an interruption removed before it was settled, or taken back to wait for the
    officer; its lines go (a line already paid is reversed in the next run, as for a deleted event)."""
    session, now = ctx.session, ctx.clock.now()
    interruption_id = p.interruption_id
    head = await repo.claim_source(session, tenant_id, "interruption", interruption_id)
    assert head is not None
    if head["deleted"] or (p.revision is not None and p.revision <= int(head["revision"])):
        return False  # removed already, or a removal older than a revision that brought it back
    await _retire_lines(session, tenant_id, "interruption", interruption_id, now)
    await _credit_follows(session, tenant_id, interruption_id, now, [])
    # its revision: only a later one brings it back (finalise_interruption), an earlier one arriving late does not
    revision = max(int(head["revision"]), p.revision or 0)
    await repo.set_source(session, tenant_id, "interruption", interruption_id, deleted=True, revision=revision)
    await repo.delete_interruption(session, tenant_id, interruption_id)
    return True


async def request_credit(ctx: ServiceContext, tenant_id: str, p: CreditRequestedIn) -> bool:
    """A credit of an already paid event, deducted in the settlement of its month (the next one), with the
    event's co-payment taken back."""
    session, now = ctx.session, ctx.clock.now()
    credit_id = p.credit_id
    head = await repo.claim_source(session, tenant_id, "credit", credit_id)
    assert head is not None
    if head["revision"] >= 1:
        return False
    month = Month.parse(p.month)
    amount = to_cents(_dec(p.amount))
    if amount > 0:
        amount = -amount  # a credit always reduces the payment
    # As a reversal does, the credit takes back the client's co-payment of the wrong entry: the provider's
    # specification then shows what the client pays for the care as corrected, not the wrong entry's beside it.
    co_payment = -abs(to_cents(_dec(p.amount_co_payment)))
    await repo.lock_provider(session, tenant_id, p.provider_id)  # see decide_event
    base = _Source(month.first, month.last, p.event_id, p.service_id, p.provider_id, p.producer_part,
                   await _client_ref(session, tenant_id, p.provider_id, p.client_ref), p.content_id, "", p.reason)
    segment = SegmentIn(
        units=Decimal("1"),
        unit_price=amount + co_payment,  # the whole value: the tenant's share and the client's
        tenant_share_per_unit=amount,
        co_payment_per_unit=co_payment,
        percentage=Decimal("100"),
        amount_tenant=amount,
        amount_co_payment=co_payment,
    )
    await repo.insert_lines(
        session,
        _segment_rows(tenant_id, "credit", credit_id, 1, base, [segment], "payable", month.first, now),
    )
    await repo.set_source(session, tenant_id, "credit", credit_id, revision=1)
    return True


async def withdraw_credit(ctx: ServiceContext, tenant_id: str, p: CreditWithdrawnIn) -> bool:
    """A credit taken back (its event was removed before it was paid): its lines leave the ledger, a
    deducted one by a reversal. Arriving before the credit itself, it keeps the credit from ever landing."""
    session, now = ctx.session, ctx.clock.now()
    credit_id = p.credit_id
    head = await repo.claim_source(session, tenant_id, "credit", credit_id)
    assert head is not None
    if head["deleted"]:
        return False
    live = await repo.live_lines(session, tenant_id, "credit", credit_id)
    await _retire_lines(session, tenant_id, "credit", credit_id, now)
    await _give_back_for(session, tenant_id, live)
    await repo.set_source(session, tenant_id, "credit", credit_id, deleted=True, revision=2)
    return True


async def _give_back_for(session: AsyncSession, tenant_id: str, live: list[Row]) -> None:
    """A credit's lines `live` retired (withdrawn, or re-stated by `_credit_follows`): what set-offs deducted for
    them from another payee's payment goes back to that payee.
    Asked once the provider is locked (a job paying it has committed): a line the running run has locked is
    paid (or carried) by it as it was, and what its set-offs deducted goes back once its job has paid it
    (`give_back_withdrawn_meanwhile`), not now, when the job would take that too."""
    paid_by = await repo.payments_of_lines(session, tenant_id, [ln["id"] for ln in live])
    locked = await open_queue.locked_among(session, tenant_id, [ln["id"] for ln in live])
    # What a set-off deducted for the credit from another payee's payment goes back to that payee.
    still_open = {(ln["provider_id"], ln["producer_part"]) for ln in live
                  if ln["id"] not in paid_by and ln["id"] not in locked}
    for provider_id, part in sorted(still_open, key=lambda c: (c[0], c[1] or "")):
        await _give_back_open_set_off(session, tenant_id, provider_id, part)
    settled = {(ln["provider_id"], paid_by[ln["id"]]) for ln in live if ln["id"] in paid_by}
    for provider_id, payment_id in sorted(settled):
        await _give_back_settled_set_off(session, tenant_id, provider_id, payment_id)


@dataclass
class GiveBack:
    """Where the set-off rows of a give-back go: written (`write`), or only kept in `rows`, for a preview to plan
    with what its run's job would write before planning. Rows kept count in what a later give-back reads."""

    write: bool = True
    rows: list[Row] = field(default_factory=list)

    async def add(self, session: AsyncSession, rows: list[Row]) -> None:
        if self.write:
            await repo.insert_set_offs(session, rows)
        else:
            self.rows += rows


async def give_back_withdrawn_meanwhile(session: AsyncSession, tenant_id: str, provider_id: str,
                                       lines: list[Row], book: GiveBack | None = None) -> None:
    """A job has just paid (or carried) the provider's credit `lines` that were withdrawn after its run locked them
    ({line_id, producer_part}): what set-offs deducted for them now goes back to the payees that bore it, as
    `withdraw_credit` does for a credit paid or open, and the next run pays it with the credit's reversal."""
    book = book or GiveBack()
    paid_by = await repo.payments_of_lines(session, tenant_id, [ln["line_id"] for ln in lines])
    for part in sorted({ln["producer_part"] for ln in lines if ln["line_id"] not in paid_by}, key=lambda p: p or ""):
        await _give_back_open_set_off(session, tenant_id, provider_id, part, book)
    for payment_id in sorted(set(paid_by.values())):
        await _give_back_settled_set_off(session, tenant_id, provider_id, payment_id, book)


async def give_back_before_planning(session: AsyncSession, tenant_id: str, run_id: str | None, month_first: date,
                                    provider_id: str, book: GiveBack | None = None) -> list[Row]:
    """A credit withdrawn while an earlier run held it, whose job there was parked unpaid: a run (`run_id`; None for
    a preview) pays the credit and its reversal together (they cancel), so what set-offs deducted for it goes back
    before the payees are planned; planned first, the deduction still counted for its debtor would pay it what the
    other payee bore. Returns the provider's other credits withdrawn meanwhile, given back once the job paid them."""
    withdrawn_meanwhile = await repo.open_credits_reversed(session, tenant_id, run_id, month_first, provider_id)
    cancelling = await repo.reversals_paid_with(session, tenant_id, run_id, month_first,
                                                [ln["line_id"] for ln in withdrawn_meanwhile])
    if cancelling:
        await give_back_withdrawn_meanwhile(session, tenant_id, provider_id,
                                            [ln for ln in withdrawn_meanwhile if ln["line_id"] in cancelling], book)
    return [ln for ln in withdrawn_meanwhile if ln["line_id"] not in cancelling]


def _standing(rows: list[Row]) -> dict[tuple[str | None, int], Row]:
    """Per deduction (the debtor's part and the payment it was made from), what of it still stands: its own row
    (which comes first) less what was given back of it since."""
    standing: dict[tuple[str | None, int], Row] = {}
    for row in rows:
        standing.setdefault((row["from_part"], row["payment_id"]), {**row, "amount": Decimal(0)})["amount"] += (
            row["amount"])
    return standing


async def _give_back_open_set_off(
    session: AsyncSession, tenant_id: str, provider_id: str, producer_part: str | None, book: GiveBack | None = None
) -> None:
    """The withdrawn credit was still open: a run may have set off part of its payee's credits against another
    payee's payment while the rest was carried (`settling.set_off`). What was set off beyond the payee's remaining
    open credits goes back; what was still carried just goes with the credit. The provider is locked."""
    provider, sites = await repo.get_provider(session, provider_id), await repo.provider_sites(session, provider_id)

    def payee(part: str | None) -> str:
        return settling.payee_key_of(provider_id, provider, sites, part)

    book = book or GiveBack()
    debtor = payee(producer_part)
    standing = _standing([row for row in [*await repo.open_set_off_rows(session, tenant_id, provider_id), *book.rows]
                          if row["kind"] != "repaid" and payee(row["from_part"]) == debtor])
    still_owed = -sum((c["amount"] for c in await repo.open_credits(session, tenant_id, provider_id)
                       if payee(c["producer_part"]) == debtor), Decimal(0))
    await _give_back(session, tenant_id, provider_id, standing, still_owed, book)


async def _give_back_settled_set_off(session: AsyncSession, tenant_id: str, provider_id: str, payment_id: int,
                                     book: GiveBack | None = None) -> None:
    """The withdrawn credit was paid by `payment_id` (its payee's payment, perhaps 0.00), which settled what runs had
    set off of its payee's credits: its reversal is paid to that payee in the next run, so what was set off beyond
    the credits left among the payment's lines goes back to the payees that bore it. The provider is locked."""
    settled = [row for row in await repo.set_offs_of_payment(session, tenant_id, payment_id)
               if row["settled_by"] == payment_id and row["kind"] == "set_off"]
    if not settled:
        return
    book = book or GiveBack()
    deductions = {(row["from_part"], row["payment_id"]) for row in settled}
    made = await repo.set_offs_made_from(session, tenant_id, provider_id, sorted({d[1] for d in deductions}))
    standing = _standing([row for row in [*made, *book.rows]
                          if (row["from_part"], row["payment_id"]) in deductions and row["kind"] != "repaid"])
    still_owed = -await repo.unreversed_total(session, tenant_id, payment_id)
    await _give_back(session, tenant_id, provider_id, standing, still_owed, book)


async def _give_back(session: AsyncSession, tenant_id: str, provider_id: str,
                     standing: dict[tuple[str | None, int], Row], still_owed: Decimal, book: GiveBack | None = None
                     ) -> None:
    """What of the debtor's deductions (`standing`) exceeds the credits it still owes goes back to the payees that
    bore it, the latest deduction first: a `withdrawn` row takes it off the debtor's next total, a `repaid` row adds
    it to the bearer's next payment (paid in the next run even with no line open)."""
    set_off = sum((d["amount"] for d in standing.values()), Decimal(0))
    excess = set_off - min(set_off, max(still_owed, Decimal(0)))
    given_back = []
    for deduction in sorted(standing.values(), key=lambda d: d["id"], reverse=True):
        amount = min(excess, deduction["amount"])
        if amount <= 0:
            continue
        excess -= amount
        common = {"tenant_id": tenant_id, "run_id": deduction["run_id"], "provider_id": provider_id,
                  "payment_id": deduction["payment_id"], "settled_by": None}
        given_back += [
            {**common, "kind": "withdrawn", "amount": -amount, "from_site_id": deduction["from_site_id"],
             "from_name": deduction["from_name"], "from_part": deduction["from_part"],
             "to_site_id": deduction["to_site_id"], "to_name": deduction["to_name"]},
            {**common, "kind": "repaid", "amount": amount, "from_site_id": deduction["to_site_id"],
             "from_name": deduction["to_name"],
             "from_part": f"site:{deduction['to_site_id']}" if deduction["to_site_id"] else None,
             "to_site_id": deduction["from_site_id"], "to_name": deduction["from_name"]},
        ]
    await (book or GiveBack()).add(session, given_back)


async def rename_client(ctx: ServiceContext, tenant_id: str, p: ClientNumberChangedIn, stated_at: datetime) -> None:
    """vouchers.client_number.changed: the provider's number for the client, given or changed after care was
    recorded, names the client on every line and interruption of the client with the provider, paid or not
    (a report then shows one row per client, a specification the number); nothing else of a line changes. Of
    two changes the one stated last wins, whatever the order they arrive in."""
    await repo.lock_provider(ctx.session, tenant_id, p.provider_id)  # a line written meanwhile is renamed too
    await repo.rename_client(ctx.session, tenant_id, p.provider_id, p.previous_refs, p.client_ref, stated_at)
