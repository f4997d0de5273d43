"""Settlement rules as pure functions: who is paid for which lines, the calendar, preview changes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from seteli_common.clock import Month, nth_day_of_month
from seteli_common.money import to_cents, total_of_lines

from .payment_file import payee_problem

NO_BILLING = "no_billing_information"
NEGATIVE_BALANCE = "negative_balance"
SITE_NOT_KNOWN = "site_not_known"
# Billing information no payment file can carry (entered before the registry checked it, or changed
# since): the payee is carried over until it is corrected, and never blocks the others' payment file.
INVALID_BILLING = {
    "payee_name": "invalid_payee_name",
    "iban": "invalid_iban",
    "bic": "invalid_bic",
    "reference": "invalid_reference",
}
REASON_TEXT = {
    NO_BILLING: "The provider (or site) has no billing information; the amount moves to the next run.",
    SITE_NOT_KNOWN: "The site named as producer part is not known to settlement yet, so neither is the account "
    "it is paid to; the amount moves to the next run.",
    NEGATIVE_BALANCE: "Credits exceed what is due; the balance is deducted from the next run.",
    "invalid_payee_name": "The payee's name cannot go into a payment file; the amount moves to the next run.",
    "invalid_iban": "The payee's IBAN is not valid; the amount moves to the next run once it is corrected.",
    "invalid_bic": "The payee's BIC is not valid; the amount moves to the next run once it is corrected.",
    "invalid_reference": "The payee's reference number is not a valid Finnish or RF creditor reference; the "
    "amount moves to the next run once it is corrected.",
}


@dataclass(frozen=True)
class Billing:
    iban: str
    bic: str | None
    reference: str | None
    email: str | None
    pdf_by_email: bool

    @classmethod
    def of(cls, data: Mapping[str, Any] | None) -> Billing | None:
        if not data or not data.get("iban"):
            return None
        return cls(
            iban=str(data["iban"]),
            bic=data.get("bic") or None,
            reference=data.get("reference") or None,
            email=data.get("email") or None,
            pdf_by_email=bool(data.get("pdf_by_email", True)),
        )


@dataclass(frozen=True)
class Payee:
    provider_id: str
    site_id: str | None
    name: str
    billing: Billing | None
    language: str
    email: str
    business_id: str
    known: bool = True  # False: a site named by events but not (yet) known here

    @property
    def key(self) -> str:
        return payee_key(self.provider_id, self.site_id)


@dataclass
class PayeeLines:
    payee: Payee
    lines: list[Mapping[str, Any]] = field(default_factory=list)
    reason: str | None = None  # set when carried over
    producer_parts: list[str | None] = field(default_factory=list)
    set_off: Decimal = Decimal("0.00")  # credits set off with the provider's other payees (`set_off`)
    # The lines' total, summed again only when lines were added: a preview asks a payee's amount several times
    # (carry-over reason, set-offs, snapshot, views) and a payee may have thousands of lines.
    _lines_total: tuple[int, Decimal] = field(default=(0, Decimal("0.00")), init=False, repr=False, compare=False)

    @property
    def amount(self) -> Decimal:
        counted, total = self._lines_total
        if counted != len(self.lines):
            total = total_of_lines(Decimal(line["amount"]) for line in self.lines)
            self._lines_total = (len(self.lines), total)
        return total_of_lines([total, self.set_off])  # the lines' total is whole cents: the same sum


def payee_key(provider_id: str, site_id: str | None) -> str:
    return f"{provider_id}/{site_id or '-'}"


def _company(provider_id: str, provider: Mapping[str, Any] | None) -> Payee:
    return Payee(
        provider_id,
        None,
        str(provider["name"]) if provider else provider_id,
        Billing.of(provider["billing"]) if provider else None,
        str(provider["language"]) if provider else "fi",
        str(provider["email"]) if provider else "",
        str(provider["business_id"]) if provider else "",
    )


def site_of(producer_part: str | None) -> str | None:
    """The site a producer part names: ``site:<id>`` (or a bare site id, as older events carried it).
    The company (None), a unit (``unit:<id>``) and an employee (``employee:<id>``) name no site."""
    if not producer_part:
        return None
    kind, sep, ident = producer_part.partition(":")
    if not sep:
        return producer_part
    return ident if kind == "site" and ident else None


def _payee_of(company: Payee, sites: Mapping[str, Mapping[str, Any]], producer_part: str | None) -> Payee:
    """The site named as producer part when it has billing information of its own, else the company.
    A site not known here yet is a payee of its own without an account: its lines wait for it, they
    never go to the company's account by default."""
    site_id = site_of(producer_part)
    if site_id is None:
        return company
    site = sites.get(site_id)
    if site is None:
        return Payee(
            company.provider_id,
            site_id,
            company.name,
            None,
            company.language,
            company.email,
            company.business_id,
            known=False,
        )
    site_billing = Billing.of(site["billing"])
    if site_billing is None:
        return company
    return Payee(
        company.provider_id,
        str(site["id"]),
        site_payee_name(company.name, str(site["name"])),
        site_billing,
        company.language,
        site_billing.email or company.email,
        company.business_id,
    )


PAYEE_NAME_MAX = 200  # payments.payee_name, carryovers.payee_name


def site_payee_name(company: str, site: str) -> str:
    """"Company, Site", at most PAYEE_NAME_MAX characters (each name may have 200): the company's name is cut
    rather than the site's, which tells the company's payees apart (the IBAN identifies the payee anyway)."""
    site = site[: PAYEE_NAME_MAX // 2].rstrip()
    return f"{company[: PAYEE_NAME_MAX - len(site) - 2].rstrip()}, {site}"


def _carry_reason(payee: Payee, amount: Decimal) -> str | None:
    if not payee.known:
        return SITE_NOT_KNOWN
    if payee.billing is None:
        return NO_BILLING
    if amount < 0:
        return NEGATIVE_BALANCE
    billing = payee.billing
    problem = payee_problem(payee.name, billing.iban, billing.bic, billing.reference)
    if problem is not None:
        return INVALID_BILLING[problem[0]]
    return None


def plan_provider(
    provider_id: str,
    provider: Mapping[str, Any] | None,
    sites: Mapping[str, Mapping[str, Any]],
    lines: Iterable[Mapping[str, Any]],
    set_off_before: Iterable[Mapping[str, Any]] = (),
) -> tuple[list[PayeeLines], list[PayeeLines]]:
    """Split one provider's unpaid lines into payments and carry-overs.

    A line goes to the site named as its producer part when that site has billing information of its
    own, otherwise to the company. A payee without billing information, or whose credits exceed what
    is due, is carried over: its lines stay unpaid and come back in the next run. `set_off_before`: what
    earlier runs set off of producer parts whose lines are still open ({producer_part, amount}).
    """
    company = _company(provider_id, provider)
    groups: dict[str, PayeeLines] = {}
    by_part: dict[str | None, PayeeLines] = {}  # a provider's thousands of lines name a few producer parts
    for line in lines:
        part = line.get("producer_part")
        group = by_part.get(part)
        if group is None:
            payee = _payee_of(company, sites, part)
            group = by_part[part] = groups.setdefault(payee.key, PayeeLines(payee))
            if part not in group.producer_parts:
                group.producer_parts.append(part)
        group.lines.append(line)
    for part in set_off_before:
        group = groups.setdefault(_payee_of(company, sites, part["producer_part"]).key,
                                  PayeeLines(_payee_of(company, sites, part["producer_part"])))
        group.set_off += Decimal(part["amount"])
        group.producer_parts.append(part["producer_part"])
    paid: list[PayeeLines] = []
    carried: list[PayeeLines] = []
    for key in sorted(groups):
        group = groups[key]
        group.reason = _carry_reason(group.payee, group.amount)
        if group.reason and _nothing_to_carry(group):
            continue
        (carried if group.reason else paid).append(group)
    return paid, carried


def _nothing_to_carry(group: PayeeTotal | PayeeLines) -> bool:
    """A payee that cannot be paid with no line open and set-offs that net to zero (a credit set off, then withdrawn
    and given back): nothing waits for it, so it gets no 0.00 carry-over row (its run page and the specifications
    would say money moves to the next run)."""
    lines = group.line_count if isinstance(group, PayeeTotal) else len(group.lines)
    return lines == 0 and group.amount == 0


@dataclass
class PayeeTotal:
    """One payee's share of a provider's open lines, from their sums per producer part (a run pays
    these inside the database without loading the lines)."""

    payee: Payee
    producer_parts: list[str | None] = field(default_factory=list)
    amount: Decimal = Decimal("0.00")
    line_count: int = 0
    reason: str | None = None  # set when carried over


def plan_provider_totals(
    provider_id: str,
    provider: Mapping[str, Any] | None,
    sites: Mapping[str, Mapping[str, Any]],
    parts: Iterable[Mapping[str, Any]],
) -> tuple[list[PayeeTotal], list[PayeeTotal]]:
    """`plan_provider` over per-producer-part totals ({producer_part, amount, line_count}): the same
    payees, amounts and carry-overs, since every line amount is whole cents and a payee's amount is
    the sum of its lines."""
    company = _company(provider_id, provider)
    groups: dict[str, PayeeTotal] = {}
    for part in parts:
        payee = _payee_of(company, sites, part["producer_part"])
        group = groups.setdefault(payee.key, PayeeTotal(payee))
        group.producer_parts.append(part["producer_part"])
        group.amount = total_of_lines([group.amount, Decimal(part["amount"])])
        group.line_count += int(part["line_count"])
    paid: list[PayeeTotal] = []
    carried: list[PayeeTotal] = []
    for key in sorted(groups):
        group = groups[key]
        group.reason = _carry_reason(group.payee, group.amount)
        if group.reason and _nothing_to_carry(group):
            continue
        (carried if group.reason else paid).append(group)
    return paid, carried


@dataclass(frozen=True)
class SetOff:
    """Part of a payee's negative total (its credits) deducted from another payee of the same provider paid in
    the run. `debtor_part` is a producer part of the debtor: until the debtor's lines are paid, the amount stays
    with that part's open total (`plan_provider_totals` gets it back), so it is never set off twice."""

    debtor: Payee
    debtor_part: str | None
    creditor: Payee
    amount: Decimal  # positive: the credit recovered


def _provider_order(group: PayeeTotal | PayeeLines) -> tuple[bool, str]:
    return (group.payee.site_id is not None, group.payee.site_id or "")  # the company first, then sites by id


Group = TypeVar("Group", PayeeTotal, PayeeLines)


def _shift(group: PayeeTotal | PayeeLines, amount: Decimal) -> None:
    if isinstance(group, PayeeTotal):
        group.amount += amount
    else:
        group.set_off += amount


def set_off(paid: list[Group], carried: list[Group]) -> tuple[list[Group], list[Group], list[SetOff]]:
    """The provider is one debtor: a payee whose total is negative is set off against the provider's payees paid
    in the run with a positive total (the company's first, then its sites' by id), as far as they reach; what is
    left stays carried over. A payee carried over itself (no billing information, ...) is not paid, so nothing is
    set off against it. A debtor brought to zero is settled (paid nothing) if it could be paid at all."""
    groups: list[Group] = sorted(paid + carried, key=_provider_order)
    debtors = [g for g in groups if g.amount < 0]
    creditors = [g for g in groups if g.reason is None and g.amount > 0]
    made: list[SetOff] = []
    for debtor in debtors:
        part = min(debtor.producer_parts, key=lambda p: (p is not None, p or ""))
        for creditor in creditors:
            amount = min(-debtor.amount, creditor.amount)
            if amount <= 0:
                continue
            _shift(creditor, -amount)
            _shift(debtor, amount)
            made.append(SetOff(debtor.payee, part, creditor.payee, amount))
    if not made:
        return paid, carried, made
    for group in groups:
        group.reason = _carry_reason(group.payee, group.amount)
    return [g for g in groups if not g.reason], [g for g in groups if g.reason and not _nothing_to_carry(g)], made


def payee_key_of(
    provider_id: str,
    provider: Mapping[str, Any] | None,
    sites: Mapping[str, Mapping[str, Any]],
    producer_part: str | None,
) -> str:
    """The payee whose total a producer part's lines count in (as `plan_provider` groups them)."""
    return _payee_of(_company(provider_id, provider), sites, producer_part).key


def recovered_by_set_off(
    open_set_off: Mapping[str, Decimal], open_credits: Iterable[Mapping[str, Any]]
) -> dict[int, Decimal]:
    """How much of each open credit line the set-offs made so far have already deducted (negative, like the line).
    `open_set_off`: per debtor payee key, what was set off of it while its lines are still open; `open_credits`: the
    open negative lines ({line_id, payee, amount}), oldest first: the set-off covers them in that order, each up
    to its amount (what is left of a line is what is still carried)."""
    left = dict(open_set_off)
    recovered: dict[int, Decimal] = {}
    for line in open_credits:
        share = min(left.get(line["payee"], Decimal(0)), -Decimal(line["amount"]))
        if share > 0:
            recovered[int(line["line_id"])] = -share
            left[line["payee"]] -= share
    return recovered


# --- failed payment jobs ---------------------------------------------------------------------------

FAILED_JOB_TEXT = ("The provider's payment failed on every attempt and was left out of this run: its lines were not "
                   "paid and stay open, so the next run pays them once the cause is corrected.")
WORKER_LOST = "The worker paying the provider stopped before finishing, on every attempt."
FAILURE_REASON_MAX = 300


def failure_reason(error: BaseException) -> str:
    """A short reason to keep with a failed job and show the officer: the kind of the error at the root and its
    first line. Never a traceback nor a database error's whole text, which carries the statement and the row's
    values (a payee's account, email, clients' numbers): the database's own message names the problem alone."""
    root = error
    while root.__cause__ is not None and root.__cause__ is not root:
        root = root.__cause__
    lines = str(root).strip().splitlines()
    text = f"{type(root).__name__}: {lines[0]}" if lines else type(root).__name__
    return text[:FAILURE_REASON_MAX]


def money_str(amount: Decimal) -> str:
    return f"{to_cents(amount):f}"


# --- calendar -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    provider_deadline_day: int = 2
    approval_deadline_day: int = 3
    transfer_day: int = 4

    def transfer_date(self, month: Month) -> date:
        """The day month M's payment material goes to the financial system: in M+1."""
        return nth_day_of_month(month.next(), self.transfer_day)

    def approval_deadline(self, month: Month) -> date:
        return nth_day_of_month(month.next(), self.approval_deadline_day)

    def provider_deadline(self, month: Month) -> date:
        return nth_day_of_month(month.next(), self.provider_deadline_day)


def tenant_calendar(calendars: Sequence[Mapping[str, Any] | None]) -> Calendar:
    """One calendar for a tenant's run: its services' deadlines, the latest of each (so that every
    service's deadlines have passed before the run is locked)."""
    given = [c for c in calendars if c]
    if not given:
        return Calendar()
    return Calendar(
        provider_deadline_day=max(int(c.get("provider_deadline_day") or 2) for c in given),
        approval_deadline_day=max(int(c.get("approval_deadline_day") or 3) for c in given),
        transfer_day=max(int(c.get("transfer_day") or 4) for c in given),
    )


MONTH_NOT_ENDED = "month_not_ended"
PROVIDER_DEADLINE_NOT_PASSED = "provider_deadline_not_passed"
RUN_IN_PROGRESS = "run_in_progress"
EVENTS_AWAITING_APPROVAL = "events_awaiting_approval"
LOCK_TEXT = {
    MONTH_NOT_ENDED: "The month has not ended yet: it can be previewed, but locked only from the first day of the "
    "next month.",
    PROVIDER_DEADLINE_NOT_PASSED: "Providers may still finalise the month's events until the provider deadline; "
    "what they record after the lock is paid in a later run.",
    EVENTS_AWAITING_APPROVAL: "Events of the month or earlier still await the tenant's approval: they are not in "
    "this run; approved later, they are paid in the next run.",
    RUN_IN_PROGRESS: "Another settlement run of this tenant is still being paid; a new run can be started once it "
    "has completed.",
}


@dataclass(frozen=True)
class LockCheck:
    """Whether month M may be locked on `today` (Helsinki): never before M has ended; before the
    provider deadline (the 2nd of M+1 by default) it may, with a warning."""

    refusal: str | None
    warnings: tuple[str, ...]
    lockable_from: date
    provider_deadline: date


def lock_check(month: Month, today: date, calendar: Calendar) -> LockCheck:
    deadline = calendar.provider_deadline(month)
    if today <= month.last:
        return LockCheck(MONTH_NOT_ENDED, (), month.next().first, deadline)
    warnings = (PROVIDER_DEADLINE_NOT_PASSED,) if today <= deadline else ()
    return LockCheck(None, warnings, month.next().first, deadline)


def month_due_on(today: date, calendar: Calendar) -> Month | None:
    """The month whose run is locked and sent on `today` or earlier in this month, if any."""
    month = Month.of(today).prev()
    return month if today >= calendar.transfer_date(month) else None


# --- previews --------------------------------------------------------------------------------------


# A preview's snapshot holds its line ids and, per provider and producer part, the payee its lines went to: what a
# line showed (its amount, event, source and kind) is its ledger row's, which never changes, so only the few lines
# added or removed since are read back. A tenant's preview has thousands of lines: a JSON entry a line cost more to
# build, store and read back than the rest of the preview. Snapshots stored before this shape (a "lines" object
# keyed by line id, or "line_columns") are still read.
_LINE_FIELDS = ("event_id", "source_id", "kind")


def snapshot(payments: Sequence[PayeeTotal | PayeeLines], carried: Sequence[PayeeTotal | PayeeLines],
             line_ids: list[int]) -> dict[str, Any]:
    """What a preview showed, compactly: its lines' ids, per producer part its payee, per payee its total, and per
    payee the account it would be paid to and why it would be carried over instead (billing changes need no
    approval)."""
    payees: dict[str, str] = {}
    accounts: dict[str, dict[str, str | None]] = {}
    parts: dict[tuple[str, str | None], int] = {}
    groups = [*payments, *carried]
    for index, group in enumerate(groups):
        payees[group.payee.key] = money_str(group.amount)
        billing = group.payee.billing
        accounts[group.payee.key] = {"iban": billing.iban if billing else None, "carried_over": group.reason}
        for part in group.producer_parts:
            parts.setdefault((group.payee.provider_id, part), index)
    return {"payees": payees, "accounts": accounts, "payee_keys": [g.payee.key for g in groups],
            "parts": [[provider_id, part, index] for (provider_id, part), index in parts.items()],
            "line_ids": line_ids}


def preview_digest(month: Month, payments: Sequence[PayeeTotal | PayeeLines],
                   carried: Sequence[PayeeTotal | PayeeLines]) -> str:
    """What a preview pays whom, as a short fingerprint: each payee's account (IBAN, BIC, reference) and amount,
    and each carried over with its amount and reason. A lock sent with it locks only if the run would pay the
    same (`runs.start_run`); lines moved between the same payees' same amounts leave it as it is."""
    def account(group: PayeeTotal | PayeeLines) -> list[str]:
        billing = group.payee.billing
        return [billing.iban, billing.bic or "", billing.reference or ""] if billing else ["", "", ""]

    paid = sorted([g.payee.provider_id, g.payee.site_id or "", *account(g), money_str(g.amount)] for g in payments)
    carried_over = sorted([g.payee.provider_id, g.payee.site_id or "", money_str(g.amount), g.reason or ""]
                          for g in carried)
    return hashlib.sha256(json.dumps([str(month), paid, carried_over]).encode()).hexdigest()


def _snapshot_lines(snap: Mapping[str, Any], ledger_lines: Mapping[int, Mapping[str, Any]]
                    ) -> tuple[list[int], Callable[[int], dict[str, Any]]]:
    """A snapshot's line ids, and how to make the changes' entry of a line by its id (only the few added or
    removed are made). `ledger_lines`: the ledger rows of the lines added or removed (`changed_line_ids`)."""
    if "lines" in snap:  # stored before the column shape
        lines = {int(k): v for k, v in snap["lines"].items()}
        return list(lines), lambda line_id: dict(lines[line_id])
    if "line_columns" in snap:  # stored before the ids' shape
        columns, keys, amounts = snap["line_columns"], snap["payee_keys"], snap["amounts"]
        at = {line_id: i for i, line_id in enumerate(columns["id"])}

        def column_entry(line_id: int) -> dict[str, Any]:
            i = at[line_id]
            return {"payee": keys[columns["payee"][i]], "amount": amounts[columns["amount"][i]],
                    **{f: columns[f][i] for f in _LINE_FIELDS}}

        return columns["id"], column_entry
    keys = snap["payee_keys"]
    payee_of = {(provider_id, part): keys[index] for provider_id, part, index in snap["parts"]}

    def entry(line_id: int) -> dict[str, Any]:
        line = ledger_lines[line_id]
        return {"payee": payee_of[(line["provider_id"], line["producer_part"])],
                "amount": money_str(Decimal(line["amount"])), **{f: line[f] for f in _LINE_FIELDS}}

    return snap["line_ids"], entry  # (ledger ids: integers)


def changed_line_ids(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[int]:
    """The lines added or removed since the previous preview: the ledger rows `diff_snapshots` needs."""
    if old is None:
        return []
    old_ids, new_ids = set(_snapshot_lines(old, {})[0]), set(_snapshot_lines(new, {})[0])
    return sorted(old_ids ^ new_ids)


def diff_snapshots(old: Mapping[str, Any] | None, new: Mapping[str, Any],
                   ledger_lines: Mapping[int, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """What changed since the previous preview: lines added and removed, payees whose total moved.
    `ledger_lines`: the ledger rows of `changed_line_ids(old, new)`, by id."""
    if old is None:
        return {"first_preview": True, "added_lines": [], "removed_lines": [], "payees": []}
    (old_ids, old_entry), (new_ids, new_entry) = _snapshot_lines(old, ledger_lines or {}), \
        _snapshot_lines(new, ledger_lines or {})
    old_set, new_set = set(old_ids), set(new_ids)
    added = [{"line_id": k, **new_entry(k)} for k in new_set - old_set]
    removed = [{"line_id": k, **old_entry(k)} for k in old_set - new_set]
    payees = []
    nowhere: dict[str, str | None] = {"iban": None, "carried_over": None}
    old_accounts = old.get("accounts")  # (a preview stored before accounts were kept has none)
    for key in sorted(set(old["payees"]) | set(new["payees"])):
        before, after = old["payees"].get(key, "0.00"), new["payees"].get(key, "0.00")
        was = (old_accounts or {}).get(key, nowhere) if old_accounts is not None else None
        now = new["accounts"].get(key, nowhere)
        if before != after or (was is not None and was != now):
            provider_id, _, site = key.rpartition("/")
            payees.append(
                {
                    "provider_id": provider_id,
                    "site_id": None if site == "-" else site,
                    "before": before,
                    "after": after,
                    "difference": money_str(Decimal(after) - Decimal(before)),
                    "iban_before": was["iban"] if was else None,
                    "iban_after": now["iban"],
                    "carried_over_before": was["carried_over"] if was else None,
                    "carried_over_after": now["carried_over"],
                }
            )
    return {
        "first_preview": False,
        "added_lines": sorted(added, key=lambda x: x["line_id"]),
        "removed_lines": sorted(removed, key=lambda x: x["line_id"]),
        "payees": payees,
    }
