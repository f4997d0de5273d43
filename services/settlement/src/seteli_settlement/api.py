"""Settlement HTTP API: runs (preview, start, view), payment files, specifications, traceability. Thin: the
use cases are in `service` (runs, outputs); a handler that opens its own units of work commits them."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from seteli_common.auth import Principal, Role, guard_tenant, require_roles
from seteli_common.clock import Month
from seteli_common.consistency import CONSISTENCY_HEADER, Token, header_value
from seteli_common.idempotency import IdempotencyKey
from seteli_common.web import after_writes, content_disposition, db_session, file_response
from sqlalchemy.ext.asyncio import AsyncSession

from .api_deps import service_runtime, settlement_deps
from .schemas import RunOut, RunPage, StartedRunsOut, TracedLinePage
from .service import outputs, reports, runs
from .worker import run_due, work_run

router = APIRouter(prefix="/v1")
STAFF = (Role.TENANT_ADMIN, Role.TENANT_OFFICER)
MONTH = r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$"  # years 1900-2099: year 0 or 9999 + 1 month broke Month (500)


class RunIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"month": "2016-03", "dry_run": False}]})
    month: str = Field(pattern=MONTH, examples=["2016-03"])
    dry_run: bool = False
    # Optional: the portal always sends the preview its officer confirmed. A client locking unattended (an
    # integration on the transfer day, like the scheduler) has seen no preview to be held to; it locks what is
    # open, and the run it answers (and its payment file, before it is sent) is what it reviews.
    preview_digest: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{64}$",
        description="the `preview_digest` of the preview this lock was confirmed on: if the run would pay "
        "anything else (other payees, accounts, references, amounts or carry-overs), 409 `preview_changed` with "
        "the new digest, and nothing is locked")


@router.post(
    "/tenants/{tenant_id}/runs",
    status_code=201,
    tags=["runs"],
    responses={200: {"model": RunOut, "description": "Dry run (preview): nothing was paid or stored as a run"}},
    response_model=RunOut,
)
async def create_run(
    tenant_id: str,
    body: RunIn,
    request: Request,
    response: Response,
    lines: bool = Query(True, description="include the settlement lines of each payment"),
    idempotency_key: IdempotencyKey = None,
    principal: Principal = Depends(require_roles(*STAFF)),
) -> dict[str, Any]:
    """Preview (`dry_run: true`) or start the settlement run of a month: pays every payable ledger line of
    that month and earlier not paid yet, one payment per payee, carrying over payees without billing.
    The officer's work as much as the admin's (journeys.md, officer 7: previews, locks, sends)."""
    guard_tenant(principal, tenant_id)
    deps, month, after = settlement_deps(request), Month.parse(body.month), after_writes(request)
    if body.dry_run:
        response.status_code = 200
        # The plan (every payable line of the tenant) read in a unit of its own that writes nothing: on SQLite a
        # writer (a consumer recording care) is not held up behind it; the preview is then remembered shortly.
        async with deps.unit_of_work(tenant_id, read_only=True) as ctx:
            await runs.require_known(ctx, tenant_id, after)
            plan = await runs.plan_all(ctx.session, tenant_id, month, with_lines=lines)
        async with deps.unit_of_work(tenant_id) as ctx:
            preview = await runs.preview(ctx, tenant_id, month, with_lines=lines, plan=plan)
            await _log_lines_read(ctx, request, principal, tenant_id, preview, "run.preview", "settlement preview")
            return preview
    async with deps.unit_of_work(tenant_id) as ctx:
        await runs.require_known(ctx, tenant_id, after)
        run_id = await runs.start_run(ctx, tenant_id, month, idempotency_key=idempotency_key,
                                      preview_digest=body.preview_digest)
    deps.committed()
    settings: Any = service_runtime(request).settings
    if settings.inline_jobs:
        await work_run(deps, run_id, wait_seconds=settings.job_lease_seconds)
    async with deps.unit_of_work(tenant_id) as ctx:
        run = await runs.run_or_404(ctx, tenant_id, run_id)
        answer_settled_tokens(response, await runs.settled_tokens(ctx, tenant_id, run))
        view = await runs.run_view(ctx.session, tenant_id, run, with_lines=lines)
        await _log_lines_read(ctx, request, principal, tenant_id, view, "run.lines", "settlement run")
        return view


async def _log_lines_read(ctx: Any, request: Request, principal: Principal, tenant_id: str, view: dict[str, Any],
                          what: str, default_why: str) -> None:
    """Lines name clients by the provider's client number, with their care and co-payments, as the realisation
    report does: shown, they go to the clients' access log (nothing when no line is shown)."""
    reader = reports.Reader.of(principal, request.headers.get("x-purpose"), default_why)
    await reports.log_read(ctx, reader, tenant_id, runs.clients_of_lines(view), what)


@router.get("/tenants/{tenant_id}/runs", tags=["runs"], response_model=RunPage)
async def list_runs(
    tenant_id: str,
    request: Request,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    session: AsyncSession = Depends(db_session, scope="function"),
    principal: Principal = Depends(require_roles(*STAFF)),
) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    return await runs.list_runs(settlement_deps(request).context(session), tenant_id, limit, offset)


@router.get("/tenants/{tenant_id}/runs/{run_id}", tags=["runs"], response_model=RunOut)
async def get_run(
    tenant_id: str,
    run_id: str,
    request: Request,
    response: Response,
    lines: bool = Query(True),
    session: AsyncSession = Depends(db_session, scope="function"),
    principal: Principal = Depends(require_roles(*STAFF)),
) -> dict[str, Any]:
    """The run and, once completed, `Seteli-Consistency`: the tokens of the news its work sent the events
    service (which events it paid). Sent back as `Seteli-After`, the events service answers a credit or a
    correction request of a paid event, or the event's "settled", only once it has that news (409
    not-yet-known until then, never "not settled")."""
    guard_tenant(principal, tenant_id)
    ctx = settlement_deps(request).context(session)
    run = await runs.run_or_404(ctx, tenant_id, run_id)
    answer_settled_tokens(response, await runs.settled_tokens(ctx, tenant_id, run))
    view = await runs.run_view(session, tenant_id, run, with_lines=lines)
    await _log_lines_read(ctx, request, principal, tenant_id, view, "run.lines", "settlement run")
    return view


def answer_settled_tokens(response: Response, tokens: tuple[Token, ...]) -> None:
    if tokens:
        response.headers[CONSISTENCY_HEADER] = header_value(tokens)


@router.get(
    "/tenants/{tenant_id}/runs/{run_id}/payment-file",
    tags=["outputs"],
    response_class=Response,
    responses={200: file_response("the SEPA pain.001 XML document", "application/xml")},
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
    settings: Any = service_runtime(request).settings
    document = await outputs.payment_file(
        settlement_deps(request).context(session),
        tenant_id,
        run_id,
        version=version or settings.pain_version,
        execution_date=execution_date,
    )
    return Response(
        document.xml,
        media_type="application/xml",
        headers={"Content-Disposition": content_disposition(document.filename)},
    )


@router.get(
    "/tenants/{tenant_id}/runs/{run_id}/payments/{payment_id}/specification.pdf",
    tags=["outputs"],
    response_class=Response,
    responses={200: file_response("the payment specification as a PDF", "application/pdf")},
)
async def specification(
    tenant_id: str,
    run_id: str,
    payment_id: int,
    request: Request,
    session: AsyncSession = Depends(db_session, scope="function"),
    principal: Principal = Depends(require_roles(*STAFF, Role.PROVIDER_ADMIN)),
) -> Response:
    """The provider's payment specification: clients only by the provider's own client number. Every read is
    written to the access log of each client it names (an ``X-Purpose`` header says why)."""
    guard_tenant(principal, tenant_id)
    pdf = await outputs.specification(
        settlement_deps(request).context(session),
        reports.Reader.of(principal, request.headers.get("x-purpose"), "payment specification", "pdf"),
        tenant_id,
        run_id,
        payment_id,
        only_provider=principal.role == Role.PROVIDER_ADMIN,
        provider_id=principal.provider_id,
    )
    # saved as the portal names it: a browser or a script keeps the file, not a nameless "specification.pdf"
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": content_disposition(f"specification-{payment_id}.pdf")})


@router.get("/tenants/{tenant_id}/events/{event_id}/lines", tags=["traceability"], response_model=TracedLinePage)
async def event_lines(
    tenant_id: str,
    event_id: str,
    request: Request,
    session: AsyncSession = Depends(db_session, scope="function"),
    principal: Principal = Depends(require_roles(*STAFF)),
) -> dict[str, Any]:
    """Every settlement line of an event (revisions, reversals, credits) and the run that paid it."""
    guard_tenant(principal, tenant_id)
    ctx = settlement_deps(request).context(session)
    traced = await runs.event_lines(ctx, tenant_id, event_id)
    reader = reports.Reader.of(principal, request.headers.get("x-purpose"), "settlement lines of an event")
    await reports.log_read(ctx, reader, tenant_id, traced.pop("clients"), "event.lines")
    return traced


@router.post("/settlement/scheduler/run-due", tags=["runs"], response_model=StartedRunsOut)
async def scheduler_run_due(
    request: Request, _: Principal = Depends(require_roles(Role.PLATFORM_ADMIN))
) -> dict[str, Any]:
    """Start every run whose transfer day has come (what worker processes do on their own)."""
    deps = settlement_deps(request)
    started = await run_due(deps)
    settings: Any = service_runtime(request).settings
    if settings.inline_jobs:
        for item in started:
            await work_run(deps, item["run_id"], wait_seconds=settings.job_lease_seconds)
    return {"started": started}
