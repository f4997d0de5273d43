"""Payments listed across runs: a provider's main user sees the company's own payments (to download their
specifications), tenant staff see all of the tenant's, optionally one provider's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import StringConstraints
from seteli_common.auth import Principal, Role, guard_tenant, require_roles
from seteli_common.web import db_session
from sqlalchemy.ext.asyncio import AsyncSession

from .api import MONTH
from .api_deps import settlement_deps
from .schemas import PaymentPage
from .service import payments

router = APIRouter(prefix="/v1")
STAFF = (Role.TENANT_ADMIN, Role.TENANT_OFFICER)


@router.get(
    "/tenants/{tenant_id}/payments",
    tags=["outputs"],
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "items": [
                            {
                                "payment_id": 12,
                                "run_id": "3f0c6a56-6a4e-4f7c-9d59-0d1f2b3c4d5e",
                                "month": "2016-03",
                                "provider_id": "p-paivansade",
                                "site_id": None,
                                "payee_name": "Hoivakoti Päivänsäde Oy",
                                "amount": "3690.00",
                                "reference": "1234561",
                                "line_count": 2,
                                "state": "completed",
                                "specification_state": "sent",
                                "created_at": "2016-04-04T03:00:00+00:00",
                                "specification_url": "/v1/tenants/kouvola/runs/3f0c6a56-6a4e-4f7c-9d59-0d1f2b3c4d5e"
                                "/payments/12/specification.pdf",
                            }
                        ],
                        "total": 1,
                    }
                }
            }
        }
    },
    response_model=PaymentPage,
)
async def list_payments(
    tenant_id: str,
    request: Request,
    provider_id: str | None = Query(None, description="tenant staff: one provider's payments only"),
    month: list[Annotated[str, StringConstraints(pattern=MONTH)]] = Query(
        [], max_length=100, description="only the runs of these months (YYYY-MM, repeated)", examples=["2016-03"]),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    session: AsyncSession = Depends(db_session, scope="function"),
    principal: Principal = Depends(require_roles(*STAFF, Role.PROVIDER_ADMIN)),
) -> dict[str, Any]:
    """The tenant's payments, newest first, each with a link to its payment specification PDF.

    A provider's main user sees only the company's own payments, whatever `provider_id` says."""
    guard_tenant(principal, tenant_id)
    if principal.role == Role.PROVIDER_ADMIN:
        if not principal.provider_id or (provider_id is not None and provider_id != principal.provider_id):
            return {"items": [], "total": 0}
        provider_id = principal.provider_id
    ctx = settlement_deps(request).context(session)
    return await payments.payments_page(ctx, tenant_id, provider_id, limit, offset, months=month or None)
