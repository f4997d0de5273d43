"""The reports' queries: set-based over the ledger and the interruptions, the database sums (service/reports.py
formats).

``limit=None`` gives every row (the CSV download); the total counts them all either way."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import interruptions, ledger, paid_lines, set_offs

Row = dict[str, Any]


async def realisation_rows(
    session: AsyncSession,
    tenant_id: str,
    first_month: date,
    last_month: date,
    *,
    content_ids: Sequence[str] | None = None,
    provider_id: str | None = None,
    producer_part: str | None = None,
    client_ref: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    recovered: Mapping[int, Decimal] | None = None,
) -> tuple[list[Row], int]:
    """Per provider, client and content: units and amounts settled, co-payments, amounts still unsettled and
    units awaiting approval over the settlement months; a page of rows and the number of all.
    `recovered`: per line, what of its amount counts as settled beyond the paid lines: for an open credit, what
    set-offs have deducted of it already (`settling.recovered_by_set_off`); for a paid line, less what its payment
    had deducted for a credit since withdrawn and not yet paid back (negative)."""
    paid = paid_lines.c.line_id.is_not(None)
    conditions = [
        ledger.c.tenant_id == tenant_id,
        ledger.c.month >= first_month,
        ledger.c.month <= last_month,
        ledger.c.status.in_(("payable", "awaiting_approval")),
    ]
    if content_ids:
        conditions.append(ledger.c.content_id.in_(content_ids))
    if provider_id:
        conditions.append(ledger.c.provider_id == provider_id)
    if producer_part:
        conditions.append(ledger.c.producer_part == producer_part)
    if client_ref:
        conditions.append(ledger.c.client_ref == client_ref)
    keys = (ledger.c.provider_id, ledger.c.client_ref, ledger.c.content_id)
    query = (
        select(
            *keys,
            # A credit is money taken back, not care given: its one "unit" is no unit settled.
            func.sum(case((and_(paid, ledger.c.kind != "credit"), ledger.c.units), else_=0)).label("units_settled"),
            func.sum(case((paid, ledger.c.amount), else_=0)).label("amount_settled"),
            func.sum(case((paid, ledger.c.co_payment), else_=0)).label("co_payment"),
            func.sum(case((and_(~paid, ledger.c.status == "payable"), ledger.c.amount), else_=0)).label(
                "amount_unsettled"
            ),
            func.sum(case((ledger.c.status == "awaiting_approval", ledger.c.units), else_=0)).label(
                "units_awaiting_approval"),
        )
        .select_from(
            ledger.outerjoin(
                paid_lines,
                and_(paid_lines.c.tenant_id == ledger.c.tenant_id, paid_lines.c.line_id == ledger.c.id),
            )
        )
        .where(*conditions)
        .group_by(*keys)
    )
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    query = query.order_by(*keys)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    items = [dict(r) for r in (await session.execute(query)).mappings().all()]
    if recovered and items:
        # Only the page's rows and lines matching the report's conditions: the set-off moves money between a
        # row's columns, never adds or removes a row.
        shares = await session.execute(
            select(*keys, ledger.c.id).where(*conditions, ledger.c.id.in_(list(recovered)))
        )
        by_key: dict[tuple[str, str, str], Decimal] = {}
        for r in shares:
            by_key[(r[0], r[1], r[2])] = by_key.get((r[0], r[1], r[2]), Decimal(0)) + recovered[r[3]]
        for item in items:
            share = by_key.get((item["provider_id"], item["client_ref"], item["content_id"]))
            if share:
                item["amount_settled"] = Decimal(item["amount_settled"]) + share
                item["amount_unsettled"] = Decimal(item["amount_unsettled"]) - share
    return items, int(total)


async def open_set_off_parts(session: AsyncSession, tenant_id: str, provider_id: str | None) -> list[Row]:
    """What set-offs deducted of the tenant's (a provider's) payees whose lines are still open, less what was given
    back, per provider and producer part ({provider_id, from_part, amount})."""
    query = (
        select(set_offs.c.provider_id, set_offs.c.from_part, func.sum(set_offs.c.amount).label("amount"))
        .where(set_offs.c.tenant_id == tenant_id, set_offs.c.settled_by.is_(None), set_offs.c.kind != "repaid")
        .group_by(set_offs.c.provider_id, set_offs.c.from_part)
    )
    if provider_id:
        query = query.where(set_offs.c.provider_id == provider_id)
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def open_repayments(session: AsyncSession, tenant_id: str, provider_id: str | None) -> list[Row]:
    """Deductions given back and not paid yet that no open line shows as owed, per payment they had been made from
    ({payment_id, amount}): while the deduction is still open (its credit was open when withdrawn, and is gone), and
    once the debtor's payment has settled what was given back (its `withdrawn` row), whatever the credit was. (A
    credit paid already is reversed: until its debtor is paid again, that open reversal shows what is owed.)"""
    deduction = set_offs.alias("deduction")
    still_open = exists().where(
        deduction.c.tenant_id == set_offs.c.tenant_id, deduction.c.kind == "set_off",
        deduction.c.payment_id == set_offs.c.payment_id,
        deduction.c.from_site_id.is_not_distinct_from(set_offs.c.to_site_id), deduction.c.settled_by.is_(None))
    # The repayment's pair: the `withdrawn` row `ledger._give_back` wrote just before it, under the provider's lock.
    withdrawn = set_offs.alias("withdrawn")
    pair = select(func.max(withdrawn.c.id)).where(
        withdrawn.c.tenant_id == set_offs.c.tenant_id, withdrawn.c.provider_id == set_offs.c.provider_id,
        withdrawn.c.kind == "withdrawn", withdrawn.c.payment_id == set_offs.c.payment_id,
        withdrawn.c.id < set_offs.c.id).scalar_subquery()
    paired = set_offs.alias("paired")
    taken_off_the_debtor = exists().where(paired.c.tenant_id == set_offs.c.tenant_id, paired.c.id == pair,
                                          paired.c.settled_by.is_not(None))
    query = (
        select(set_offs.c.payment_id, func.sum(set_offs.c.amount).label("amount"))
        .where(set_offs.c.tenant_id == tenant_id, set_offs.c.settled_by.is_(None), set_offs.c.kind == "repaid",
               or_(still_open, taken_off_the_debtor))
        .group_by(set_offs.c.payment_id)
        .order_by(set_offs.c.payment_id)
    )
    if provider_id:
        query = query.where(set_offs.c.provider_id == provider_id)
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def paid_care_of(session: AsyncSession, tenant_id: str, payment_id: int) -> list[Row]:
    """The payment's positive lines, latest first ({line_id, amount})."""
    query = (
        select(ledger.c.id.label("line_id"), ledger.c.amount)
        .select_from(ledger.join(paid_lines, and_(paid_lines.c.tenant_id == ledger.c.tenant_id,
                                                  paid_lines.c.line_id == ledger.c.id)))
        .where(paid_lines.c.tenant_id == tenant_id, paid_lines.c.payment_id == payment_id, ledger.c.amount > 0)
        .order_by(ledger.c.id.desc())
    )
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def ended_interruption_rows(
    session: AsyncSession,
    tenant_id: str,
    ended_from: date,
    ended_to: date,
    *,
    service_id: str | None = None,
    provider_id: str | None = None,
    client_ref: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[Row], int]:
    """The interruptions that ended between the days, by service, start and id; a page of them and the number of all.
    Their amounts are net of the credits of them settled in the months of the days (`credited_amounts`). An
    interruption that ended outside the days but was credited in their months comes too, marked `credit`, with only
    those credits as its amounts: each month shows the money it moved, so the months add up to a report of them all.
    A credit reversed in the same months (withdrawn, or following its absence to nothing) moved none: no row."""
    i = interruptions.c
    conditions = [i.tenant_id == tenant_id]
    if service_id:
        conditions.append(i.service_id == service_id)
    if provider_id:
        conditions.append(i.provider_id == provider_id)
    if client_ref:
        conditions.append(i.client_ref == client_ref)
    ended = and_(i.end >= ended_from, i.end <= ended_to)
    credited_here = exists(_credits_netting_to_something(tenant_id, ended_from, ended_to, i.id))
    rows_query = select(interruptions, (~ended).label("credit")).where(*conditions, or_(ended, credited_here))
    total = (await session.execute(select(func.count()).select_from(rows_query.subquery()))).scalar_one()
    query = rows_query.order_by(i.service_id, i.start, i.id)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    rows = [dict(r) for r in (await session.execute(query)).mappings().all()]
    credited = await credited_amounts(session, tenant_id, ended_from, ended_to, [r["id"] for r in rows])
    for r in rows:
        amount, co_payment = credited.get(r["id"], (Decimal(0), Decimal(0)))
        paid = (Decimal(0), Decimal(0)) if r["credit"] else (r["amount_tenant"], r["amount_co_payment"])
        r["amount_tenant"] = Decimal(paid[0]) + amount
        r["amount_co_payment"] = Decimal(paid[1]) + co_payment
        r["credit"] = bool(r["credit"])
    return rows, int(total)


def _credits_in(tenant_id: str, first_day: date, last_day: date) -> list[Any]:
    """The credit lines and reversals settled in the months of the days, as the realisation report sums them."""
    return [ledger.c.tenant_id == tenant_id, ledger.c.kind == "credit", ledger.c.status == "payable",
            ledger.c.month >= first_day, ledger.c.month <= last_day]


def _credits_netting_to_something(tenant_id: str, first_day: date, last_day: date, source_id: Any) -> Select[Any]:
    """The source's credits settled in the months of the days, if they take back anything: a credit and its reversal
    (a reversal keeps its credit's month) cancel. Rounded to cents, as SQLite sums money as floats."""
    netted = [func.round(func.sum(column), 2) != 0 for column in (ledger.c.amount, ledger.c.co_payment)]
    credits = [*_credits_in(tenant_id, first_day, last_day), ledger.c.event_id == source_id]
    return select(ledger.c.event_id).where(*credits).group_by(ledger.c.event_id).having(or_(*netted))


async def credited_amounts(session: AsyncSession, tenant_id: str, first_day: date, last_day: date,
                           source_ids: list[str]) -> dict[str, tuple[Decimal, Decimal]]:
    """Per credited event or interruption, what its credits settled in the months of the days take back (amount,
    co-payment; negative): their lines and reversals as the realisation report sums them, so both reports of the
    same months agree (a credit withdrawn nets to nothing, one re-stated counts as it stands)."""
    if not source_ids:
        return {}
    query = (
        select(ledger.c.event_id, func.sum(ledger.c.amount), func.sum(ledger.c.co_payment))
        .where(*_credits_in(tenant_id, first_day, last_day), ledger.c.event_id.in_(source_ids))
        .group_by(ledger.c.event_id)
    )
    return {r[0]: (Decimal(r[1]), Decimal(r[2])) for r in await session.execute(query)}
