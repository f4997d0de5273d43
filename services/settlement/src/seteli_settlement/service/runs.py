"""Run use cases: start a run (split into per-provider jobs), finish it, preview it, show it. Never
commits: the caller (an API handler, the scheduler loop, the worker) owns the unit of work.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from seteli_common.clock import HELSINKI, Month
from seteli_common.consistency import MAX_AGE_SECONDS, After, Token
from seteli_common.context import ServiceContext
from seteli_common.errors import FieldError, ProblemError, conflict, not_found, not_yet_known
from seteli_common.money import to_cents, total_of_lines
from sqlalchemy.ext.asyncio import AsyncSession

from .. import repository as repo
from ..domain import settling as domain
from ..domain.settling import PayeeLines, PayeeTotal, money_str
from ..events import RunCompleted
from ..metrics import observe_settlement_run
from ..repository import open_queue
from .ledger import GiveBack, give_back_before_planning

Row = dict[str, Any]


async def tenant_calendar(session: AsyncSession, tenant_id: str) -> domain.Calendar:
    return domain.tenant_calendar([s["calendar"] for s in await repo.tenant_services(session, tenant_id)])


def lock_refused(check: domain.LockCheck) -> ProblemError:
    """409 problem+json: the month cannot be locked yet, and from which day it can."""
    reason = domain.LOCK_TEXT[check.refusal or domain.MONTH_NOT_ENDED]
    return ProblemError(
        409,
        "Month not ended",
        reason,
        "https://seteli.fi/problems/conflict",
        [FieldError("month", reason)],
        {"reason": check.refusal, "lockable_from": check.lockable_from.isoformat()},
    )


def run_in_progress(running: Mapping[str, Any]) -> ProblemError:
    """409 problem+json: another run of the tenant is being paid; which one, and of which month."""
    reason = domain.LOCK_TEXT[domain.RUN_IN_PROGRESS]
    return ProblemError(
        409,
        "Run in progress",
        reason,
        "https://seteli.fi/problems/conflict",
        [FieldError("month", reason)],
        {"reason": domain.RUN_IN_PROGRESS, "run_id": str(running["id"]),
         "running_month": str(Month.of(running["month"]))},
    )


def lock_view(check: domain.LockCheck, awaiting_approval: int = 0) -> Row:
    return {
        "allowed": check.refusal is None,
        "refusal": check.refusal,
        "refusal_text": domain.LOCK_TEXT[check.refusal] if check.refusal else None,
        "lockable_from": check.lockable_from.isoformat(),
        "provider_deadline": check.provider_deadline.isoformat(),
        "warnings": warnings_view(check, awaiting_approval),
    }


def warnings_view(check: domain.LockCheck, awaiting_approval: int = 0) -> list[Row]:
    """What to know before locking. `awaiting_approval`: events (over a voucher's limit) the tenant has not
    decided yet; the lock leaves them for a later run, which the officer may not mean to (a preview tells)."""
    codes = [*check.warnings, *((domain.EVENTS_AWAITING_APPROVAL,) if awaiting_approval else ())]
    return [
        {"code": w, "text": domain.LOCK_TEXT[w], "provider_deadline": check.provider_deadline.isoformat(),
         **({"count": awaiting_approval} if w == domain.EVENTS_AWAITING_APPROVAL else {})}
        for w in codes
    ]


# The facts of other services a run pays from (their consumers in `consumers.py`): a request that follows
# one of them (`Seteli-After`) still on its way here is told so rather than paid without it.
RUN_FACTS = (
    "events.event.recorded", "events.event.corrected", "events.event.deleted", "events.event.approved",
    "events.event.rejected", "events.interruption.finalised", "events.interruption.deleted",
    "events.credit.requested", "events.credit.withdrawn", "registry.provider.billing_changed",
    "registry.provider.renamed", "registry.site.added", "registry.site.changed",
)


async def require_known(ctx: ServiceContext, tenant_id: str, after: After) -> None:
    """A run or its preview after care recorded, corrected or credited a moment ago (the request sends its
    consistency token): 409 not-yet-known with Retry-After until settlement has it, never a total without it."""
    if await after.pending(ctx.session, tenant_id, *RUN_FACTS):
        raise not_yet_known("Care recorded or credited a moment ago has not reached settlement yet",
                            reason="care_not_known_yet")


PREVIEW_CHANGED = "preview_changed"


def preview_changed(digest: str, total: str) -> ProblemError:
    """409 problem+json: the run would not pay what the preview the lock was confirmed on showed; the new
    preview's digest (and total) to preview and confirm again. Nothing was locked."""
    reason = ("Payees, accounts or amounts have changed since the preview: preview again and lock with the new "
              "preview's digest")
    return ProblemError(
        409,
        "Preview changed",
        reason,
        "https://seteli.fi/problems/conflict",
        [FieldError("preview_digest", reason, PREVIEW_CHANGED)],
        {"reason": PREVIEW_CHANGED, "preview_digest": digest, "total": total},
    )


async def start_run(
    ctx: ServiceContext, tenant_id: str, month: Month, trigger: str = "manual", idempotency_key: str | None = None,
    preview_digest: str | None = None,
) -> str:
    """Create the run and one job per provider with something payable; workers do the rest. A month is
    locked only after it has ended (Helsinki date): a run of M pays lines of M and earlier, so a run
    of a month still running would pay the previous month's lines under its own label. `preview_digest`: the
    digest of the preview the lock was confirmed on; the run is started only if it would pay the same."""
    run_id = str(uuid.uuid4())
    session = ctx.session
    # Alone: no ledger change is opening or locking lines (they share this lock), so what is open now is the lock.
    await repo.advisory_lock(session, open_queue.run_start_key(tenant_id))
    if idempotency_key:
        existing = await repo.run_by_idempotency_key(session, tenant_id, idempotency_key)
        if existing is not None:
            if existing["month"] != month.first:
                raise conflict("This Idempotency-Key started a run of another month", field="month",
                               code="idempotency_key_reused")
            return str(existing["id"])
    check = domain.lock_check(month, ctx.today(), await tenant_calendar(session, tenant_id))
    if check.refusal is not None:
        raise lock_refused(check)
    # A run of M pays M and earlier: a second run started while one is paid would race its jobs for the same
    # providers' lines, and the payees would end up split over two runs and two payment files.
    running = await repo.running_run(session, tenant_id)
    if running is not None:
        raise run_in_progress(running)
    if preview_digest is not None:
        # Planned under the lock above: no line opens or is locked between this comparison and the run's start.
        planned = await plan_all(session, tenant_id, month, with_lines=False)
        now_digest = domain.preview_digest(month, planned.paid, planned.carried)
        if now_digest != preview_digest:
            raise preview_changed(now_digest, money_str(total_of_lines(Decimal(g.amount) for g in planned.paid)))
    # The lock: the run pays the lines open now, as they are now; a line opened while it is paid is held for
    # the next run, and one it pays changed meanwhile is reversed in the next run (`open_queue`).
    provider_ids = sorted({*await open_queue.providers_with_payable(session, tenant_id, month.first),
                           *await repo.providers_with_open_set_offs(session, tenant_id)})
    now = ctx.clock.now()
    await repo.insert_run(
        session,
        {
            "id": run_id,
            "tenant_id": tenant_id,
            "month": month.first,
            "state": "running",
            "trigger": trigger,
            "created_at": now,
            "idempotency_key": idempotency_key,
            "jobs_total": len(provider_ids),
        },
    )
    await repo.insert_jobs(
        session,
        [
            {
                "tenant_id": tenant_id,
                "run_id": run_id,
                "provider_id": p,
                "state": "pending",
                "attempts": 0,
            }
            for p in provider_ids
        ],
    )
    if not provider_ids:
        await finish_run(ctx, tenant_id, run_id, month)
    return run_id


async def finish_run(ctx: ServiceContext, tenant_id: str, run_id: str, month: Month) -> None:
    session = ctx.session
    total = to_cents(Decimal(await repo.run_total(session, tenant_id, run_id)))
    completed_at = ctx.clock.now()
    await repo.complete_run(session, tenant_id, run_id, total, completed_at)
    run = await repo.get_run(session, tenant_id, run_id)
    if run is not None and run.get("created_at") is not None:
        started = run["created_at"] if run["created_at"].tzinfo else run["created_at"].replace(tzinfo=UTC)
        observe_settlement_run(max((completed_at - started).total_seconds(), 0.0))
    payments = [p for p in await repo.run_payments(session, tenant_id, run_id) if Decimal(p["amount"]) > 0]
    carried = await repo.run_carryovers(session, tenant_id, run_id)
    await ctx.outbox.add(
        session,
        RunCompleted(
            run_id=run_id,
            month=str(month),
            total=money_str(total),
            payments=len(payments),
            carried_over=len(carried),
        ),
        tenant_id=tenant_id,
    )


# --- views -----------------------------------------------------------------------------------------


async def run_or_404(ctx: ServiceContext, tenant_id: str, run_id: str) -> Row:
    run = await repo.get_run(ctx.session, tenant_id, run_id)
    if run is None:
        raise not_found("Run")
    return run


async def show_run(ctx: ServiceContext, tenant_id: str, run_id: str, *, with_lines: bool = True) -> Row:
    return await run_view(ctx.session, tenant_id, await run_or_404(ctx, tenant_id, run_id), with_lines=with_lines)


async def settled_tokens(ctx: ServiceContext, tenant_id: str, run: Mapping[str, Any]) -> tuple[Token, ...]:
    """The consistency tokens of the `settlement.events.settled` news a completed run's work published (one per
    provider it paid), for its status answer: a client sends them to the events service, which then answers a
    credit or a correction request of a paid event, or its "settled", only once it has the news (issue 22).
    None while the run is still running (its news is not written yet) or once the news is older than a token lives.
    At most `MAX_TOKENS` go in the header (a run paying more providers names its first ones)."""
    if run["state"] != "completed":
        return ()
    # Outbox.add stamps the wall-clock time (not the service's clock, which a training date moves), and an
    # older token would be ignored by the events service anyway: its news has arrived or is stuck.
    since = datetime.now(UTC) - timedelta(seconds=MAX_AGE_SECONDS + 60)
    found = await repo.settled_news_of_run(ctx.session, tenant_id, str(run["id"]), since)
    return tuple(Token(r["type"], r["tenant_id"], str(r["event_id"]), int(_aware(r["occurred_at"]).timestamp()))
                 for r in found)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def list_runs(ctx: ServiceContext, tenant_id: str, limit: int, offset: int) -> Row:
    rows, total = await repo.list_runs(ctx.session, tenant_id, limit, offset)
    failed = await failed_jobs_by_run(ctx.session, tenant_id, [str(r["id"]) for r in rows])
    items = [
        {
            "id": r["id"],
            "month": str(Month.of(r["month"])),
            "state": r["state"],
            "trigger": r["trigger"],
            "total": None if r["total"] is None else f"{r['total']:.2f}",
            "created_at": r["created_at"].isoformat(),
            "failed_jobs": failed.get(str(r["id"]), []),
        }
        for r in rows
    ]
    return {"items": items, "total": total}


async def failed_jobs_by_run(session: AsyncSession, tenant_id: str, run_ids: Sequence[str]) -> dict[str, list[Row]]:
    """The providers whose payment failed and was left out of each run: who, after how many attempts, and why."""
    by_run: dict[str, list[Row]] = {}
    for job in await repo.failed_jobs(session, tenant_id, run_ids):
        by_run.setdefault(str(job["run_id"]), []).append({
            "provider_id": job["provider_id"],
            "provider_name": job["provider_name"] or job["provider_id"],
            "attempts": job["attempts"],
            "reason": job["error"] or "",
            "reason_text": domain.FAILED_JOB_TEXT,
            "failed_at": job["finished_at"].isoformat() if job["finished_at"] else None,
        })
    return by_run


async def event_lines(ctx: ServiceContext, tenant_id: str, event_id: str) -> Row:
    """Every settlement line of an event (revisions, reversals, credits) and the run that paid it."""
    rows = await repo.lines_of_event(ctx.session, tenant_id, event_id)
    items = [
        {**line_view(r), "status": r["status"], "run_id": r["run_id"], "payment_id": r["payment_id"]} for r in rows
    ]
    return {"items": items, "total": len(items), "clients": [
        {"provider_id": r["provider_id"], "client_ref": r["client_ref"]} for r in rows]}


def clients_of_lines(view: Mapping[str, Any]) -> list[Row]:
    """(provider, client number) of every line a run's or a preview's view shows, for the clients' access log."""
    return [
        {"provider_id": payment["provider_id"], "client_ref": line["client_ref"]}
        for payment in [*view.get("payments", []), *view.get("carried_over", [])]
        for line in payment.get("lines", [])
    ]


def line_view(line: Mapping[str, Any]) -> Row:
    return {
        "line_id": line["id"],
        "kind": line["kind"],
        "entry": line["entry"],
        "source_id": line["source_id"],
        "revision": line["revision"],
        "event_id": line["event_id"],
        "service_id": line["service_id"],
        "content_id": line["content_id"],
        "client_ref": line["client_ref"],
        "producer_part": line["producer_part"],
        "start": line["start"].isoformat(),
        "end": line["end"].isoformat(),
        "units": _num(line["units"]),
        "unit_price": _num(line["unit_price"]),
        "percentage": _num(line["percentage"]),
        "amount": money_str(Decimal(line["amount"])),
        "co_payment": money_str(Decimal(line["co_payment"])),
        "month": str(Month.of(line["month"])),
        "reverses": line["reverses"],
    }


def _num(value: Any) -> str:
    text = f"{Decimal(value).normalize():f}"
    return text if text != "-0" else "0"


def _trace(lines: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[str], list[str]]:
    events = sorted({ln["event_id"] for ln in lines if ln["event_id"] and ln["kind"] == "event"})
    interruptions = sorted({ln["source_id"] for ln in lines if ln["kind"] == "interruption"})
    credits = sorted({ln["source_id"] for ln in lines if ln["kind"] == "credit"})
    return events, interruptions, credits


def _payment_view(
    payment_id: int | None,
    group_or_row: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    with_lines: bool,
) -> Row:
    events, interruptions, credits = _trace(lines)
    view = {
        "payment_id": payment_id,
        "provider_id": group_or_row["provider_id"],
        "site_id": group_or_row["site_id"],
        "payee_name": group_or_row["payee_name"],
        "amount": group_or_row["amount"],
        "iban": group_or_row.get("iban"),  # the account the money goes to: the producer part's own
        "reference": group_or_row.get("reference"),
        "line_count": len(lines),
        "event_ids": events,
        "interruption_ids": interruptions,
        "credit_ids": credits,
    }
    view["lines"] = [line_view(ln) for ln in lines] if with_lines else []
    return view


async def run_view(session: AsyncSession, tenant_id: str, run: Mapping[str, Any], *, with_lines: bool = True) -> Row:
    payments = await repo.run_payments(session, tenant_id, run["id"])
    lines = await repo.paid_lines_of(session, tenant_id, run["id"]) if with_lines or payments else []
    by_payment: dict[int, list[Row]] = {}
    for line in lines:
        by_payment.setdefault(line["payment_id"], []).append(line)
    carried = await repo.run_carryovers(session, tenant_id, run["id"])
    counts = await repo.job_counts(session, tenant_id, run["id"])
    created = run["created_at"] if run["created_at"].tzinfo else run["created_at"].replace(tzinfo=UTC)
    locked_on = created.astimezone(HELSINKI).date()
    check = domain.lock_check(Month.of(run["month"]), locked_on, await tenant_calendar(session, tenant_id))
    return {
        "id": run["id"],
        "month": str(Month.of(run["month"])),
        "state": run["state"],
        "trigger": run["trigger"],
        "dry_run": False,
        "total": money_str(Decimal(run["total"])) if run["total"] is not None else None,
        "created_at": run["created_at"].isoformat(),
        "completed_at": run["completed_at"].isoformat() if run["completed_at"] else None,
        "jobs": {"total": sum(counts.values()), "done": counts.get("done", 0)},
        # Providers left out of the run after their payment failed on every attempt: paid by the next run.
        "failed_jobs": (await failed_jobs_by_run(session, tenant_id, [str(run["id"])])).get(str(run["id"]), []),
        # Locked before the provider deadline: what providers record after the lock waits for a later run.
        "warnings": warnings_view(check),
        "payments": [
            _payment_view(
                p["id"],
                {**p, "amount": money_str(Decimal(p["amount"]))},
                by_payment.get(p["id"], []),
                with_lines,
            )
            for p in payments
        ],
        "carried_over": [
            {
                "provider_id": c["provider_id"],
                "site_id": c["site_id"],
                "payee_name": c["payee_name"],
                "amount": money_str(Decimal(c["amount"])),
                "line_count": c["line_count"],
                "reason": c["reason"],
                "reason_text": domain.REASON_TEXT.get(c["reason"], c["reason"]),
            }
            for c in carried
        ],
        "set_offs": [
            {
                "kind": s["kind"],
                "provider_id": s["provider_id"],
                "from_site_id": s["from_site_id"],
                "from_payee_name": s["from_name"],
                "to_site_id": s["to_site_id"],
                "to_payee_name": s["to_name"],
                "payment_id": s["payment_id"],
                "repaid_by_payment_id": s["settled_by"] if s["kind"] == "repaid" else None,
                "amount": money_str(Decimal(s["amount"])),
            }
            # what the run deducted, then what it pays back of deductions made earlier (a credit withdrawn)
            for s in [*await repo.run_set_offs(session, tenant_id, run["id"]),
                      *await repo.run_repayments(session, tenant_id, run["id"])]
        ],
    }


def _group_view(group: PayeeLines | PayeeTotal, with_lines: bool, parts: Mapping[Any, Row] | None = None) -> Row:
    payee = group.payee
    row = {
        "provider_id": payee.provider_id,
        "site_id": payee.site_id,
        "payee_name": payee.name,
        "amount": money_str(group.amount),
        "iban": payee.billing.iban if payee.billing else None,
        "reference": payee.billing.reference if payee.billing else None,
    }
    if isinstance(group, PayeeLines):
        return _payment_view(None, row, group.lines, with_lines)
    # planned from its producer parts' sums (`plan_all` without lines): what its lines settle, summed per part
    of = [parts[key] for key in dict.fromkeys((payee.provider_id, p) for p in group.producer_parts)
          if parts and key in parts]
    return {"payment_id": None, **row, "line_count": group.line_count,
            **{ids: _union(part[ids] for part in of) for ids in ("event_ids", "interruption_ids", "credit_ids")},
            "lines": []}


def _union(lists: Iterable[list[str]]) -> list[str]:
    """Sorted distinct ids of several parts (each already distinct: one part's list is only put in order)."""
    lists = list(lists)
    return sorted(lists[0]) if len(lists) == 1 else sorted({i for ids in lists for i in ids})


@dataclass
class Plan:
    """Every payable line of the tenant by payee: each payee with its lines (`PayeeLines`), or (a preview without
    lines) with its producer parts' sums (`PayeeTotal`, `parts` by provider and producer part)."""

    paid: list[Any]
    carried: list[Any]
    parts: dict[tuple[str, str | None], Row] | None = None

    def line_ids(self) -> list[int]:
        if self.parts is not None:
            return [i for part in self.parts.values() for i in part["line_ids"]]
        return [line["id"] for group in [*self.paid, *self.carried] for line in group.lines]


async def plan_all(session: AsyncSession, tenant_id: str, month: Month, *, with_lines: bool = True) -> Plan:
    """Every payable line of the tenant by payee. Without `with_lines` the payees are planned from their producer
    parts' sums, as a run's job plans them (the lines' ids and what they settle summed in the database)."""
    if with_lines:
        lines = await open_queue.payable_lines(session, tenant_id, month.first)
        by_provider: dict[str, list[Row]] = {}
        for line in lines:
            by_provider.setdefault(line["provider_id"], []).append(line)
        parts = None
    else:
        parts = {(p["provider_id"], p["producer_part"]): p
                 for p in await open_queue.payable_parts(session, tenant_id, month.first)}
        by_provider = {}
        for part in parts.values():
            by_provider.setdefault(part["provider_id"], []).append(part)
    for provider_id in await repo.providers_with_open_set_offs(session, tenant_id):
        by_provider.setdefault(provider_id, [])  # a deduction given back is paid with no line of its own
    paid: list[Any] = []
    carried: list[Any] = []
    # three reads for all the providers, not three a provider (a tenant has hundreds)
    providers, sites = await repo.providers_and_sites(session, list(by_provider))
    set_off_before = await repo.open_set_offs_of(session, tenant_id, list(by_provider))
    reversed_credits = await repo.providers_with_open_credits_reversed(session, tenant_id, month.first)
    for provider_id, provider_rows in by_provider.items():
        # What the run's job gives back before planning (a credit withdrawn while a parked job held it), kept only
        given_back = GiveBack(write=False)
        if provider_id in reversed_credits:  # none to give back for a provider without such a credit
            await give_back_before_planning(session, tenant_id, None, month.first, provider_id, given_back)
        before = [*set_off_before[provider_id],
                  *({"producer_part": r["from_part"], "amount": r["amount"], "line_count": 0} for r in given_back.rows)]
        if parts is None:
            planned = domain.plan_provider(provider_id, providers.get(provider_id), sites[provider_id],
                                           provider_rows, before)
            p, c, _ = domain.set_off(*planned)
            paid += p
            carried += c
        else:
            totals = domain.plan_provider_totals(provider_id, providers.get(provider_id), sites[provider_id],
                                                 [*provider_rows, *before])
            pt, ct, _ = domain.set_off(*totals)
            paid += pt
            carried += ct
    return Plan(paid, carried, parts)


async def preview(ctx: ServiceContext, tenant_id: str, month: Month, *, with_lines: bool = True,
                  plan: Plan | None = None) -> Row:
    """What a run would pay now, line by line, and what changed since the previous preview. Pays nothing
    and marks nothing; only the preview itself is remembered, to compare the next one with. `plan`: what
    `plan_all` answered in a read-only unit before (the long part, which then holds no writer up on SQLite)."""
    session = ctx.session
    plan = plan if plan is not None else await plan_all(session, tenant_id, month, with_lines=with_lines)
    paid, carried = plan.paid, plan.carried
    snap = domain.snapshot(paid, carried, plan.line_ids())
    previous = await repo.last_preview(session, tenant_id, month.first)
    old = previous["snapshot"] if previous else None
    # what the lines added or removed since showed: their ledger rows (a few, where the preview has thousands)
    changed = await open_queue.lines_by_id(session, tenant_id, domain.changed_line_ids(old, snap))
    changes = domain.diff_snapshots(old, snap, changed)
    changes["since"] = previous["created_at"].isoformat() if previous else None
    await repo.save_preview(session, tenant_id, month.first, ctx.clock.now(), snap)
    calendar = await tenant_calendar(session, tenant_id)
    today = ctx.today()
    check = domain.lock_check(month, today, calendar)
    waiting = await repo.events_awaiting_approval(session, tenant_id, month.first)
    total = total_of_lines(Decimal(g.amount) for g in paid)
    return {
        "id": None,
        "preview_digest": domain.preview_digest(month, paid, carried),
        "month": str(month),
        "state": "preview",
        "trigger": "preview",
        "dry_run": True,
        "total": money_str(total),
        "created_at": ctx.clock.now().isoformat(),
        "completed_at": None,
        "jobs": {"total": 0, "done": 0},
        "failed_jobs": [],
        "payments": [_group_view(g, with_lines, plan.parts) for g in paid],
        "carried_over": [
            {
                **{k: v for k, v in _group_view(g, with_lines, plan.parts).items() if k != "payment_id"},
                "reason": g.reason,
                "reason_text": domain.REASON_TEXT.get(g.reason or "", ""),
            }
            for g in carried
        ],
        "changes": changes,
        # Whether this month may be locked today, and what to know before doing it.
        "lock": lock_view(check, waiting),
        "warnings": lock_view(check, waiting)["warnings"],
        "calendar": {
            "provider_deadline": calendar.provider_deadline(month).isoformat(),
            "approval_deadline": calendar.approval_deadline(month).isoformat(),
            "transfer_date": calendar.transfer_date(month).isoformat(),
            "today": today.isoformat(),
        },
    }
