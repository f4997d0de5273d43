"""Reports over HTTP: "clients and realisation" and "interruptions", as JSON ({items, total}) or CSV (the
use cases: `service.reports`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel
from seteli_common.auth import Principal, Role, guard_tenant, require_roles
from seteli_common.clock import Month
from seteli_common.csvfile import csv_text
from seteli_common.errors import FieldError, invalid_many
from seteli_common.web import content_disposition, db_session, file_response
from sqlalchemy.ext.asyncio import AsyncSession

from .api_deps import settlement_deps
from .schemas import InterruptionReportPage, InterruptionRowOut, RealisationPage, RealisationRowOut
from .service import reports

router = APIRouter(prefix="/v1")
STAFF = (Role.TENANT_ADMIN, Role.TENANT_OFFICER)
CSV_TOO: dict[int | str, dict[str, Any]] = {200: file_response("JSON; with format=csv a CSV file", "text/csv")}
MONTH = r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$"  # years 1900-2099: year 0 or 9999 + 1 month broke Month (500)


def _range(start: str, end: str) -> tuple[Month, Month]:
    first, last = Month.parse(start), Month.parse(end)
    if last < first:
        raise invalid_many([FieldError("to", "must not be before from")])
    return first, last


def _reader(request: Request, principal: Principal, fmt: str) -> reports.Reader:
    return reports.Reader.of(principal, request.headers.get("x-purpose"), "report", fmt)


def _respond(items: list[dict[str, Any]], total: int, fmt: str, name: str, row: type[BaseModel]) -> Any:
    if fmt == "json":
        return {"items": items, "total": total}
    # the header row also for a period with nothing in it: a program reading the file finds its columns
    columns: Sequence[str] = list(items[0]) if items else list(row.model_fields)
    return Response(
        csv_text(columns, items),  # a client number like =HYPERLINK(...) arrives as text, not a formula
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition(f"{name}.csv")},
    )


@router.get("/tenants/{tenant_id}/reports/realisation", tags=["reports"], responses=CSV_TOO,
            response_model=RealisationPage)
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
    principal: Principal = Depends(require_roles(*STAFF, Role.PROVIDER_ADMIN)),
) -> Any:
    """Clients and realisation: per provider, client and content the settled amounts, co-payments and
    units, and the units still unfinished (waiting for approval), over a range of months.

    A provider's main user reads only the company's own rows, whatever `provider_id` says."""
    guard_tenant(principal, tenant_id)
    first, last = _range(from_month, to_month)
    if principal.role == Role.PROVIDER_ADMIN:
        if not principal.provider_id or (provider_id is not None and provider_id != principal.provider_id):
            return _respond([], 0, format, f"realisation-{tenant_id}-{first}-{last}", RealisationRowOut)
        provider_id = principal.provider_id
    items, total = await reports.realisation(
        settlement_deps(request).context(session),
        _reader(request, principal, format),
        tenant_id,
        first,
        last,
        content_ids=content_id,
        provider_id=provider_id,
        producer_part=producer_part,
        client_ref=client_ref,
        limit=limit if format == "json" else None,
        offset=offset,
    )
    return _respond(items, total, format, f"realisation-{tenant_id}-{first}-{last}", RealisationRowOut)


@router.get("/tenants/{tenant_id}/reports/interruptions", tags=["reports"], responses=CSV_TOO,
            response_model=InterruptionReportPage)
async def interruption_report(
    tenant_id: str,
    request: Request,
    from_month: str = Query(alias="from", pattern=MONTH, examples=["2015-07"]),
    to_month: str = Query(alias="to", pattern=MONTH, examples=["2015-12"]),
    service_id: str | None = None,
    provider_id: str | None = None,
    client_ref: str | None = Query(None, description="one client, as the provider knows it (with provider_id)"),
    format: Literal["json", "csv"] = "json",
    limit: int = Query(100, ge=1, le=10000),
    offset: int = Query(0, ge=0),
    session: AsyncSession = Depends(db_session, scope="function"),
    principal: Principal = Depends(require_roles(*STAFF)),
) -> Any:
    """Ended interruptions per service and period (by the month they ended), with what the rule pays less the
    credits of them settled in the period (as the realisation report nets them); of one
    provider, and of one of its clients, when asked (only those clients' reads are then logged)."""
    guard_tenant(principal, tenant_id)
    first, last = _range(from_month, to_month)
    items, total = await reports.interruptions(
        settlement_deps(request).context(session),
        _reader(request, principal, format),
        tenant_id,
        first,
        last,
        service_id=service_id,
        provider_id=provider_id,
        client_ref=client_ref,
        limit=limit if format == "json" else None,
        offset=offset,
    )
    return _respond(items, total, format, f"interruptions-{tenant_id}-{first}-{last}", InterruptionRowOut)
