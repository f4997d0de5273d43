"""An independent reference model of what the tenant pays, written from shared/domain.md only.

Pure Python (stdlib, Decimal and Fraction); imports nothing from the services. It walks a generated
`History` in the order of `generator.schedule` and says, for every settlement run, whom the tenant
pays, to which account and how much, what is carried over, which events go to manual approval,
which credits are accepted, and every client's co-payment.

The rules, as domain.md states them:
- Price: the price list valid on the event's date (each day of a day range by its own date): the
  producer part's own list when it has one valid that day, else the company's list. A list is valid
  from its start until the day before the next list of the same producer part starts.
- Tenant share per unit: the voucher value, or the price when lower; co-payment per unit: price minus
  voucher value when positive (Act 569/2009).
- Each calendar day of a day content is paid at most once: a presence event that starts on an
  interruption's return day does not pay that day; the interruption pays it.
- Interruptions (Kouvola's rule from 2016-01-01): departure day (day 0) and days 1-10 at 100 %, day 11
  onwards 0 %, return day 100 %. An interruption is paid in the settlement of the month it ended in
  (an open one is settled one month later than ordinary events).
- The producer part of an interruption (a hospital stay): the part the provider names when entering it ("" the
  company), else the part of the booking's latest care before the departure (here the booking's). The stay is
  priced by that part's list (else the company's) and paid to that part's payee, like an event of that part.
- Interruption approval (004 §4.3.5.2, a setting per tenant): where the tenant approves interruptions,
  a finalised one waits and is not paid; approved, it is paid by the rule in the first run after the
  approval (by the 3rd: that month's run; later: the next); rejected or never decided, it is never paid.
  Its return day stays its own (a presence event starting then still does not pay it); the client's
  co-payment breakdown shows a waiting one, not a rejected one.
- The setting changed mid-way (events' rule, `tenant_changed`): turned off, every interruption waiting
  is released as approved (paid by the next run), rejected ones stay rejected, and one finalised later
  does not wait; turned on again, those finalised from then on wait.
- A content ended from a day (applications `end_content`): no event of it on its end day or later (an
  event ending on or after the day is refused whole), no interruption starting on or after the day, nor one
  returning on or after it (its return day is at most the content's last day, as for a voucher's end);
  events and interruptions before it are recorded and paid as before.
- A content the client pays from a day (a scheduled change of `client_pays`; events `content_terms`):
  an event or interruption is valued by the service's contents on its first day: starting on or after
  the day, the client pays its whole price and the tenant nothing (domain.md: never settled by the
  tenant, so there is nothing of it to credit); starting before, the tenant pays it as before, also for
  its days on or after the change and whenever it is recorded.
- Auto-recording (004 §4.3.2), here tenant 0's voucher service: on the 4th of month M every valid day content
  with an event in M-1 (a draft included), no open interruption and no event in M gets a draft for the whole of
  M, targeted to the producer part of the latest event, with its recorder and performer; the first event is
  manual. The provider confirms the drafts on the 1st of M+1 (by the 2nd): a confirmed draft is an event
  recorded then (paid by M's run); an unconfirmed one is never paid. Where the domain text leaves it open, the
  model follows the events service's decisions (`auto_record_drafts`), each named where it is used below: among
  them, where a client holds two vouchers of the content, which one a day is drafted on (a day is paid once).
- A death ends the validity the day after it: a stay entered earlier that returns later returns on that day
  (re-valued by the rule), as events clip it.
- Over-limit: counting the content's earlier recorded events that were not rejected or credited, an
  event that makes a period (ISO week Monday-Sunday, calendar month, or the whole validity) exceed the
  grant goes to manual approval; approved: paid normally; rejected: never paid; approved and credited:
  paid, and its whole value credited in the next settlement.
- Credits: an event already paid is credited by its whole value in the next month's settlement: the next
  payment not yet made, i.e. last month's run when it has not been made yet (a credit made on the 1st-3rd),
  else this month's.
- Run of month M: every recorded, approved line of month M or earlier not paid yet, credits of M or
  earlier deducted; one payment per payee. The payee is the site named as producer part when it has
  billing information of its own, else the company. A payee with no billing information, or whose
  credits exceed what is due, is not paid: its amount moves to the next settlement. Re-running never
  pays twice.

Rounding (libs/common money.py, "the one rounding rule of Seteli"): round half away from zero
(ROUND_HALF_UP) to whole cents, exactly once per settlement line; totals are sums of rounded lines.
A settlement line is one stretch of consecutive days of one event (or interruption) in one month at
one price and one percentage, or one non-day event. The model computes each line's exact value (as a
Fraction: 50 min is 5/6 h) and rounds it once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from generator import Event, History, Interruption, PriceList, Voucher, schedule

CENT = Decimal("0.01")
HUNDRED = Fraction(100)


def round_cents(exact: Fraction) -> Decimal:
    """Half away from zero to whole cents, once: 27.125 -> 27.13, -0.125 -> -0.13."""
    cents = abs(exact) * 100
    whole, rest = divmod(cents.numerator, cents.denominator)
    if 2 * rest >= cents.denominator:
        whole += 1
    result = (Decimal(-whole if exact < 0 else whole) / 100).quantize(CENT)
    return result if result != 0 else Decimal("0.00")


def kouvola_percentage(day_number: int, return_day: bool) -> Fraction:
    if return_day:
        return Fraction(100)
    return Fraction(100) if day_number <= 10 else Fraction(0)


def price_on(lists: Iterable[PriceList], provider: str, part: str | None, content: str, day: date) -> Decimal:
    def valid(owner: str | None) -> PriceList | None:
        chain = [pl for pl in lists if pl.provider == provider and pl.part == owner and pl.start <= day]
        return max(chain, key=lambda pl: pl.start) if chain else None

    own = valid(part) if part is not None else None
    if own is not None and content in own.prices:
        return own.prices[content]
    company = valid(None)
    if company is None or content not in company.prices:
        raise ValueError(f"no price for {content} of {provider}/{part} on {day}")
    return company.prices[content]


def shares(price: Decimal, value: Decimal | None, client_pays: bool = False) -> tuple[Decimal, Decimal]:
    """(tenant share, co-payment) per unit."""
    if client_pays:
        return Decimal(0), price
    if value is None:
        return price, Decimal(0)
    return min(price, value), max(price - value, Decimal(0))


@dataclass
class Line:
    source: str  # event, interruption or credit key
    payee: tuple[str, str | None]  # (provider, site with own billing or None)
    month: int  # index of the settlement month it belongs to
    amount: Decimal
    co_payment: Decimal
    paid_in: int | None = None
    payable: bool = True
    tenant: int = 0


@dataclass
class Payment:
    payee: tuple[str, str | None]
    account: tuple[str, str | None]  # whose IBAN: the payee's own
    amount: Decimal


@dataclass
class RunResult:
    month: int
    payments: list[Payment] = field(default_factory=list)
    carried: dict[tuple[str, str | None], Decimal] = field(default_factory=dict)


@dataclass
class Outcome:
    """What the model says (and what the driver observes), comparable with ==."""

    runs: list[tuple[int, list[tuple[str, str, str]], list[tuple[str, str]]]] = field(default_factory=list)
    over_limit: set[str] = field(default_factory=set)
    credits_accepted: dict[str, bool] = field(default_factory=dict)
    co_payments: dict[str, str] = field(default_factory=dict)  # client/content -> total shown
    refused: dict[str, str] = field(default_factory=dict)  # event key -> why (compared by key)
    early_runs: dict[int, bool] = field(default_factory=dict)  # month index -> was the run accepted
    interruptions_waiting: set[str] = field(default_factory=set)  # interruption keys that waited for approval
    # auto-recording's drafts: (month index, voucher key, start, end, producer part: site key or "company",
    # whether recorder and performer are those of the content's latest event)
    drafts: set[tuple[int, str, str, str, str, bool]] = field(default_factory=set)
    exercised: set[str] = field(default_factory=set)  # which rules the history reached (counted, not compared)


def payee_label(payee: tuple[str, str | None]) -> str:
    return payee[0] if payee[1] is None else f"{payee[0]}/{payee[1]}"


class Model:
    def __init__(self, history: History) -> None:
        self.h = history
        self.lines: list[Line] = []
        self.approval: dict[str, str] = {}  # event -> payable | awaiting | approved | rejected
        self.credited: set[str] = set()
        self.set_off_open: dict[tuple[str, str | None], Decimal] = {}  # debtor payee -> set off, lines not yet paid
        self.runs_made: set[tuple[int, int]] = set()  # (tenant, month) of every run made
        self.units: dict[str, dict[date, Fraction]] = {}  # event -> units per day (for grants)
        self.returns: dict[str, set[date]] = defaultdict(set)  # voucher -> ended interruptions' return days
        self.event_days: dict[str, list[tuple[date, Fraction]]] = {}  # day event -> the days it pays
        self.last_day: dict[str, date] = {}  # voucher -> last valid day after a death
        self.outcome = Outcome()
        self.recorded: dict[str, Event] = {}  # every event recorded (not refused), confirmed drafts included
        self.open_stays: dict[str, set[str]] = defaultdict(set)  # voucher -> interruptions entered without an end
        self.stays: dict[str, list[Interruption]] = defaultdict(list)  # voucher -> interruptions ended
        self.drafts: dict[tuple[str, int], list[tuple[date, date, str | None]]] = {}  # (voucher, month) -> drafts
        self.skipped: set[str] = set()  # manual events of a month the content was drafted for (the draft is it)
        self.booking_ended: dict[str, date] = {}  # voucher -> the last day of its booking the provider ended

    # --- helpers -----------------------------------------------------------------------------------------

    def payee(self, v: Voucher, part: str | None | bool = False) -> tuple[str, str | None]:
        """The payee of a line of the voucher's part (or of `part`, a site key or None the company)."""
        prov = self.h.provider(v.provider)
        part = v.part if part is False else part
        if part is not None and prov.site(str(part)).own_billing:
            return (v.provider, str(part))
        return (v.provider, None)

    @staticmethod
    def stay_part(v: Voucher, i: Interruption) -> str | None:
        """The producer part of an interruption: as named ("" the company), else the booking's."""
        return v.part if i.part is None else (i.part or None)

    def has_billing(self, payee: tuple[str, str | None], run: int) -> bool:
        if payee[1] is not None:
            return True  # a site's own billing is given when the site is added
        start = self.h.provider(payee[0]).billing_from
        return start is not None and start <= run

    def _day_lines(self, key: str, v: Voucher, days: list[tuple[date, Fraction]], month_of_lines: int | None,
                   valued_from: date, part: str | None | bool = False) -> None:
        """Lines of day units: consecutive days in one month at one price and percentage form a line. The
        contents (who pays) are those of `valued_from`, the event's or interruption's first day. `part` (an
        interruption's producer part) prices and pays them instead of the voucher's part."""
        part = v.part if part is False else part
        runs: list[list[tuple[date, Decimal, Fraction]]] = []
        for d, pct in sorted(days):
            price = price_on(self.h.price_lists, v.provider, part, v.content, d)
            last = runs[-1][-1] if runs else None
            if last and last[0] + timedelta(days=1) == d and last[1] == price and last[2] == pct \
                    and (last[0].year, last[0].month) == (d.year, d.month):
                runs[-1].append((d, price, pct))
            else:
                runs.append([(d, price, pct)])
        client_pays = self.h.client_pays_on(v, valued_from)
        change = self.h.pays_change
        if change is not None and v.tenant == 0 and v.content == change[0] and days:
            self.outcome.exercised.add("pays_change: client pays from the date" if client_pays else
                                       "pays_change: tenant pays, first day before the date"
                                       if max(d for d, _ in days) >= change[1] else "pays_change: before the date")
        for run in runs:
            first, price, pct = run[0]
            tenant, co = shares(price, v.value, client_pays)
            n = len(run)
            month = self.h.month_index(first) if month_of_lines is None else month_of_lines
            self.lines.append(Line(key, self.payee(v, part), month,
                                   round_cents(Fraction(tenant) * n * pct / HUNDRED),
                                   round_cents(Fraction(co) * n * pct / HUNDRED), tenant=v.tenant))

    def _zero_line_if_none(self, key: str, v: Voucher, start: date) -> None:
        """An event only on return days (the interruption pays them) is worth nothing, but the run still
        settles it, so it can be credited and its days freed like any paid event."""
        if not any(ln.source == key for ln in self.lines):
            self.lines.append(Line(key, self.payee(v), self.h.month_index(start), Decimal("0.00"), Decimal("0.00"),
                                   tenant=v.tenant))

    # --- actions, in schedule order ---------------------------------------------------------------------

    def record(self, e: Event, part: str | None | bool = False) -> None:
        v = self.h.voucher(e.voucher)
        if self.h.ended(v, e.end):  # an ended content: no event of it on its end day or later
            self.outcome.refused[e.key] = "the content has ended"
            self.outcome.exercised.add("content_end: event refused")
            return
        if self.h.content_end is not None and v.tenant == 0 and v.content == self.h.content_end[0]:
            self.outcome.exercised.add("content_end: event before the end paid")
        if self.h.content(v.content).unit == "day":
            per_day = {d: Fraction(1) for d in _days(e.start, e.end)}
        else:
            assert e.start_time and e.end_time
            minutes = (datetime.combine(e.start, e.end_time) - datetime.combine(e.start, e.start_time)).seconds // 60
            per_day = {e.start: Fraction(minutes, 60)}
        over = self._over_limit(v, per_day)
        self.recorded[e.key] = e
        self.units[e.key] = per_day
        self.approval[e.key] = "awaiting" if over else "payable"
        if over:
            self.outcome.over_limit.add(e.key)
        if self.h.content(v.content).unit == "day":
            days = [(d, HUNDRED) for d in per_day if d not in self.returns[v.key]]
            self.event_days[e.key] = days
            self._day_lines(e.key, v, days, None, e.start, part)
            self._zero_line_if_none(e.key, v, e.start)
        else:
            price = price_on(self.h.price_lists, v.provider, v.part, v.content, e.start)
            tenant, co = shares(price, v.value, self.h.client_pays_on(v, e.start))
            hours = per_day[e.start]
            self.lines.append(Line(e.key, self.payee(v), self.h.month_index(e.start),
                                   round_cents(Fraction(tenant) * hours), round_cents(Fraction(co) * hours),
                                   tenant=v.tenant))
        if over:
            for line in self.lines:
                if line.source == e.key:
                    line.payable = False

    def _over_limit(self, v: Voucher, new: dict[date, Fraction]) -> bool:
        def period(d: date) -> object:
            if v.period == "week":
                return d.isocalendar()[:2]
            if v.period == "month":
                return (d.year, d.month)
            return "validity"

        used: dict[object, Fraction] = defaultdict(Fraction)
        for key, per_day in self.units.items():
            e = self.recorded[key]
            if e.voucher != v.key or self.approval.get(key) == "rejected" or key in self.credited:
                continue
            for d, u in per_day.items():
                used[period(d)] += u
        adding: dict[object, Fraction] = defaultdict(Fraction)
        for d, u in new.items():
            adding[period(d)] += u
        return any(used[p] + u > Fraction(v.amount) for p, u in adding.items())

    def decide(self, e: Event, today_month: int) -> None:
        if self.approval.get(e.key) != "awaiting":
            return
        if e.decision == "reject":
            self.approval[e.key] = "rejected"  # its lines stay unpayable
            return
        self.approval[e.key] = "approved"
        for line in self.lines:
            if line.source == e.key:
                line.payable = True
        if e.decision == "approve_and_credit":
            self._credit(e, today_month)

    def _credit(self, e: Event, today_month: int) -> None:
        v = self.h.voucher(e.voucher)
        amount = sum((ln.amount for ln in self.lines if ln.source == e.key), Decimal("0.00"))
        # deducted in the next run not yet made: last month's until it has been made
        next_run = today_month if (v.tenant, today_month - 1) in self.runs_made else today_month - 1
        month = max(next_run, self.h.month_index(e.start))
        self.lines.append(Line(f"credit of {e.key}", self.payee(v), month, -amount, Decimal("0.00"), tenant=v.tenant))
        self.credited.add(e.key)

    def request_credit(self, e: Event, today_month: int) -> None:
        """The tenant credits a wrong event: accepted only for a paid (settled) event not credited yet."""
        event_lines = [ln for ln in self.lines if ln.source == e.key]
        settled = bool(event_lines) and all(ln.paid_in is not None for ln in event_lines)
        client_pays = self.h.client_pays_on(self.h.voucher(e.voucher), e.start)  # never settled by the tenant
        accepted = (settled and not client_pays and e.key not in self.credited
                    and self.approval.get(e.key) != "rejected")
        self.outcome.credits_accepted[e.key] = accepted
        if accepted:
            self._credit(e, today_month)

    def early_run(self, month: int) -> None:
        """A month can be settled only after it has ended: a run tried on the 20th is refused."""
        self.outcome.early_runs[month] = False

    def death(self, client: str, died: date) -> None:
        """The client's vouchers end on the day after the death; nothing after it is paid, also what was
        recorded before the death became known (not paid yet)."""
        last = died + timedelta(days=1)
        for v in self.h.vouchers:
            if v.client != client:
                continue
            self.last_day[v.key] = min(last, v.valid_until)
            for e in self.recorded.values():
                lines = [ln for ln in self.lines if ln.source == e.key]
                if e.voucher != v.key or not lines or any(ln.paid_in is not None for ln in lines):
                    continue
                if e.key in self.event_days:
                    for ln in lines:
                        self.lines.remove(ln)
                    self.event_days[e.key] = [(d, p) for d, p in self.event_days[e.key] if d <= last]
                    self._day_lines(e.key, v, self.event_days[e.key], None, e.start)
                    if e.start <= last:  # still there, perhaps only on a return day: settled at 0.00
                        self._zero_line_if_none(e.key, v, e.start)
                    if self.approval.get(e.key) in ("awaiting", "rejected"):
                        for ln in self.lines:
                            if ln.source == e.key:
                                ln.payable = False
                elif e.start > last:
                    for ln in lines:
                        ln.payable = False
                        ln.amount = ln.co_payment = Decimal("0.00")
                if e.end > last:
                    self._credit_follows_clipped_event(e, v)
            self._clip_stays(v, last)

    def _clip_stays(self, v: Voucher, last: date) -> None:
        """Events' rule (`validity_clipping`), as domain.md's "nothing after the death is paid": an ended stay returning
        after the new last valid day returns on it (re-valued by the rule; its approval as it was), one starting on or
        after it is removed. (The generator makes such stays only before they are paid.)"""
        for n, i in enumerate(list(self.stays[v.key])):
            if i.end <= last:
                continue
            lines = [ln for ln in self.lines if ln.source == i.key]
            assert not any(ln.paid_in is not None for ln in lines), "a paid stay clipped: not modelled"
            payable = all(ln.payable for ln in lines)
            self.lines[:] = [ln for ln in self.lines if ln.source != i.key]
            self.returns[v.key].discard(i.end)
            if i.start >= last:
                self.stays[v.key].remove(i)
                continue
            clipped = replace(i, end=last)
            self.stays[v.key][n] = clipped
            self._value_stay(clipped, v)
            self.outcome.exercised.add("death: a stay's return day moved to the last valid day")
            for line in self.lines:
                if line.source == i.key:
                    line.payable = payable

    def _credit_follows_clipped_event(self, e: Event, v: Voucher) -> None:
        """An event approved and credited before it was paid, then clipped by a death: the credit takes
        back the whole of what is left of the event (nothing, when the event lay wholly after)."""
        credit = [ln for ln in self.lines if ln.source == f"credit of {e.key}" and ln.paid_in is None]
        if not credit:
            return
        for ln in credit:
            self.lines.remove(ln)
        left = sum((ln.amount for ln in self.lines if ln.source == e.key and ln.payable), Decimal("0.00"))
        if left > 0:
            self.lines.append(Line(f"credit of {e.key}", self.payee(v), credit[0].month, -left, Decimal("0.00"),
                                   tenant=v.tenant))

    def correction(self, e: Event) -> Event:
        """A credited event frees its days: the right event for the same days is accepted."""
        again = Event(f"{e.key}-again", e.voucher, e.start, e.end, e.start_time, e.end_time)
        last = self.last_day.get(e.voucher)
        if e.key not in self.credited:
            self.outcome.refused[again.key] = "days already recorded"
        elif last is not None and again.end > last:
            # the validity ended meanwhile (a death): an event past its last day is refused whole
            self.outcome.refused[again.key] = "outside the voucher's validity"
        else:
            self.record(again)
        return again

    def start_interruption(self, i: Interruption) -> bool:
        """Entered by the provider: refused when it starts on or after its content's end."""
        if self.h.ended(self.h.voucher(i.voucher), i.start):
            self.outcome.refused[i.key] = "the content has ended"
            self.outcome.exercised.add("content_end: absence refused")
            return False
        self.open_stays[i.voucher].add(i.key)
        return True

    def _return_day_after_end(self, i: Interruption) -> bool:
        """A return day (as entered: perhaps the wrong one) on or after the content's end is refused, as one
        after the voucher's last day is (the absence is valued only up to the content's last day); entered
        with the departure, the whole interruption is refused; ended later, the end is (the draft stays)."""
        if self.h.ended(self.h.voucher(i.voucher), i.wrong_end or i.end):
            self.outcome.refused[i.key] = "the return day is after the content's last day"
            self.outcome.exercised.add("content_end: return day refused")
            return True
        return False

    def set_approval(self, tenant: int, on: bool) -> None:
        """The tenant changes "interruptions need approval": turned off, those waiting are approved."""
        self.outcome.exercised.add(f"approval_toggle: turned {'on' if on else 'off'}")
        if on:
            return
        for i in self.h.interruptions:
            if self.h.voucher(i.voucher).tenant == tenant and self.approval.get(i.key) == "awaiting":
                self.decide_interruption(i, True)
                self.outcome.exercised.add("approval_toggle: waiting ones released")

    def end_interruption(self, i: Interruption) -> None:
        v = self.h.voucher(i.voucher)
        if i.key in self.outcome.refused or self._return_day_after_end(i):
            return
        self.open_stays[i.voucher].discard(i.key)
        self.stays[i.voucher].append(i)
        self._value_stay(i, v)
        if self.h.waits_for_approval(i):  # not paid until the tenant approves it
            self.approval[i.key] = "awaiting"
            self.outcome.interruptions_waiting.add(i.key)
            for line in self.lines:
                if line.source == i.key:
                    line.payable = False

    def _value_stay(self, i: Interruption, v: Voucher) -> None:
        """The stay's lines by the rule, settled in the month of its return day."""
        days = [(d, kouvola_percentage((d - i.start).days, d == i.end)) for d in _days(i.start, i.end)]
        part = self.stay_part(v, i)
        if i.part is not None and v.tenant == 0:
            prov = self.h.provider(v.provider)
            site = prov.site(part) if part is not None else None
            self.outcome.exercised.add(
                "stay_part: named the company" if site is None else
                f"stay_part: named a site with{'' if site.own_billing else 'out'} own billing"
                f"{', own prices' if site.own_prices else ''}"
                f"{'' if part != v.part else ' (the booking' + chr(39) + 's)'}")
        self._day_lines(i.key, v, days, self.h.month_index(i.end), i.start, part)
        self.returns[v.key].add(i.end)

    def decide_interruption(self, i: Interruption, approve: bool) -> None:
        if i.key in self.outcome.refused:
            return
        self.approval[i.key] = "approved" if approve else "rejected"
        for line in self.lines:
            if line.source == i.key:
                line.payable = approve

    # --- auto-recording (004 §4.3.2) ------------------------------------------------------------------------

    def _spans(self, v: Voucher) -> list[tuple[date, date, str | None, int]]:
        """The content's events as (start, end, part, order): recorded ones that still take their days (not
        rejected, not credited) and drafts, confirmed or not (a draft is an event)."""
        out = [(e.start, e.end, v.part, n) for n, e in enumerate(self.recorded.values())
               if e.voucher == v.key and self.approval.get(e.key) != "rejected" and e.key not in self.credited]
        for (key, _), drafts in self.drafts.items():
            out += [(a, b, part, len(self.recorded)) for a, b, part in drafts if key == v.key]
        return out

    def _valid_until(self, v: Voucher) -> date:
        """The voucher's last valid day (a death ends it the day after)."""
        return min(v.valid_until, self.last_day.get(v.key, v.valid_until))

    def _taken_by(self, o: Voucher) -> set[date]:
        """The days another voucher of the client's content takes: its events and drafts, its ended stays' days and
        return days, an open stay's days up to its booking's last day (its return day is at most that day)."""
        days = {d for a, b, _, _ in self._spans(o) for d in _days(a, b)}
        for i in self.stays[o.key]:
            days |= set(_days(i.start, i.end))
        last = min(self._valid_until(o), self.booking_ended.get(o.key, date.max))
        for i in self.h.interruptions:
            if i.key in self.open_stays[o.key]:
                days |= set(_days(i.start, last))
        return days

    def auto_record(self, month: int) -> None:
        """The month job on the 4th of `month`: the drafts, by domain.md's rule. A client holding two vouchers of the
        content (a new one granted before the old one was closed): each day is drafted on one of them only (a day
        is paid once). Which one the domain leaves open; events decided (`auto_record_candidates`): the voucher
        holding the latest care drafts first, then the one valid from earlier, each leaving out the days the
        client's other vouchers of the content take (and what was drafted before it in the same run)."""
        first = self.h.month_first(month)
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        prev_first = self.h.month_first(month - 1)
        valid = [v for v in self.h.vouchers if self.h.auto_recorded(v) and v.valid_from <= last
                 and self._valid_until(v) >= first]
        groups: dict[tuple[str, str], list[Voucher]] = defaultdict(list)
        for v in valid:
            groups[(v.client, v.content)].append(v)
        for group in groups.values():
            if len(group) == 1:
                self._draft(group[0], month, first, last, prev_first, set())
                continue
            self.outcome.exercised.add("auto_recording: a client with two vouchers of the content")

            def latest_end(v: Voucher) -> int:
                ends = [b for _, b, _, _ in self._spans(v) if b >= prev_first]
                return -max(ends).toordinal() if ends else -date.min.toordinal()

            group.sort(key=lambda v: (latest_end(v), v.valid_from, v.key))
            taken: set[date] = set()
            for v in group:
                elsewhere = set(taken)
                for o in group:
                    if o is not v:
                        elsewhere |= self._taken_by(o)
                made = self._draft(v, month, first, last, prev_first, elsewhere)
                if made and any(self.drafts.get((o.key, month)) for o in group if o is not v):
                    self.outcome.exercised.add("auto_recording: both vouchers drafted")
                if made and any(self.open_stays[o.key] for o in group if o is not v):
                    self.outcome.exercised.add("auto_recording: drafted beside a stay left open on the other voucher")
                if made and v is not group[0]:
                    self.outcome.exercised.add("auto_recording: the second voucher drafts what the first leaves")
                for a, b, _ in made:
                    taken |= set(_days(a, b))

    def _draft(self, v: Voucher, month: int, first: date, last: date, prev_first: date,
               elsewhere: set[date]) -> list[tuple[date, date, str | None]]:
        """One content's drafts of the month (none on a day of `elsewhere`)."""
        # "every valid voucher content": the days of the month it is valid on (a death ends it the day after)
        start = max(first, v.valid_from)
        end = min(last, self._valid_until(v))
        # Decided by events (the domain says only "whole run month"): the draft is clipped to the validity,
        # never a day outside it; the provider corrects it further if need be.
        if end < last and start <= end:
            self.outcome.exercised.add("auto_recording: draft clipped to the validity's end")
        # Decided by events: a booking the provider ended (the client moved) is drafted up to its last day.
        if v.key in self.booking_ended:
            end = min(end, self.booking_ended[v.key])
        # Decided by events (`recording.content_ended_from`): a content the tenant admin ended is drafted up to
        # the day before its end, and not at all when it ended by the month's first valid day.
        if self.h.ended(v, end):
            assert self.h.content_end is not None
            end = min(end, self.h.content_end[1] - timedelta(days=1))
            self.outcome.exercised.add("auto_recording: draft clipped at the content's end")
        if start > end:
            return []
        spans = self._spans(v)
        if not any(a < first and b >= prev_first for a, b, _, _ in spans):
            if not spans:
                self.outcome.exercised.add("auto_recording: no event yet, the first is manual")
            return []
        if any(a <= last and b >= first for a, b, _, _ in spans):
            return []
        if self.open_stays[v.key]:
            self.outcome.exercised.add("auto_recording: none for an open interruption")
            if any(i.never_ended and i.key in self.open_stays[v.key] for i in self.h.interruptions):
                self.outcome.exercised.add("auto_recording: none for a stay left open on an ended booking")
            return []
        # The latest event: latest end, then latest start, then the last recorded (the domain says "latest").
        latest = max(spans, key=lambda x: (x[1], x[0], x[3]))
        part = latest[2]
        # Decided by events (004 §4.3.2 "keskeytys- tai tapahtumakirjaus"): when the latest entry is a stay (its
        # return day after the latest event's end), the draft goes to the part the stay names.
        ended = [i for i in self.stays[v.key] if i.key not in self.outcome.refused]
        if ended:
            stay = max(ended, key=lambda i: i.end)
            if stay.end > latest[1]:
                part = self.stay_part(v, stay)
                self.outcome.exercised.add("auto_recording: part of a stay")
        # Decided by events: the days of an ended interruption (not its return day: presence starts then) are
        # left out, which may split the month into two drafts.
        away = {d for i in ended for d in _days(i.start, i.end - timedelta(days=1))}
        if away & set(_days(start, end)):
            self.outcome.exercised.add("auto_recording: an ended stay's days left out of the draft")
        if elsewhere & set(_days(start, end)):
            self.outcome.exercised.add("auto_recording: days the other voucher takes left out")
        days = [d for d in _days(start, end) if d not in away and d not in elsewhere]
        pieces: list[tuple[date, date, str | None]] = []
        for d in days:
            if pieces and pieces[-1][1] + timedelta(days=1) == d:
                pieces[-1] = (pieces[-1][0], d, part)
            else:
                pieces.append((d, d, part))
        if len(pieces) > 1:
            self.outcome.exercised.add("auto_recording: split around a stay")
        if not pieces:
            return []
        self.drafts[(v.key, month)] = pieces
        self.outcome.exercised.add("auto_recording: drafted")
        for a, b, p in pieces:
            # recorder and performer: the latest event's (in the model every event is the provider's)
            self.outcome.drafts.add((month, v.key, str(a), str(b), p or "company", True))
        return list(pieces)

    def end_booking(self, v: Voucher) -> None:
        """The provider ends the old booking on the day before the client's new voucher starts (the client moved)."""
        new = self.h.successor(v.key)
        assert new is not None
        self.booking_ended[v.key] = new.valid_from - timedelta(days=1)
        self.outcome.exercised.add("auto_recording: old booking ended")

    def confirm_drafts(self, month: int) -> None:
        """The provider, on the 1st of the next month, confirms the month's drafts (all at once, or client by
        client: correcting the end first where the validity ended during the month, or leaving one unconfirmed).
        The content's manual events of that month are not recorded: the draft is the month's record."""
        last = self.h.month_first(month + 1) - timedelta(days=1)
        for (key, m), pieces in sorted(self.drafts.items()):
            if m != month:
                continue
            # The provider cuts the draft at a stay's departure or the new voucher's first day (the stay, the presence
            # after it and the new voucher's care are entered on their own); what lies before is the draft's. It cuts
            # the draft first, or (`cut_after_confirm`) confirms it as it is and then shortens the recorded event.
            cut = self.h.draft_cut(key, month)
            self.skipped |= {e.key for e in self.h.events if e.voucher == key and self.h.month_index(e.end) == month
                             and self.h.drafted_event(e, month)}
            if not self.h.cut_after_confirm:
                self._cut(key, pieces, cut)
            decision, earlier = ("confirm", 0) if self.h.confirm_all else self.h.draft_decision(key, month)
            if self.h.confirm_all:
                self.outcome.exercised.add("auto_recording: confirmed all at once")
            if decision == "leave":  # never confirmed: a draft is never settled
                self.outcome.exercised.add("auto_recording: left unconfirmed")
                self._cut(key, pieces, cut)
                continue
            for n, (a, b, part) in enumerate(pieces):
                if decision == "correct" and n == len(pieces) - 1 and b < last:
                    b = max(a, b - timedelta(days=earlier))
                    self.outcome.exercised.add("auto_recording: corrected before confirming")
                    pieces[n] = (a, b, part)
            if self._cut(key, pieces, cut) and self.h.cut_after_confirm:
                self.outcome.exercised.add("auto_recording: a confirmed draft shortened or deleted for a stay or a "
                                           "new voucher")
            for n, (a, b, part) in enumerate(pieces):  # (the final state on the 1st: what the run sees)
                self.record(Event(f"{key}a{month}n{n}", key, a, b), part)
            if not self.h.confirm_all and decision != "leave":
                self.outcome.exercised.add("auto_recording: confirmed per client")

    def _cut(self, key: str, pieces: list[tuple[date, date, str | None]], cut: date | None) -> bool:
        """The draft's pieces up to the day before `cut` (in place); whether anything was cut."""
        if cut is None or not any(b >= cut for _, b, _ in pieces):
            return False
        new_voucher = self.h.successor(key)
        self.outcome.exercised.add("auto_recording: draft cut at a new voucher" if new_voucher is not None
                                   and new_voucher.valid_from == cut else "auto_recording: draft cut at a stay")
        pieces[:] = [(a, min(b, cut - timedelta(days=1)), p) for a, b, p in pieces if a < cut]
        return True

    def run(self, month: int, tenant: int = 0) -> RunResult:
        """The run of one tenant: it pays only its own lines (a provider shared by tenants is paid by each)."""
        result = RunResult(month)
        self.runs_made.add((tenant, month))
        groups: dict[tuple[str, str | None], list[Line]] = defaultdict(list)
        for line in self.lines:
            if line.payable and line.paid_in is None and line.month <= month and line.tenant == tenant:
                groups[line.payee].append(line)
        totals = {payee: sum((ln.amount for ln in lines), self.set_off_open.get(payee, Decimal("0.00")))
                  for payee, lines in groups.items()}
        self._set_off(totals, month)
        for payee, lines in sorted(groups.items(), key=lambda kv: payee_label(kv[0])):
            amount = totals[payee]
            if not self.has_billing(payee, month) or amount < 0:
                if amount != 0:
                    result.carried[payee] = amount
                continue
            for ln in lines:
                ln.paid_in = month
            self.set_off_open.pop(payee, None)
            if amount > 0:
                result.payments.append(Payment(payee, payee, amount))
        prefix = f"t{tenant}:" if self.h.tenants > 1 else ""
        self.outcome.runs.append((
            month,
            sorted((prefix + payee_label(p.payee), prefix + payee_label(p.account), f"{p.amount:.2f}")
                   for p in result.payments),
            sorted((prefix + payee_label(p), f"{a:.2f}") for p, a in result.carried.items()),
        ))
        return result

    def _set_off(self, totals: dict[tuple[str, str | None], Decimal], month: int) -> None:
        """The provider is one debtor: a payee's negative total is set off against the same provider's payees
        paid in the run (the company first, then its sites by id), as far as they reach. What was set off stays
        with the debtor's open total until its lines are paid."""
        order = sorted(totals, key=lambda p: (p[0], p[1] is not None, p[1] or ""))
        for debtor in [p for p in order if totals[p] < 0]:
            for creditor in order:
                if creditor[0] != debtor[0] or not self.has_billing(creditor, month) or totals[creditor] <= 0:
                    continue
                amount = min(-totals[debtor], totals[creditor])
                if amount <= 0:
                    continue
                totals[creditor] -= amount
                totals[debtor] += amount
                self.set_off_open[debtor] = self.set_off_open.get(debtor, Decimal("0.00")) + amount
                self.outcome.exercised.add("set-off: a payee's credit deducted from another payee of the provider")

    def co_payments(self) -> dict[str, str]:
        """Per client and content: the co-payment total of recorded events neither rejected nor credited and of
        ended interruptions (what the client's breakdown shows)."""
        totals: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
        for line in self.lines:
            if line.source.startswith("credit"):
                continue
            voucher_key = self._voucher_of(line.source)
            # rejected and credited entries are not the client's to pay (a credited one was wrong)
            if voucher_key is None or self.approval.get(line.source) == "rejected" or line.source in self.credited:
                continue
            v = self.h.voucher(voucher_key)
            totals[f"{v.client}/{v.content}"] += line.co_payment
        return {k: f"{t:.2f}" for k, t in sorted(totals.items())}

    def _voucher_of(self, source: str) -> str | None:
        if source in self.recorded:
            return self.recorded[source].voucher
        for i in self.h.interruptions:
            if i.key == source:
                return i.voucher
        return None


def _days(start: date, end: date) -> Iterable[date]:
    d = start
    while d <= end:
        yield d
        d += timedelta(days=1)


def expected(history: History) -> Outcome:
    """Walk the history's schedule through the model."""
    model = Model(history)
    for step in schedule(history):
        kind, index, item = step
        if kind in ("start_interruption", "stay_before_drafts"):
            assert isinstance(item, Interruption)
            if (model.start_interruption(item) and history.month_index(item.end) == index
                    and not item.never_ended):
                model.end_interruption(item)
        elif kind == "end_interruption":
            assert isinstance(item, Interruption)
            model.end_interruption(item)
        elif kind == "record":
            assert isinstance(item, Event)
            if item.key in model.skipped:
                continue
            model.record(item)
            model.decide(item, index + 1)
        elif kind == "auto_record":
            model.auto_record(index)
        elif kind == "end_booking":
            assert isinstance(item, Voucher)
            model.end_booking(item)
        elif kind == "confirm_drafts":
            model.confirm_drafts(index)
        elif kind == "run" or kind == "rerun":
            assert isinstance(item, int)
            model.run(index, item)
        elif kind == "credit":
            assert isinstance(item, Event)
            if item.key in model.skipped:
                continue
            model.request_credit(item, index + 1)
        elif kind == "early_run":
            model.early_run(index)
        elif kind == "death":
            for client, died in history.deaths:
                if history.month_index(died) == index:
                    model.death(client, died)
        elif kind == "correction":
            assert isinstance(item, Event)
            if item.key in model.skipped:
                continue
            model.correction(item)
        elif kind == "decide_interruption":
            assert isinstance(item, Interruption)
            model.decide_interruption(item, item.decision == "approve")
        elif kind == "approval_setting":
            assert isinstance(item, int)
            model.set_approval(item, next(on for t, m, on in history.approval_changes if (t, m) == (item, index)))
        elif kind == "approve_interruption_late":
            assert isinstance(item, Interruption)
            model.decide_interruption(item, True)
    model.outcome.co_payments = model.co_payments()
    return model.outcome
