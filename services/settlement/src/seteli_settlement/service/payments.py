"""Payments listed across runs: a provider's main user sees the company's own payments (to download their
specifications), tenant staff see all of the tenant's, optionally one provider's. Never commits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import quote

from seteli_common.clock import Month
from seteli_common.context import ServiceContext

from .. import repository as repo
from ..domain.settling import money_str


def _item(tenant_id: str, row: dict[str, Any]) -> dict[str, Any]:
    run_id, payment_id = row["run_id"], row["id"]
    return {
        "payment_id": payment_id,
        "run_id": run_id,
        "month": str(Month.of(row["month"])),
        "provider_id": row["provider_id"],
        "site_id": row["site_id"],
        "payee_name": row["payee_name"],
        "amount": money_str(Decimal(row["amount"])),
        "reference": row["reference"],
        "line_count": row["line_count"],
        # The payment itself is final once written; the run is "completed" when every payee is paid.
        "state": row["run_state"],
        "specification_state": row["spec_state"],
        "created_at": row["created_at"].isoformat(),
        "specification_url": (
            f"/v1/tenants/{quote(tenant_id, safe='')}/runs/{run_id}/payments/{payment_id}/specification.pdf"
        ),
    }


async def payments_page(
    ctx: ServiceContext, tenant_id: str, provider_id: str | None, limit: int, offset: int,
    months: list[str] | None = None,
) -> dict[str, Any]:
    """The tenant's payments (one provider's, if given; of the given months' runs), newest first, each with
    a link to its payment specification PDF."""
    firsts = [Month.parse(m).first for m in months] if months else None
    rows, total = await repo.payments_page(ctx.session, tenant_id, provider_id, limit, offset, months=firsts)
    return {"items": [_item(tenant_id, r) for r in rows], "total": total}
