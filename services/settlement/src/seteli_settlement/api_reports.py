"""Reports: "clients and realisation" and "interruptions", as JSON ({items, total}) or CSV.

Both are set-based queries over the ledger; the database sums, Python only formats. Months are
settlement months (the month a line is settled in: an interruption's is the month it ended).
"Unfinished units" are the units still waiting for the tenant's approval: drafts and unconfirmed
auto-recordings live in the events service and never reach settlement.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from seteli_common.auth import Principal, Role, guard_tenant, require_roles
from seteli_common.clock import Month
from seteli_common.csvfile import csv_text
from seteli_common.errors import FieldError, invalid_many
from seteli_common.web import content_disposition, db_session
from sqlalchemy.ext.asyncio import AsyncSession

from . import repository as repo
from .domain.settling import money_str
from .events import ClientDataRead, ClientRef
from .repository import reports as report_queries

router = APIRouter(prefix="/v1")
STAFF = (Role.TENANT_ADMIN, Role.TENANT_OFFICER)
CSV_TOO: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}}}  # with ?format=csv
MONTH = r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$"  # years 1900-2099: year 0 or 9999 + 1 month broke Month (500)


def _range(start: str, end: str) -> tuple[Month, Month]:
    first, last = Month.parse(start), Month.parse(end)
    if last < first:
        raise invalid_many([FieldError("to", "must not be before from")])
    return first, last


def _num(value: Any) -> str:
    text = f"{Decimal(value or 0).normalize():f}"
    return "0" if text in ("-0", "0E-6") else text


async def _log_read(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    tenant_id: str,
    items: list[dict[str, Any]],
    what: str,
    fmt: str,
) -> None:
    """A report that names clients is a read of their data: it goes to each client's access log, kept by
    vouchers, through the outbox in the reading transaction."""
    shown = sorted({(str(i["provider_id"]), str(i["client_ref"])) for i in items})
    if not shown:
        return
    runtime = request.app.state.runtime
    why = (request.headers.get("x-purpose") or "").strip() or "report"
    await runtime.outbox.add(
        session,
        ClientDataRead(
            clients=[ClientRef(provider_id=p, client_ref=ref) for p, ref in shown],
            actor=principal.subject,
            actor_role=principal.role.value,
            actor_org=principal.tenant_id,
            what=what if fmt == "json" else f"{what}.{fmt}",
            why=why[:200],
            at=runtime.clock.now(),
        ),
        tenant_id=tenant_id,
    )


def _respond(items: list[dict[str, Any]], total: int, fmt: str, name: str) -> Any:
    if fmt == "json":
        return {"items": items, "total": total}
    columns: Sequence[str] = list(items[0]) if items else []
    return Response(
        csv_text(columns, items),  # a client number like =HYPERLINK(...) arrives as text, not a formula
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition(f"{name}.csv")},
    )


@router.get("/tenants/{tenant_id}/reports/realisation", tags=["reports"], responses=CSV_TOO)
async def realisation(
    tenant_id: str,
    request: Request,
    from_month: str = Query(alias="from", pattern=MONTH, examples=["2016-01"]),
    to_month: str = Query(alias="to", pattern=MONTH, examples=["2016-03"]),
    content_id: list[str] | None = Query(None, description="contents to include; all when omitted"),
    provider_id: str | None = None,
    producer_part: str | None = Query(None, description="one producer part; the whole company when omitted"),
    client_ref: str | None = None,
    format: Literal["json", "csv"] = "json",
    limit: int = Query(100, ge=1, le=10000),
    offset: int = Query(0, ge=0),
    session: AsyncSession = Depends(db_session, scope="function"),
    principal: Principal = Depends(require_roles(*STAFF)),
) -> Any:
    """Clients and realisation: per provider, client and content the settled amounts, co-payments and
    units, and the units still unfinished (waiting for approval), over a range of months."""
    guard_tenant(principal, tenant_id)
    first, last = _range(from_month, to_month)
    rows, total = await report_queries.realisation_rows(
        session,
        tenant_id,
        first.first,
        last.first,
        content_ids=content_id,
        provider_id=provider_id,
        producer_part=producer_part,
        client_ref=client_ref,
        limit=limit if format == "json" else None,
        offset=offset,
    )
    names = {
        c["content_id"]: c.get("name_fi") or ""
        for sv in await repo.tenant_services(session, tenant_id)
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
            "units_unfinished": _num(r["units_unfinished"]),
        }
        for r in rows
    ]
    await _log_read(request, session, principal, tenant_id, items, "report.realisation", format)
    return _respond(items, int(total), format, f"realisation-{tenant_id}-{first}-{last}")


@router.get("/tenants/{tenant_id}/reports/interruptions", tags=["reports"], responses=CSV_TOO)
async def interruption_report(
    tenant_id: str,
    request: Request,
    from_month: str = Query(alias="from", pattern=MONTH, examples=["2015-07"]),
    to_month: str = Query(alias="to", pattern=MONTH, examples=["2015-12"]),
    service_id: str | None = None,
    format: Literal["json", "csv"] = "json",
    limit: int = Query(100, ge=1, le=10000),
    offset: int = Query(0, ge=0),
    session: AsyncSession = Depends(db_session, scope="function"),
    principal: Principal = Depends(require_roles(*STAFF)),
) -> Any:
    """Ended interruptions per service and period (by the month they ended), with what the rule pays."""
    guard_tenant(principal, tenant_id)
    first, last = _range(from_month, to_month)
    rows, total = await report_queries.ended_interruption_rows(
        session,
        tenant_id,
        first.first,
        last.last,
        service_id=service_id,
        limit=limit if format == "json" else None,
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
        }
        for r in rows
    ]
    await _log_read(request, session, principal, tenant_id, items, "report.interruptions", format)
    return _respond(items, int(total), format, f"interruptions-{tenant_id}-{first}-{last}")
