"""Random but realistic tenant-months for the model comparison (issue 16's proof).

A `History` is plain data made from a seed: one tenant, its providers (company billing given at the
start, late or never; sites with or without their own billing and price list), one voucher service
with a day content (sheltered housing: Kouvola's interruption rule) and an hour content (home help,
granted per week or month), price lists with changes in the middle of a month, vouchers booked to a
company or a site, presence events around interruptions (some across a month end), hour events over
the grant approved, rejected or approved-and-credited, credits of paid events, re-runs; the tenant turning
its interruption approval off (and on) mid-way, ending a content from a date, and making the day content one
the client pays from a date (a scheduled change); a service with auto-recording on, its drafts confirmed,
corrected or left by the provider.

Both the reference model (`reference.py`) and the driver (`driver.py`) read the same history and
walk it in the same order (`schedule`): month by month, on the 1st of the next month the provider
records the month's care and the tenant decides over-limit events at once; on the 5th the tenant
runs the month's settlement and then credits wrong events that were paid.

Features are switched on per history. `KNOWN_GAPS` lists the features that hit a finding of issue 16
still being fixed; `CI_FEATURES` leaves them out. Turn one on after its fix has been merged by
moving it out of `KNOWN_GAPS`.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Literal

# Every feature the generator knows. "core" histories use none of them: one provider with billing,
# company-level price lists, day and hour contents at voucher value vs price, no over-limit.
FEATURES: tuple[str, ...] = (
    "price_change",          # a new company or site price list starts in the middle of a month
    "sites",                 # vouchers booked to sites (no billing of their own: the company is paid)
    "site_billing",          # sites with billing of their own are paid to their own IBAN
    "late_billing",          # a company gives its billing information months late (carried over until then)
    "missing_billing",       # a company never gives billing information (always carried over)
    "over_limit",            # hour events over the weekly/monthly grant: approved, rejected or approved-and-credited
    "interruptions",         # interruptions within a month, Kouvola's rule
    "across_months",         # interruptions that start in one month and end in the next (open at first)
    "credits",               # the tenant credits a paid event after the run
    "rerun",                 # the month's run is run twice; nothing is paid twice
    "several_providers",     # two providers in the tenant
    "odd_minutes",           # hour events in 5-minute steps (units like 0.8333 h, half cents)
    "voucher_end",           # vouchers ending in the middle of a month
    "early_run",             # the tenant tries the month's run on the 20th, before the month has ended
    "death",                 # a client dies; the death is recorded after the month's care was recorded
    "correction",            # a credited day event is recorded again (the right days) the month after
    "purchased",             # a purchased service (no voucher value: the tenant pays the price), booked by the tenant
    "two_tenants",           # a second tenant; the providers apply to both, each tenant settles its own
    "interruption_fix",      # an interruption's return day is entered wrong (too late) and corrected at once
    "client_pays",           # a content the client pays (meals / day): recorded, never settled, in the co-payment
    "interruption_approval",  # a tenant approves interruptions before settlement: approved (at once or after the
                              # month's run), rejected or left waiting (issue 19, 004 §4.3.5.2)
    "approval_toggle",       # an approving tenant turns the setting off in the middle of a history (the waiting
                             # interruptions are released as approved), and perhaps on again later
    "content_end",           # the tenant admin ends a content (care or help) from a date: no event ending, and no
                             # interruption starting, on or after it; what lies before it is paid
    "pays_change",           # a scheduled change: the day content becomes one the client pays from a date; an event
                             # (interruption) is valued by the contents of its first day
    "stay_part",             # the provider names the producer part of an interruption (a site of its own, with or
                             # without billing or price list of its own, or "" the company): priced by that part's
                             # list (else the company's) and paid to that part's payee
    "auto_recording",        # the first tenant's voucher service has auto-recording on (004 §4.3.2): the month
                             # job on the 4th drafts the day contents' months; the provider confirms the drafts on
                             # the 1st (all at once, or per client: some corrected first, some left unconfirmed);
                             # stays in drafted months (the draft cut at the departure, before or after confirming),
                             # a client's second voucher of the care content (the old one ending before, with or
                             # after it; its booking ended, a stay left open on it), a voucher ending mid-stay, a
                             # death in the middle of a stay
)

# Features that disagree today because of a finding of issue 16 being fixed in another branch.
# finding number -> feature; the lead moves a feature out of here after merging its fix.
KNOWN_GAPS: dict[str, str] = {}  # findings 1-5 and odd minutes are fixed: every feature agrees

CI_FEATURES: tuple[str, ...] = tuple(f for f in FEATURES if f not in KNOWN_GAPS)

Decision = Literal["approve", "reject", "approve_and_credit"]
Reason = Literal["hospital", "holiday", "other"]
# the tenant's decision on a finalised interruption when it approves them: approved before the month's run,
# approved after it (paid by the next run), rejected, or never decided
InterruptionDecision = Literal["approve", "approve_late", "reject", "pending"]
# the provider's handling of an auto-recorded draft: confirmed as drafted, its end corrected earlier first (where
# the content's validity ends during the month: the client left a few days before), or never confirmed
DraftDecision = Literal["confirm", "correct", "leave"]


@dataclass(frozen=True)
class Site:
    key: str
    own_billing: bool
    own_prices: bool


@dataclass(frozen=True)
class Provider:
    key: str
    billing_from: int | None  # index of the first month whose run sees billing; None: never
    sites: tuple[Site, ...]

    def site(self, key: str) -> Site:
        return next(s for s in self.sites if s.key == key)


@dataclass(frozen=True)
class Content:
    key: str  # "care" (day) or "help" (hour) of the voucher service; "bought" (day) of the purchased one
    unit: Literal["day", "hour"]
    client_pays: bool = False
    purchased: bool = False


@dataclass(frozen=True)
class PriceList:
    provider: str
    part: str | None  # a site key, or None for the company
    start: date
    prices: dict[str, Decimal] = field(hash=False)


@dataclass(frozen=True)
class Voucher:
    key: str
    client: str
    provider: str
    part: str | None
    content: str
    value: Decimal | None
    amount: Decimal  # granted per period
    period: Literal["week", "month", "validity"]
    valid_from: date
    valid_until: date
    tenant: int = 0


@dataclass(frozen=True)
class Event:
    key: str
    voucher: str
    start: date
    end: date
    start_time: time | None = None
    end_time: time | None = None
    decision: Decision = "approve"  # used only if the event goes to manual approval
    credit: bool = False  # credited by the tenant after its month's run
    corrected: bool = False  # with credit: recorded again (same days) in the next month's care phase


@dataclass(frozen=True)
class Interruption:
    key: str
    voucher: str
    start: date  # departure day
    end: date  # return day
    reason: Reason
    wrong_end: date | None = None  # first entered as this (too late), then corrected to `end` at once
    decision: InterruptionDecision = "approve"  # used only if its tenant approves interruptions
    # the producer part the provider names when entering it: None not named (the part of the latest care, here
    # always the booking's), "" the company, else a site key of the voucher's provider
    part: str | None = None
    never_ended: bool = False  # entered without a return day and left open (the client moved to another voucher)
    before_drafts: bool = False  # entered with its return day on the 3rd of its month, before the month job


@dataclass(frozen=True)
class History:
    seed: int
    features: frozenset[str]
    first: date  # first day of the first month
    months: int  # months with care; one more run follows to deduct the last credits
    providers: tuple[Provider, ...]
    contents: tuple[Content, ...]
    price_lists: tuple[PriceList, ...]
    vouchers: tuple[Voucher, ...]
    events: tuple[Event, ...]
    interruptions: tuple[Interruption, ...]
    reruns: frozenset[int] = frozenset()
    early_runs: frozenset[int] = frozenset()
    deaths: tuple[tuple[str, date], ...] = ()  # (client, date of death)
    tenants: int = 1
    approving: frozenset[int] = frozenset()  # tenants whose finalised interruptions wait for approval
    # (tenant, month index, on): the tenant changes "interruptions need approval" on the 1st of the month after
    # that month, before the month's care is entered (turning it off releases the waiting ones as approved)
    approval_changes: tuple[tuple[int, int, bool], ...] = ()
    content_end: tuple[str, date] | None = None  # (content key, first day it is no longer in the service), tenant 0
    pays_change: tuple[str, date] | None = None  # (content key, day from which the client pays it), tenant 0
    auto_recording: bool = False  # tenant 0's voucher service records its day contents' months as drafts
    confirm_all: bool = True  # the provider confirms every draft of the month at once (else client by client)
    # (voucher key, month index) -> how the provider handles that month's draft (not listed: confirmed);
    # correcting moves the end this many days earlier
    draft_decisions: tuple[tuple[str, int, DraftDecision, int], ...] = ()
    # (old voucher key, new voucher key, booking ended): a client's second voucher of the care content, granted
    # before the old one was closed; the provider records the old one up to the day before the new one's first
    # day and the new one from it (cutting the old one's draft there); with `booking ended` it also ends the old
    # booking on that day before (the client moved), perhaps with a stay on it left open
    successors: tuple[tuple[str, str, bool], ...] = ()
    cut_after_confirm: bool = False  # the provider confirms the drafts first, then shortens the recorded events

    def auto_recorded(self, v: Voucher) -> bool:
        """Whether the voucher's content is in a service with auto-recording on (a day content of tenant 0)."""
        c = self.content(v.content)
        return self.auto_recording and v.tenant == 0 and not c.purchased and c.unit == "day"

    def successor(self, voucher: str) -> Voucher | None:
        return next((self.voucher(new) for old, new, _ in self.successors if old == voucher), None)

    def booking_end(self, voucher: str) -> date | None:
        """The last day of the voucher's booking when the provider ended it (the client moved to a new voucher)."""
        new = next((self.voucher(n) for o, n, ended in self.successors if o == voucher and ended), None)
        return None if new is None else new.valid_from - timedelta(days=1)

    def draft_cut(self, voucher: str, month: int) -> date | None:
        """The first day the provider takes off the content's draft of `month` before confirming it: the departure
        day of a stay starting in the month (the stay and the presence after it are entered on their own), or the
        first day of the client's new voucher (the old one's care ends the day before)."""
        first, last = self.month_first(month), self.month_first(month + 1) - timedelta(days=1)
        cuts = [i.start for i in self.interruptions
                if i.voucher == voucher and first <= i.start <= last and not i.before_drafts]
        new = self.successor(voucher)
        if new is not None and new.valid_from <= last:
            cuts.append(new.valid_from)
        return min(cuts) if cuts else None

    def drafted_event(self, e: Event, month: int) -> bool:
        """Whether a manual event of a month the content was drafted for is the draft's (not recorded): those
        before the draft's cut; the presence after a stay's return day is recorded by hand."""
        cut = self.draft_cut(e.voucher, month)
        return cut is None or e.start < cut

    def draft_decision(self, voucher: str, month: int) -> tuple[DraftDecision, int]:
        return next(((d, n) for v, m, d, n in self.draft_decisions if (v, m) == (voucher, month)), ("confirm", 0))

    def approval_on(self, tenant: int, month: int) -> bool:
        """Whether the tenant approves interruptions finalised in the care phase of `month`."""
        on = tenant in self.approving
        for t, m, value in sorted(self.approval_changes, key=lambda x: x[1]):
            if t == tenant and m <= month:
                on = value
        return on

    def ended(self, v: Voucher, day: date) -> bool:
        """Whether the voucher's content has ended on `day` (the tenant admin's end from a date)."""
        return (self.content_end is not None and v.tenant == 0 and v.content == self.content_end[0]
                and day >= self.content_end[1])

    def client_pays_on(self, v: Voucher, first_day: date) -> bool:
        """Whether the client pays the voucher's content, by the contents of the first day valued."""
        if self.content(v.content).client_pays:
            return True
        return (self.pays_change is not None and v.tenant == 0 and v.content == self.pays_change[0]
                and first_day >= self.pays_change[1])

    def waits_for_approval(self, i: Interruption) -> bool:
        """Whether the interruption, when finalised (in its end's month), waits for the tenant's approval."""
        return self.approval_on(self.voucher(i.voucher).tenant, self.month_index(i.end))

    def tenant_of_client(self, client: str) -> int:
        return next((v.tenant for v in self.vouchers if v.client == client), 0)

    def month_first(self, index: int) -> date:
        d = self.first
        for _ in range(index):
            d = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
        return d

    def month_index(self, day: date) -> int:
        return (day.year - self.first.year) * 12 + day.month - self.first.month

    def voucher(self, key: str) -> Voucher:
        return next(v for v in self.vouchers if v.key == key)

    def content(self, key: str) -> Content:
        return next(c for c in self.contents if c.key == key)

    def provider(self, key: str) -> Provider:
        return next(p for p in self.providers if p.key == key)

    def size(self) -> int:
        return len(self.events) + len(self.interruptions) + len(self.vouchers) + len(self.price_lists)

    def describe(self) -> str:
        """The history as readable lines (printed with a disagreement)."""
        out = [f"seed {self.seed}, features {sorted(self.features)}, {self.months} months from {self.first}"]
        out += [f"  provider {p.key}: billing from month {p.billing_from}; sites "
                f"{[(s.key, 'own billing' if s.own_billing else 'company billing') for s in p.sites]}"
                for p in self.providers]
        out += [f"  price list {pl.provider}/{pl.part or 'company'} from {pl.start}: "
                f"{ {k: str(v) for k, v in pl.prices.items()} }" for pl in self.price_lists]
        out += [f"  voucher {v.key} ({v.client}{f' of tenant {v.tenant}' if self.tenants > 1 else ''}) "
                f"{v.content} at {v.provider}/{v.part or 'company'}: value {v.value}, "
                f"{v.amount}/{v.period}, {v.valid_from}..{v.valid_until}" for v in self.vouchers]
        out += [f"  interruption {i.key} of {i.voucher}: {i.start}..{i.end} ({i.reason})"
                f"{f', first entered as ..{i.wrong_end}' if i.wrong_end else ''}"
                f"{f', tenant decides {i.decision}' if self.waits_for_approval(i) else ''}"
                f"{'' if i.part is None else f', entered at {i.part or chr(34) * 2}'}"
                f"{', never ended' if i.never_ended else ''}{', entered on the 3rd' if i.before_drafts else ''}"
                for i in self.interruptions]
        for e in self.events:
            times = f" {e.start_time:%H:%M}-{e.end_time:%H:%M}" if e.start_time and e.end_time else ""
            decision = f" decision {e.decision}" if e.decision != "approve" else ""
            out.append(f"  event {e.key} of {e.voucher}: {e.start}..{e.end}{times}{decision}"
                       f"{' credited' if e.credit else ''}{' and recorded again' if e.corrected else ''}")
        if self.reruns:
            out.append(f"  re-runs of months {sorted(self.reruns)}")
        if self.early_runs:
            out.append(f"  runs tried on the 20th of months {sorted(self.early_runs)}")
        for t, m, value in self.approval_changes:
            out.append(f"  tenant {t} turns interruption approval {'on' if value else 'off'} after month {m}")
        if self.content_end:
            out.append(f"  tenant 0 ends content {self.content_end[0]} from {self.content_end[1]}")
        if self.pays_change:
            out.append(f"  tenant 0's content {self.pays_change[0]} is paid by the client from {self.pays_change[1]}")
        out += [f"  client {c} died on {d}" for c, d in self.deaths]
        if self.auto_recording:
            how = "all at once" if self.confirm_all else "per client"
            out.append(f"  auto-recording on for tenant 0; drafts confirmed {how}"
                       f"{', cut after confirming' if self.cut_after_confirm else ''}; {list(self.draft_decisions)}")
        out += [f"  client's new voucher {new} follows {old}{' (the old booking ended)' if ended else ''}"
                for old, new, ended in self.successors]
        return "\n".join(out)


def _month_last(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randrange(low * 100, high * 100)) / 100


def _days(start: date, end: date) -> Iterable[date]:
    d = start
    while d <= end:
        yield d
        d += timedelta(days=1)


def _ranges(days: Iterable[date]) -> list[tuple[date, date]]:
    out: list[tuple[date, date]] = []
    for d in sorted(days):
        if out and out[-1][1] + timedelta(days=1) == d:
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out


def generate(seed: int, features: Iterable[str] = CI_FEATURES, *, months: int | None = None) -> History:
    rng = random.Random(seed)
    on = frozenset(features)
    unknown = on - set(FEATURES)
    if unknown:
        raise ValueError(f"unknown features: {sorted(unknown)}")
    n_months = months or rng.randint(2, 3)
    first = date(rng.choice([2023, 2024, 2025]), rng.randint(1, 12), 1)
    contents = (Content("care", "day"), Content("help", "hour"))
    if "purchased" in on:
        contents += (Content("bought", "day", purchased=True),)
    if "client_pays" in on:
        contents += (Content("meals", "day", client_pays=True),)
    history = History(seed, on, first, n_months, (), contents, (), (), (), (), tenants=2 if "two_tenants" in on else 1)
    last_day = _month_last(history.month_first(n_months - 1))

    # providers, sites, billing
    providers: list[Provider] = []
    for p in range(2 if "several_providers" in on and rng.random() < 0.7 else 1):
        sites: list[Site] = []
        if "sites" in on or "site_billing" in on:
            for s in range(rng.randint(1, 2)):
                own_billing = "site_billing" in on and rng.random() < 0.6
                sites.append(Site(f"p{p}s{s}", own_billing, rng.random() < 0.6))
        billing_from: int | None = 0
        roll = rng.random()
        if "missing_billing" in on and roll < 0.2:
            billing_from = None
        elif "late_billing" in on and roll < 0.5:
            billing_from = rng.randint(1, n_months)
        providers.append(Provider(f"p{p}", billing_from, tuple(sites)))

    # price lists: from the first day; maybe a change in the middle of a month
    price_lists: list[PriceList] = []
    for prov in providers:
        parts: list[str | None] = [None, *(s.key for s in prov.sites if s.own_prices)]
        for part in parts:
            prices = {"care": _money(rng, 120, 200), "help": _money(rng, 30, 48)}
            if "purchased" in on:
                prices["bought"] = _money(rng, 140, 220)
            if "client_pays" in on:
                prices["meals"] = _money(rng, 8, 25)
            price_lists.append(PriceList(prov.key, part, first, prices))
            if "price_change" in on and rng.random() < 0.7:
                change = history.month_first(rng.randrange(n_months)) + timedelta(days=rng.randint(1, 27))
                new = {k: v + _money(rng, -10, 15) if rng.random() < 0.8 else v for k, v in prices.items()}
                new = {k: max(v, Decimal("1.00")) for k, v in new.items()}
                price_lists.append(PriceList(prov.key, part, change, new))

    # clients, vouchers, bookings
    vouchers: list[Voucher] = []
    events: list[Event] = []
    interruptions: list[Interruption] = []
    n_clients = rng.randint(1, 4)
    for c in range(n_clients):
        tenant = rng.randrange(2) if "two_tenants" in on else 0
        prov = rng.choice(providers)
        part = rng.choice([None, *(s.key for s in prov.sites)])
        valid_from = first if rng.random() < 0.7 else first + timedelta(days=rng.randint(1, 20))
        valid_until = last_day
        if "voucher_end" in on and rng.random() < 0.4:
            valid_until = max(valid_from + timedelta(days=5), last_day - timedelta(days=rng.randint(5, 40)))
        for content in history.contents:
            if content.purchased:
                if rng.random() < 0.5:
                    key = f"v{len(vouchers)}"
                    bought = Voucher(key, f"c{c}", prov.key, part, "bought", None, Decimal(31), "month",
                                     valid_from, valid_until, tenant)
                    vouchers.append(bought)
                    _care(rng, history, bought, on, events, interruptions)
                continue
            if content.client_pays:  # granted without a value; the client pays the whole price
                if rng.random() < 0.6:
                    meals = Voucher(f"v{len(vouchers)}", f"c{c}", prov.key, part, "meals", None, Decimal(31), "month",
                                    valid_from, valid_until, tenant)
                    vouchers.append(meals)
                    _care(rng, history, meals, on - {"interruptions", "credits"}, events, interruptions)
                continue
            if content.key == "care" and rng.random() < 0.3 and c > 0:
                continue
            if content.key == "help" and rng.random() < 0.4:
                continue
            key = f"v{len(vouchers)}"
            if content.unit == "day":
                value = _money(rng, 120, 190)
                voucher = Voucher(key, f"c{c}", prov.key, part, "care", value, Decimal(31), "month",
                                  valid_from, valid_until, tenant)
            else:
                value = _money(rng, 28, 45)
                period = rng.choice(["week", "month"])
                amount = Decimal(rng.choice([4, 6, 8, 10])) if period == "week" else Decimal(rng.choice([10, 20, 30]))
                voucher = Voucher(key, f"c{c}", prov.key, part, "help", value, amount, period, valid_from, valid_until,
                                  tenant)
            vouchers.append(voucher)
            if content.unit == "day":
                _care(rng, history, voucher, on, events, interruptions)
            else:
                _help(rng, history, voucher, on, events)

    # when on, a re-run or an early run in one month at least
    reruns = frozenset({rng.randrange(n_months)} if "rerun" in on else ())
    early = frozenset({rng.randrange(n_months)} if "early_run" in on else ())
    deaths: list[tuple[str, date]] = []
    if "death" in on:
        cared = [v for v in vouchers if v.content == "care" and (v.valid_until - v.valid_from).days > 10]
        if cared:
            v = rng.choice(cared)
            died = v.valid_from + timedelta(days=rng.randint(3, (v.valid_until - v.valid_from).days - 3))
            deaths.append((v.client, died))
            # nothing is recorded in the months after the death; the month's own care was recorded
            # before the death was known, and interruptions after the last valid day never happened
            last_month = history.month_index(died)
            mine = {x.key for x in vouchers if x.client == v.client}
            events = [e for e in events if e.voucher not in mine or history.month_index(e.end) <= last_month]
            interruptions = [i for i in interruptions
                             if i.voucher not in mine or i.end <= died + timedelta(days=1)]
    approving: frozenset[int] = frozenset()
    if "interruption_approval" in on:  # its own random stream: the rest of the history is as without it
        arng = random.Random(seed * 7919 + 19)
        approving = frozenset(t for t in range(history.tenants) if t == 0 or arng.random() < 0.5)
        decisions: tuple[InterruptionDecision, ...] = ("approve", "approve_late", "reject", "pending")
        interruptions = [replace(i, decision=arng.choice(decisions)) for i in interruptions]
    # the features added on 5 December 2026 draw from their own streams: the rest of the history is as without them
    approval_changes: list[tuple[int, int, bool]] = []
    if "approval_toggle" in on:
        trng = random.Random(seed * 7919 + 23)
        for t in sorted(approving):
            if trng.random() < 0.8:
                off = trng.randint(1, n_months)
                approval_changes.append((t, off, False))
                if off < n_months - 1 and trng.random() < 0.5:
                    approval_changes.append((t, trng.randint(off + 1, n_months - 1), True))
    content_end: tuple[str, date] | None = None
    if "content_end" in on:
        erng = random.Random(seed * 7919 + 29)
        ends = first + timedelta(days=erng.randint(5, (last_day - first).days))
        content_end = (erng.choice(["care", "help"]), ends)
        # no price list prices an ended content from its end: the changes from that day on are left out
        price_lists = [pl for pl in price_lists if pl.start < ends]
    pays_change: tuple[str, date] | None = None
    if "pays_change" in on:
        prng = random.Random(seed * 7919 + 31)
        pays_change = ("care", first + timedelta(days=prng.randint(5, (last_day - first).days)))
    if "stay_part" in on:
        srng = random.Random(seed * 7919 + 37)
        named: list[Interruption] = []
        for i in interruptions:
            v = next(x for x in vouchers if x.key == i.voucher)
            prov = next(p for p in providers if p.key == v.provider)
            if srng.random() < 0.7:  # mostly another part than the booking's (the company, "", when it has no site)
                others = [p for p in ["", *(site.key for site in prov.sites)] if p != (v.part or "")]
                i = replace(i, part=srng.choice(others) if others and srng.random() < 0.85 else v.part or "")
            named.append(i)
        interruptions = named
    auto = "auto_recording" in on
    confirm_all = True
    draft_decisions: list[tuple[str, int, DraftDecision, int]] = []
    successors: list[tuple[str, str, bool]] = []
    cut_after_confirm = False
    if auto:
        argn = random.Random(seed * 7919 + 41)
        confirm_all = argn.random() < 0.4
        # Stays in a month the content was drafted for: the provider cuts the draft at the departure before
        # confirming it (`History.draft_cut`), enters the stay and records the presence after the return by hand.
        auto_keys = {v.key for v in vouchers if v.tenant == 0 and v.content in ("care", "meals")}
        # A stay returning in the last days of month 0 with no presence recorded after it (the interruption pays the
        # return day): the content's latest entry is the stay, so month 1's draft goes to the part it names.
        for i in interruptions:
            if (i.voucher in auto_keys and history.month_index(i.end) == 0 and i.end.day >= 20
                    and argn.random() < 0.5):
                events = [e for e in events if e.voucher != i.voucher or history.month_index(e.start) != 0
                          or e.start < i.end]
        nrng = random.Random(seed * 7919 + 43)  # 7 December's additions: a stream of their own
        cut_after_confirm = nrng.random() < 0.4
        dead = {c for c, _ in deaths}
        reasons: tuple[Reason, ...] = ("hospital", "holiday", "other")
        # A client's second voucher of the care content, granted before the old one was closed: the old one ends
        # the day before (handover), later (overlap: the provider cuts the old one's care at the new one's first
        # day), or later with the old booking ended that day before (moved), perhaps with a stay left open on it.
        cared = [v for v in vouchers if v.key in auto_keys and v.content == "care" and v.client not in dead
                 and (v.valid_until - v.valid_from).days > 20]
        if cared and nrng.random() < 0.7:
            old = nrng.choice(cared)
            new_from = old.valid_from + timedelta(days=nrng.randint(8, (old.valid_until - old.valid_from).days - 6))
            mode = nrng.choices(["handover", "overlap", "moved"], [1, 1, 2])[0]
            old_until = (new_from - timedelta(days=1) if mode == "handover"
                         else min(old.valid_until, new_from + timedelta(days=nrng.randint(3, 40))))
            prov = nrng.choice(providers)
            new_v = Voucher(f"v{len(vouchers)}", old.client, prov.key,
                            nrng.choice([None, *(x.key for x in prov.sites)]), "care", _money(nrng, 120, 190),
                            Decimal(31), "month", new_from, old.valid_until, 0)
            cut = new_from
            interruptions = [i for i in interruptions if i.voucher != old.key or i.end < new_from]
            if mode == "moved" and nrng.random() < 0.8:
                away = new_from - timedelta(days=nrng.randint(2, 12))
                if away > old.valid_from and not any(i.voucher == old.key and i.end >= away for i in interruptions):
                    interruptions.append(Interruption(f"{old.key}o{len(interruptions)}", old.key, away, new_from,
                                                      nrng.choice(reasons), never_ended=True))
                    cut = away
            vouchers = [replace(v, valid_until=old_until) if v is old else v for v in vouchers] + [new_v]
            events = _clip_events(events, old.key, cut)
            _care(nrng, history, new_v, on, events, interruptions)
            auto_keys.add(new_v.key)
            successors.append((old.key, new_v.key, mode == "moved"))
        # A voucher ending in the middle of a stay: the client never returns, the provider enters the voucher's last
        # day as the return day (with the draft of the stay's month cut at the departure).
        for v in vouchers:
            new_from = next((x.valid_from for o, n, _ in successors for x in vouchers if o == v.key and x.key == n),
                            date.max)
            if (v.key not in auto_keys or v.content != "care" or v.valid_until >= last_day or v.client in dead
                    or new_from <= v.valid_until
                    or nrng.random() < 0.4):
                continue
            away = v.valid_until - timedelta(days=nrng.randint(2, 14))
            crosses = history.month_index(away) != history.month_index(v.valid_until)
            if (away <= v.valid_from or (crosses and "across_months" not in on)
                    or any(i.voucher == v.key and i.end >= away for i in interruptions)):
                continue
            interruptions.append(Interruption(f"{v.key}x{len(interruptions)}", v.key, away, v.valid_until,
                                              nrng.choice(reasons)))
            events = _clip_events(events, v.key, away)
        # A death in the middle of a stay: the provider entered the stay with a later return day, the death recorded
        # after it ends the validity on the day after the death, which becomes the stay's return day.
        for client, died in deaths:
            cv = next((x for x in vouchers if x.client == client and x.key in auto_keys and x.content == "care"), None)
            if cv is None or nrng.random() < 0.3:
                continue
            away = died - timedelta(days=nrng.randint(0, 6))
            back = died + timedelta(days=nrng.randint(2, 6))
            crosses = history.month_index(away) != history.month_index(back)
            if (away <= cv.valid_from or back > cv.valid_until or history.month_index(back) != history.month_index(died)
                    or (crosses and "across_months" not in on)
                    or any(i.voucher == cv.key and i.start <= back and i.end >= away for i in interruptions)):
                continue
            interruptions.append(Interruption(f"{cv.key}d{len(interruptions)}", cv.key, away, back,
                                              nrng.choice(reasons)))
            events = _free(events, cv.key, away, back)
        # A short stay at the start of a month entered with its return day on the 3rd, before the month job: the
        # month's draft leaves its days out (not its return day, where presence starts).
        if 0 not in approving:
            moving = {old for old, _, _ in successors}  # (their bookings may end before the month: no stay then)
            for v in vouchers:
                if (v.key not in auto_keys or v.content != "care" or v.client in dead or v.key in moving
                        or nrng.random() < 0.65):
                    continue
                first_m = history.month_first(nrng.randint(1, n_months - 1)) if n_months > 1 else None
                if first_m is None:
                    continue
                away, back = first_m + timedelta(days=nrng.randint(0, 1)), first_m + timedelta(days=2)
                if (away <= v.valid_from or back > v.valid_until
                        or any(i.voucher == v.key and i.start <= back and i.end >= away for i in interruptions)):
                    continue
                interruptions.append(Interruption(f"{v.key}b{len(interruptions)}", v.key, away, back,
                                                  nrng.choice(reasons), before_drafts=True))
                events = _free(events, v.key, away, back)
        if not confirm_all:
            for key in sorted(auto_keys):
                for m in range(1, n_months + 1):
                    roll = argn.random()
                    if roll < 0.35:
                        draft_decisions.append((key, m, "correct", argn.randint(1, 4)))
                    elif roll < 0.55:
                        draft_decisions.append((key, m, "leave", 0))
    return replace(history, providers=tuple(providers), price_lists=tuple(price_lists), vouchers=tuple(vouchers),
                   events=tuple(events), interruptions=tuple(interruptions), reruns=reruns, early_runs=early,
                   deaths=tuple(deaths), approving=approving, approval_changes=tuple(approval_changes),
                   content_end=content_end, pays_change=pays_change, auto_recording=auto, confirm_all=confirm_all,
                   draft_decisions=tuple(draft_decisions), successors=tuple(successors),
                   cut_after_confirm=cut_after_confirm)


def _free(events: list[Event], voucher: str, away: date, back: date) -> list[Event]:
    """The voucher's events without the days of a stay from `away` to the day before `back`."""
    out = []
    for e in events:
        if e.voucher == voucher and e.start < back and e.end >= away:
            if e.start >= away:
                continue
            e = replace(e, end=away - timedelta(days=1))
        out.append(e)
    return out


def _clip_events(events: list[Event], voucher: str, day: date) -> list[Event]:
    """The voucher's events up to the day before `day` (those from it on dropped, one across it shortened)."""
    out = []
    for e in events:
        if e.voucher == voucher and e.end >= day:
            if e.start >= day:
                continue
            e = replace(e, end=day - timedelta(days=1))
        out.append(e)
    return out


def _care(rng: random.Random, history: History, v: Voucher, on: frozenset[str], events: list[Event],
          interruptions: list[Interruption]) -> None:
    """Presence events month by month around at most one or two interruptions."""
    taken: set[date] = set()  # departure .. day before return
    returns: set[date] = set()
    if "interruptions" in on:
        for _ in range(rng.randint(0, 2)):
            start = v.valid_from + timedelta(days=rng.randint(1, max(1, (v.valid_until - v.valid_from).days - 2)))
            length = rng.randint(1, 22)
            end = start + timedelta(days=length)
            crosses = start.month != end.month
            if end > v.valid_until or (crosses and "across_months" not in on):
                continue
            cover = set(_days(start, end - timedelta(days=1)))
            if cover & taken or end in taken or start in returns or any(r in cover for r in returns):
                continue
            taken |= cover
            returns.add(end)
            wrong = end + timedelta(days=rng.randint(1, 3)) if "interruption_fix" in on and rng.random() < 0.6 else None
            if wrong is not None:
                gap = set(_days(end + timedelta(days=1), wrong))
                if wrong.month != end.month or wrong > v.valid_until or gap & (taken | returns):
                    wrong = None
            interruptions.append(Interruption(f"{v.key}i{len(interruptions)}", v.key, start, end,
                                              rng.choice(["hospital", "holiday", "other"]), wrong))
    for index in range(history.months):
        m_first = history.month_first(index)
        m_last = _month_last(m_first)
        present = [d for d in _days(max(m_first, v.valid_from), min(m_last, v.valid_until)) if d not in taken]
        for a, b in _ranges(present):
            # one event per range, or split in two
            if b > a and rng.random() < 0.3:
                mid = a + timedelta(days=rng.randrange((b - a).days))
                pieces = [(a, mid), (mid + timedelta(days=1), b)]
            else:
                pieces = [(a, b)]
            for s, e in pieces:
                credit = "credits" in on and rng.random() < 0.15
                corrected = credit and "correction" in on and rng.random() < 0.7
                events.append(Event(f"{v.key}e{len(events)}", v.key, s, e, credit=credit, corrected=corrected))


def _help(rng: random.Random, history: History, v: Voucher, on: frozenset[str], events: list[Event]) -> None:
    """Hour events on some weekdays; with over_limit more hours than granted in some periods."""
    heavy = "over_limit" in on and rng.random() < 0.7
    step = 5 if "odd_minutes" in on and rng.random() < 0.5 else 15
    d = v.valid_from
    while d <= v.valid_until and history.month_index(d) < history.months:
        if d.weekday() < 5 and rng.random() < (0.6 if heavy else 0.25):
            minutes = rng.randrange(60, 181 if heavy else 121, step)
            start_minute = rng.randrange(8 * 60, 12 * 60, step)
            start_t = time(start_minute // 60, start_minute % 60)
            end_minute = start_minute + minutes
            end_t = time(end_minute // 60, end_minute % 60)
            decision: Decision = rng.choice(["approve", "reject", "approve_and_credit"])
            credit = "credits" in on and rng.random() < 0.1
            events.append(Event(f"{v.key}e{len(events)}", v.key, d, d, start_t, end_t, decision, credit))
        d += timedelta(days=1)


# --- shrinking ---------------------------------------------------------------------------------------------


def smaller(history: History) -> Iterable[History]:
    """Histories with less in them, biggest cuts first (for shrinking a disagreement): the last month,
    a voucher with its events and interruptions, halves then quarters ... then single events, an
    interruption (its days become absent days), a credit, a correction, a re-run, an early run, a
    death, a price change, a site, a provider's late billing."""
    if history.months > 1:
        last = history.month_first(history.months - 1)
        yield replace(history, months=history.months - 1,
                      events=tuple(e for e in history.events if e.end < last),
                      interruptions=tuple(i for i in history.interruptions if i.end < last),
                      deaths=tuple(d for d in history.deaths if d[1] < last))
    for v in history.vouchers:
        yield replace(history, vouchers=tuple(x for x in history.vouchers if x is not v),
                      events=tuple(e for e in history.events if e.voucher != v.key),
                      interruptions=tuple(i for i in history.interruptions if i.voucher != v.key),
                      successors=tuple(x for x in history.successors if v.key not in x[:2]))
    events = history.events
    size = len(events) // 2
    while size >= 1:
        for at in range(0, len(events), size):
            chunk = events[at:at + size]
            yield replace(history, events=tuple(e for e in events if e not in chunk))
        size //= 2
    for e in events:
        if e.credit:
            yield replace(history, events=tuple(replace(x, credit=False, corrected=False) if x is e else x
                                                for x in events))
        if e.corrected:
            yield replace(history, events=tuple(replace(x, corrected=False) if x is e else x for x in events))
    for i in history.interruptions:
        yield replace(history, interruptions=tuple(x for x in history.interruptions if x is not i))
        if i.wrong_end is not None:
            yield replace(history, interruptions=tuple(replace(x, wrong_end=None) if x is i else x
                                                       for x in history.interruptions))
        if i.part is not None:
            yield replace(history, interruptions=tuple(replace(x, part=None) if x is i else x
                                                       for x in history.interruptions))
    for t in history.approving:
        yield replace(history, approving=history.approving - {t},
                      approval_changes=tuple(c for c in history.approval_changes if c[0] != t))
    for change in history.approval_changes:
        yield replace(history, approval_changes=tuple(c for c in history.approval_changes if c != change))
    if history.content_end is not None:
        yield replace(history, content_end=None)
    if history.pays_change is not None:
        yield replace(history, pays_change=None)
    for decision in history.draft_decisions:
        yield replace(history, draft_decisions=tuple(d for d in history.draft_decisions if d != decision))
    for m in history.reruns:
        yield replace(history, reruns=history.reruns - {m})
    for m in history.early_runs:
        yield replace(history, early_runs=history.early_runs - {m})
    for death in history.deaths:
        yield replace(history, deaths=tuple(d for d in history.deaths if d != death))
    starts = {(pl.provider, pl.part): min(x.start for x in history.price_lists
                                          if (x.provider, x.part) == (pl.provider, pl.part))
              for pl in history.price_lists}
    for pl in history.price_lists:
        if pl.start != starts[(pl.provider, pl.part)]:
            yield replace(history, price_lists=tuple(x for x in history.price_lists if x is not pl))
    used_parts = {(v.provider, v.part) for v in history.vouchers}
    for p in history.providers:
        if not any(v.provider == p.key for v in history.vouchers):
            yield replace(history, providers=tuple(x for x in history.providers if x is not p),
                          price_lists=tuple(pl for pl in history.price_lists if pl.provider != p.key))
            continue
        for site in p.sites:
            if (p.key, site.key) not in used_parts:
                smaller_p = replace(p, sites=tuple(s for s in p.sites if s is not site))
                yield replace(history, providers=tuple(smaller_p if x is p else x for x in history.providers),
                              price_lists=tuple(pl for pl in history.price_lists
                                                if (pl.provider, pl.part) != (p.key, site.key)))
        if p.billing_from not in (0, None):
            yield replace(history, providers=tuple(replace(x, billing_from=0) if x is p else x
                                                   for x in history.providers))


# --- the order of things ---------------------------------------------------------------------------------

Step = tuple[str, int, "Event | Interruption | Provider | Voucher | int | None"]


def schedule(history: History) -> list[Step]:
    """What happens, in order, as (kind, month index, item). For month i (and one more month without
    care, whose run deducts the last credits), on the 1st of the next month: billing given
    ("billing"), interruptions of the month entered ("start_interruption", with the end when it is in
    the month) or ended ("end_interruption"), the month's events recorded and at once decided if they
    went to approval ("record"), deaths of the month recorded ("death"), credited events recorded again
    ("correction", the month after their credit), and, where the tenant approves interruptions, its
    decision on those finalised ("decide_interruption": approved or rejected by the 3rd); on the 20th of
    the month itself the tenant may try its run too early ("early_run"); on the 5th: the run ("run", and
    "rerun" when the history re-runs it), then credits of the month's paid events ("credit") and the
    interruptions approved late ("approve_interruption_late": paid by the next run). With auto-recording, the
    month job runs on the 4th of month i+1 ("auto_record", i+1; a stay at that month's start may be entered on its
    3rd before it, "stay_before_drafts") and the provider handles month i's drafts on the
    1st of month i+1 before entering stays and recording ("confirm_drafts"; cut at a stay's departure or a new
    voucher's first day, `History.draft_cut`; a content drafted that month has no manual events before the cut); a
    client moving to a new voucher has the old booking ended before the new one's care is recorded ("end_booking"). A
    tenant that changes its interruption approval setting after month i does so first thing on the 1st of month i+1
    ("approval_setting"), before the month's interruptions are finalised."""
    steps: list[Step] = []
    for i in range(history.months + 1):
        if i in history.early_runs:
            steps.append(("early_run", i, None))
        steps += [("approval_setting", i, t) for t, m, _ in history.approval_changes if m == i]
        steps += [("billing", i, p) for p in history.providers if p.billing_from == i]
        steps += [("correction", i, e) for e in history.events
                  if e.credit and e.corrected and history.month_index(e.end) == i - 1]
        if history.auto_recording and 1 <= i:
            steps.append(("confirm_drafts", i, None))  # the month's drafts (cut first), before its stays and events
        # the old booking's stays are entered before it is ended (the client's new voucher's stays after: the old
        # booking's stay left open takes the days up to the old booking's last day)
        moved = {old for old, _, ended in history.successors if ended}
        ending = [("end_booking", i, history.voucher(old)) for old, new, ended in history.successors
                  if ended and history.month_index(history.voucher(new).valid_from - timedelta(days=1)) == i]
        for intr in sorted(history.interruptions, key=lambda x: (x.voucher not in moved, x.start, x.key)):
            if ending and intr.voucher not in moved:
                steps += ending
                ending = []
            if intr.before_drafts:
                continue
            if history.month_index(intr.start) == i:
                steps.append(("start_interruption", i, intr))
            elif history.month_index(intr.end) == i and not intr.never_ended:
                steps.append(("end_interruption", i, intr))
        steps += ending
        finalised = [x for x in sorted(history.interruptions, key=lambda x: (x.start, x.key))
                     if history.month_index(x.end) == i and history.waits_for_approval(x) and not x.never_ended]
        steps += [("decide_interruption", i, x) for x in finalised if x.decision in ("approve", "reject")]
        month_events = [e for e in history.events if history.month_index(e.end) == i]
        for e in sorted(month_events, key=lambda e: (e.start, e.start_time or time(0), e.key)):
            steps.append(("record", i, e))
        steps += [("death", i, None) for _, died in history.deaths if history.month_index(died) == i]
        if history.auto_recording and i < history.months:
            steps += [("stay_before_drafts", i + 1, x) for x in sorted(history.interruptions, key=lambda x: x.key)
                      if x.before_drafts and history.month_index(x.start) == i + 1]
            steps.append(("auto_record", i + 1, 0))  # the 4th of month i+1, before month i's run on the 5th
        for tenant in range(history.tenants):
            steps.append(("run", i, tenant))
            if i in history.reruns:
                steps.append(("rerun", i, tenant))
        steps += [("credit", i, e) for e in month_events if e.credit]
        steps += [("approve_interruption_late", i, x) for x in finalised if x.decision == "approve_late"]
    return steps
