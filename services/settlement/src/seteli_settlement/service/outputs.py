"""Output use cases: a run's payment file for the tenant's bank, a payment's specification PDF (on
request, and rendered for every payment that asks for it by e-mail). The documents themselves are
built by `domain.documents` from the rows read here. Never commits."""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from datetime import date

from seteli_common.clock import Month
from seteli_common.context import ServiceContext
from seteli_common.errors import conflict, invalid, not_found

from .. import repository as repo
from ..domain import documents
from ..domain.payment_file import PaymentFileError
from ..events import ClientRef, SpecificationReady
from .reports import Reader, log_read
from .runs import run_or_404, tenant_calendar

log = logging.getLogger("seteli.settlement.worker")


@dataclass(frozen=True)
class PaymentFile:
    xml: bytes
    filename: str


async def payment_file(
    ctx: ServiceContext, tenant_id: str, run_id: str, *, version: str, execution_date: date | None = None
) -> PaymentFile:
    """SEPA credit transfer initiation for the tenant's financial system, one transaction per payee; paid
    on `execution_date`, by default the run's transfer day (today, if that has passed)."""
    run = await run_or_404(ctx, tenant_id, run_id)
    if run["state"] != "completed":
        raise conflict("The run has not completed yet", code="run_not_completed")
    tenant = await repo.get_tenant(ctx.session, tenant_id)
    if tenant is None:
        raise conflict("The tenant's payer account is not known to settlement yet", code="payer_account_missing")
    payments = await repo.run_payments(ctx.session, tenant_id, run_id)
    if not any(p["amount"] > 0 for p in payments):
        raise conflict("The run pays nothing: there is no payment file", code="nothing_paid")
    if execution_date is not None and execution_date < ctx.today():
        # a bank refuses a day gone by, or pays at once without saying: the officer picks today or later
        raise invalid("execution_date", f"must not be before today ({ctx.today().isoformat()})",
                      code="execution_date_past")
    calendar = await tenant_calendar(ctx.session, tenant_id)
    when = execution_date or max(calendar.transfer_date(Month.of(run["month"])), ctx.today())
    try:
        xml = documents.payment_file(
            run,
            tenant,
            payments,
            created_at=ctx.clock.now(),
            execution_date=when,
            version=version,
        )
    except PaymentFileError as exc:
        raise conflict(f"The payment file cannot be written: {exc}", code="payment_file_failed") from None
    return PaymentFile(xml, f"seteli-{tenant_id}-{Month.of(run['month'])}-{run_id[:8]}.xml")


async def specification(
    ctx: ServiceContext, reader: Reader, tenant_id: str, run_id: str, payment_id: int, *, only_provider: bool,
    provider_id: str | None,
) -> bytes:
    """The provider's payment specification: clients only by the provider's own client number. With
    `only_provider` (a provider's user), a payment of another provider than `provider_id` is not found. It prints
    each client's care and co-payment, as a run's lines show them: read, it goes to those clients' access logs."""
    session = ctx.session
    run = await run_or_404(ctx, tenant_id, run_id)
    payment = await repo.get_payment(session, tenant_id, run_id, payment_id)
    if payment is None or (only_provider and provider_id != payment["provider_id"]):
        raise not_found("Payment")
    lines = await repo.specification_lines_of(session, tenant_id, run_id, payment_id)
    pdf = documents.specification_pdf(
        await repo.get_tenant(session, tenant_id),
        await repo.get_provider(session, payment["provider_id"]),
        payment,
        lines,
        await repo.tenant_services(session, tenant_id),
        Month.of(run["month"]),
        payment["created_at"],
        await repo.run_carryovers(session, tenant_id, run_id),
        await repo.set_offs_of_payment(session, tenant_id, payment_id),
    )
    if pdf is None:
        raise conflict("The specification cannot be printed (see the service log)", code="specification_failed")
    shown = [{"provider_id": payment["provider_id"], "client_ref": line["client_ref"]} for line in lines]
    await log_read(ctx, reader, tenant_id, shown, "payment.specification")
    return pdf


async def render_pending_specification(ctx: ServiceContext) -> bool:
    """Render one provider's payment specification and hand it to the notifications service. `ctx` is in
    the system scope (the next specification of any tenant); the payment row stays locked while
    rendering: a crash rolls back and another worker renders it. False: none was waiting."""
    session = ctx.session
    payment = await repo.claim_pending_specification(session)
    if payment is None:
        return False
    tenant_id = payment["tenant_id"]
    run = await repo.get_run(session, tenant_id, payment["run_id"])
    assert run is not None
    month = Month.of(run["month"])
    lines = await repo.specification_lines_of(session, tenant_id, payment["run_id"], payment["id"])
    try:
        pdf = documents.specification_pdf(
            await repo.get_tenant(session, tenant_id),
            await repo.get_provider(session, payment["provider_id"]),
            payment,
            lines,
            await repo.tenant_services(session, tenant_id),
            month,
            payment["created_at"],
            await repo.run_carryovers(session, tenant_id, payment["run_id"]),
            await repo.set_offs_of_payment(session, tenant_id, payment["id"]),
        )
    except Exception:  # a specification that cannot be printed must not block the queue
        log.exception("payment specification of payment %s failed", payment["id"])
        pdf = None
    if pdf is not None:
        await ctx.outbox.add(
            session,
            SpecificationReady(
                payment_id=str(payment["id"]),
                run_id=payment["run_id"],
                provider_id=payment["provider_id"],
                site_id=payment["site_id"],
                language=payment["language"],
                email=payment["email"],
                month=str(month),
                pdf_base64=base64.b64encode(pdf).decode(),
                clients=[ClientRef(provider_id=payment["provider_id"], client_ref=ref)
                         for ref in sorted({str(line["client_ref"]) for line in lines})],
            ),
            tenant_id=tenant_id,
        )
    await repo.set_spec_state(session, tenant_id, payment["id"], "sent" if pdf is not None else "failed")
    return True
