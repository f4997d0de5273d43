"""Report use cases: "clients and realisation" and "interruptions", as rows ({items, total}).

Both are set-based queries over the ledger; the database sums, Python only formats. Months are
settlement months (the month a line is settled in: an interruption's is the month it ended).
Of the unfinished units settlement knows only those still waiting for the tenant's approval
(`units_awaiting_approval`): drafts and unconfirmed auto-recordings live in the events service and never reach
settlement (the portal's report adds them). A report names clients, so
reading one is logged as a read of their data (`ClientDataRead`, in the reading transaction). Never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from seteli_common.auth import PROVIDER_STAFF, Principal
from seteli_common.clock import Month
from seteli_common.context import ServiceContext
from seteli_common.db import write_after_read
from sqlalchemy.ext.asyncio import AsyncSession

from .. import repository as repo
from ..domain import settling
from ..domain.settling import money_str
from ..events import ClientDataRead, ClientRef
from ..repository import reports as report_queries

Row = dict[str, Any]


@dataclass(frozen=True)
class Reader:
    """Who reads a report, and why (for the clients' access log); `fmt` is the format asked for."""

    actor: str
    actor_role: str
    actor_org: str | None
    why: str
    fmt: str = "json"
    name: str = ""  # the person's, as the token gives it

    @classmethod
    def of(cls, principal: Principal, why: str | None, default_why: str, fmt: str = "json") -> Reader:
        """The token's reader; the organisation it acts for as the client's access log shows it: a provider's
        user reads for its company (its token names no tenant), the tenant's staff for the tenant."""
        org = principal.provider_id if principal.role in PROVIDER_STAFF else principal.tenant_id
        return cls(principal.subject, principal.role.value, org, (why or "").strip() or default_why, fmt,
                   principal.name)


def _num(value: Any) -> str:
    text = f"{Decimal(value or 0).normalize():f}"
    return "0" if text in ("-0", "0E-6") else text


async def log_read(ctx: ServiceContext, reader: Reader, tenant_id: str, items: list[Row], what: str) -> None:
    """A report (or any rows with `provider_id` and `client_ref`, such as a run's lines) that names clients is a
    read of their data: it goes to each client's access log, kept by vouchers, through the outbox in the reading
    transaction."""
    shown = sorted({(str(i["provider_id"]), str(i["client_ref"])) for i in items})
    if not shown:
        return
    read = ClientDataRead(
        clients=[ClientRef(provider_id=p, client_ref=ref) for p, ref in shown],
        actor=reader.actor,
        actor_role=reader.actor_role,
        actor_org=reader.actor_org,
        actor_name=reader.name or None,
        what=what if reader.fmt == "json" else f"{what}.{reader.fmt}",
        why=reader.why[:200],
        at=ctx.clock.now(),
    )

    async def publish(session: AsyncSession) -> None:
        # no request waits for the access log's row: not a Seteli-Consistency token
        await ctx.outbox.add(session, read, tenant_id=tenant_id, consistency_token=False)

    await write_after_read(ctx.session, publish)  # a read-only unit (SQLite GET) writes it right after


async def realisation(
    ctx: ServiceContext,
    reader: Reader,
    tenant_id: str,
    first: Month,
    last: Month,
    *,
    content_ids: list[str] | None,
    provider_id: str | None,
    producer_part: str | None,
    client_ref: str | None,
    limit: int | None,
    offset: int,
) -> tuple[list[Row], int]:
    """Clients and realisation: per provider, client and content the settled amounts, co-payments and
    units, and the units still waiting for approval, over a range of months."""
    rows, total = await report_queries.realisation_rows(
        ctx.session,
        tenant_id,
        first.first,
        last.first,
        content_ids=content_ids,
        provider_id=provider_id,
        producer_part=producer_part,
        client_ref=client_ref,
        limit=limit,
        offset=offset,
        recovered=await _recovered_by_set_off(ctx.session, tenant_id, provider_id),
    )
    names = {
        c["content_id"]: c.get("name_fi") or ""
        for sv in await repo.tenant_services(ctx.session, tenant_id)
        for c in sv["contents"] or []
    }
    items = [
        {
            "provider_id": r["provider_id"],
            "client_ref": r["client_ref"],
            "content_id": r["content_id"],
            "content_name": names.get(r["content_id"], ""),
            "units_settled": _num(r["units_settled"]),
            "amount_settled": money_str(Decimal(r["amount_settled"])),
            "co_payment": money_str(Decimal(r["co_payment"])),
            "amount_unsettled": money_str(Decimal(r["amount_unsettled"])),
            "units_awaiting_approval": _num(r["units_awaiting_approval"]),
        }
        for r in rows
    ]
    await log_read(ctx, reader, tenant_id, items, "report.realisation")
    return items, int(total)


async def recovered_of_provider(session: AsyncSession, tenant_id: str, provider_id: str, parts: list[Row],
                                provider: Row | None, sites: dict[str, Row]) -> tuple[dict[int, Decimal], list[Row]]:
    """(per open credit line of the provider, what set-offs deducted of it; the provider's open negative lines,
    oldest first). `parts`: what set-offs deducted of its payees whose lines are still open, per producer part
    ({from_part, amount}); `provider` and `sites` as settlement knows them."""
    open_set_off: dict[str, Decimal] = {}
    for part in parts:
        key = settling.payee_key_of(provider_id, provider, sites, part["from_part"])
        open_set_off[key] = open_set_off.get(key, Decimal(0)) + Decimal(part["amount"])
    credits = [{**line, "payee": settling.payee_key_of(provider_id, provider, sites, line["producer_part"])}
               for line in await repo.open_credits(session, tenant_id, provider_id)]
    return settling.recovered_by_set_off(open_set_off, credits), credits


async def _recovered_by_set_off(session: AsyncSession, tenant_id: str, provider_id: str | None) -> dict[int, Decimal]:
    """Per open credit line, what set-offs deducted of it from other payees' payments while part of the debtor's
    credits is still carried: that much is settled (the money was recovered), the rest unsettled. Per paid line,
    what a deduction given back takes off its settled amount until it is paid back (negative)."""
    by_provider: dict[str, list[Row]] = {}
    for part in await report_queries.open_set_off_parts(session, tenant_id, provider_id):
        by_provider.setdefault(part["provider_id"], []).append(part)
    recovered: dict[int, Decimal] = {}
    for pid, parts in sorted(by_provider.items()):  # a few providers at most: the ones carrying a credit
        provider, sites = await repo.get_provider(session, pid), await repo.provider_sites(session, pid)
        recovered.update((await recovered_of_provider(session, tenant_id, pid, parts, provider, sites))[0])
    # A deduction given back (its credit withdrawn) is owed to the payee that bore it until the next run pays
    # it: that much of the care its payment covered is unsettled again (the latest lines first).
    for repayment in await report_queries.open_repayments(session, tenant_id, provider_id):
        left = Decimal(repayment["amount"])
        for line in await report_queries.paid_care_of(session, tenant_id, repayment["payment_id"]):
            share = min(left, Decimal(line["amount"]))
            if share <= 0:
                break
            recovered[line["line_id"]] = recovered.get(line["line_id"], Decimal(0)) - share
            left -= share
    return recovered


async def interruptions(
    ctx: ServiceContext,
    reader: Reader,
    tenant_id: str,
    first: Month,
    last: Month,
    *,
    service_id: str | None,
    limit: int | None,
    offset: int,
    provider_id: str | None = None,
    client_ref: str | None = None,
) -> tuple[list[Row], int]:
    """Ended interruptions per service and period (by the month they ended), with what the rule pays less what
    credits of them settled in the period take back (the realisation report nets them so too); one that ended
    before the period but was credited in it shows as that credit (`credit`), so the months add up."""
    rows, total = await report_queries.ended_interruption_rows(
        ctx.session,
        tenant_id,
        first.first,
        last.last,
        service_id=service_id,
        provider_id=provider_id,
        client_ref=client_ref,
        limit=limit,
        offset=offset,
    )
    items = [
        {
            "interruption_id": r["id"],
            "service_id": r["service_id"],
            "provider_id": r["provider_id"],
            "producer_part": r["producer_part"],
            "client_ref": r["client_ref"],
            "content_id": r["content_id"],
            "start": r["start"].isoformat(),
            "end": r["end"].isoformat(),
            "days": (r["end"] - r["start"]).days + 1,
            "reason": r["reason"],
            "amount_tenant": money_str(Decimal(r["amount_tenant"])),
            "amount_co_payment": money_str(Decimal(r["amount_co_payment"])),
            "credit": r["credit"],
        }
        for r in rows
    ]
    await log_read(ctx, reader, tenant_id, items, "report.interruptions")
    return items, int(total)
