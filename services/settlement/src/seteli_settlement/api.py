"""Settlement HTTP API: runs (preview, start, view), payment files, specifications, traceability."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from seteli_common.auth import Principal, Role, guard_tenant, require_roles
from seteli_common.clock import Month, today_in_helsinki
from seteli_common.errors import conflict, not_found
from seteli_common.idempotency import IdempotencyKey
from seteli_common.runtime import ServiceRuntime
from seteli_common.web import content_disposition, db_session
from sqlalchemy.ext.asyncio import AsyncSession

from . import repository as repo
from .domain import documents as outputs
from .domain.payment_file import PaymentFileError
from .service import runs
from .service.runs import SettlementDeps
from .service.schedule import run_due
from .worker import work_run

router = APIRouter(prefix="/v1")
STAFF = (Role.TENANT_ADMIN, Role.TENANT_OFFICER)
MONTH = r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$"  # years 1900-2099: year 0 or 9999 + 1 month broke Month (500)


class RunIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"month": "2016-03", "dry_run": False}]})
    month: str = Field(pattern=MONTH, examples=["2016-03"])
    dry_run: bool = False


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def _deps(request: Request) -> SettlementDeps:
    deps: SettlementDeps = _runtime(request).extras["deps"]
    return deps


async def _run_or_404(session: AsyncSession, tenant_id: str, run_id: str) -> dict[str, Any]:
    run = await repo.get_run(session, tenant_id, run_id)
    if run is None:
        raise not_found("Run")
    return run


@router.post(
    "/tenants/{tenant_id}/runs",
    status_code=201,
    tags=["runs"],
    responses={200: {"description": "Dry run (preview): nothing was paid or stored as a run"}},
)
async def create_run(
    tenant_id: str,
    body: RunIn,
    request: Request,
    response: Response,
    lines: bool = Query(True, description="include the settlement lines of each payment"),
    idempotency_key: IdempotencyKey = None,
    principal: Principal = Depends(require_roles(Role.TENANT_ADMIN)),
) -> dict[str, Any]:
    """Preview (`dry_run: true`) or start the settlement run of a month: pays every payable ledger line of
    that month and earlier not paid yet, one payment per payee, carrying over payees without billing."""
    guard_tenant(principal, tenant_id)
    deps, month = _deps(request), Month.parse(body.month)
    if body.dry_run:
        response.status_code = 200
        async with deps.db.transaction(tenant_id=tenant_id) as session:
            return await runs.preview(session, deps, tenant_id, month, with_lines=lines)
    run_id = await runs.start_run(deps, tenant_id, month, idempotency_key=idempotency_key)
    settings: Any = _runtime(request).settings
    if settings.inline_jobs:
        await work_run(deps, run_id, wait_seconds=settings.job_lease_seconds)
    async with deps.db.transaction(tenant_id=tenant_id) as session:
        return await runs.run_view(session, tenant_id, await _run_or_404(session, tenant_id, run_id), with_lines=lines)


@router.get("/tenants/{tenant_id}/runs", tags=["runs"])
async def list_runs(
    tenant_id: str,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    session: AsyncSession = Depends(db_session, scope="function"),
    principal: Principal = Depends(require_roles(*STAFF)),
) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    rows, total = await repo.list_runs(session, tenant_id, limit, offset)
    items = [
        {
            "id": r["id"],
            "month": str(Month.of(r["month"])),
            "state": r["state"],
            "trigger": r["trigger"],
            "total": None if r["total"] is None else f"{r['total']:.2f}",
            "created_at": r["created_at"].isoformat(),
        }
        for r in rows
    ]
    return {"items": items, "total": total}


@router.get("/tenants/{tenant_id}/runs/{run_id}", tags=["runs"])
async def get_run(
    tenant_id: str,
    run_id: str,
    lines: bool = Query(True),
    session: AsyncSession = Depends(db_session, scope="function"),
    principal: Principal = Depends(require_roles(*STAFF)),
) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    return await runs.run_view(session, tenant_id, await _run_or_404(session, tenant_id, run_id), with_lines=lines)


@router.get(
    "/tenants/{tenant_id}/runs/{run_id}/payment-file",
    tags=["outputs"],
    responses={200: {"content": {"application/xml": {}}}},
)
async def payment_file(
    tenant_id: str,
    run_id: str,
    request: Request,
    version: Literal["pain.001.001.03", "pain.001.001.09"] | None = None,
    execution_date: date | None = None,
    session: AsyncSession = Depends(db_session, scope="function"),
    principal: Principal = Depends(require_roles(*STAFF)),
) -> Response:
    """SEPA credit transfer initiation for the tenant's financial system, one transaction per payee."""
    guard_tenant(principal, tenant_id)
    run = await _run_or_404(session, tenant_id, run_id)
    if run["state"] != "completed":
        raise conflict("The run has not completed yet")
    tenant = await repo.get_tenant(session, tenant_id)
    if tenant is None:
        raise conflict("The tenant's payer account is not known to settlement yet")
    payments = await repo.run_payments(session, tenant_id, run_id)
    if not any(p["amount"] > 0 for p in payments):
        raise conflict("The run pays nothing: there is no payment file")
    runtime = _runtime(request)
    settings: Any = runtime.settings
    calendar = await runs.tenant_calendar(session, tenant_id)
    when = execution_date or max(calendar.transfer_date(Month.of(run["month"])), today_in_helsinki(runtime.clock))
    try:
        xml = outputs.payment_file(
            run,
            tenant,
            payments,
            created_at=runtime.clock.now(),
            execution_date=when,
            version=version or settings.pain_version,
        )
    except PaymentFileError as exc:
        raise conflict(f"The payment file cannot be written: {exc}") from None
    filename = f"seteli-{tenant_id}-{Month.of(run['month'])}-{run_id[:8]}.xml"
    return Response(
        xml,
        media_type="application/xml",
        headers={"Content-Disposition": content_disposition(filename)},
    )


@router.get(
    "/tenants/{tenant_id}/runs/{run_id}/payments/{payment_id}/specification.pdf",
    tags=["outputs"],
    responses={200: {"content": {"application/pdf": {}}}},
)
async def specification(
    tenant_id: str,
    run_id: str,
    payment_id: int,
    request: Request,
    session: AsyncSession = Depends(db_session, scope="function"),
    principal: Principal = Depends(require_roles(*STAFF, Role.PROVIDER_ADMIN)),
) -> Response:
    """The provider's payment specification: clients only by the provider's own client number."""
    guard_tenant(principal, tenant_id)
    run = await _run_or_404(session, tenant_id, run_id)
    payment = await repo.get_payment(session, tenant_id, run_id, payment_id)
    if payment is None or (principal.role == Role.PROVIDER_ADMIN and principal.provider_id != payment["provider_id"]):
        raise not_found("Payment")
    lines = await repo.paid_lines_of(session, tenant_id, run_id, [payment_id])
    pdf = outputs.specification_pdf(
        await repo.get_tenant(session, tenant_id),
        await repo.get_provider(session, payment["provider_id"]),
        payment,
        lines,
        await repo.tenant_services(session, tenant_id),
        Month.of(run["month"]),
        payment["created_at"],
        await repo.run_carryovers(session, tenant_id, run_id),
    )
    if pdf is None:
        raise conflict("The specification cannot be printed (see the service log)")
    return Response(pdf, media_type="application/pdf")


@router.get("/tenants/{tenant_id}/events/{event_id}/lines", tags=["traceability"])
async def event_lines(
    tenant_id: str,
    event_id: str,
    session: AsyncSession = Depends(db_session, scope="function"),
    principal: Principal = Depends(require_roles(*STAFF)),
) -> dict[str, Any]:
    """Every settlement line of an event (revisions, reversals, credits) and the run that paid it."""
    guard_tenant(principal, tenant_id)
    rows = await repo.lines_of_event(session, tenant_id, event_id)
    items = [
        {**runs.line_view(r), "status": r["status"], "run_id": r["run_id"], "payment_id": r["payment_id"]} for r in rows
    ]
    return {"items": items, "total": len(items)}


@router.post("/settlement/scheduler/run-due", tags=["runs"])
async def scheduler_run_due(
    request: Request, _: Principal = Depends(require_roles(Role.PLATFORM_ADMIN))
) -> dict[str, Any]:
    """Start every run whose transfer day has come (what worker processes do on their own)."""
    deps = _deps(request)
    started = await run_due(deps)
    settings: Any = _runtime(request).settings
    if settings.inline_jobs:
        for item in started:
            await work_run(deps, item["run_id"], wait_seconds=settings.job_lease_seconds)
    return {"started": started}
