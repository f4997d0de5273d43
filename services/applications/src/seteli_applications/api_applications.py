"""Applications HTTP API, part 2: applications, decisions, price lists."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field
from seteli_common.auth import TENANT_STAFF, Principal, Role, guard_tenant, require_roles
from seteli_common.idempotency import IdempotencyKey, fingerprint
from seteli_common.text import Lines, OneLine

from . import price_lists as pricing
from . import repository as repo
from . import service
from .api_deps import context, page
from .context import ApplicationsContext
from .domain import SAVED_STEPS
from .schemas import (
    ApplicationDetailOut,
    ApplicationPage,
    CompletenessOut,
    HistoryPage,
    PriceListOut,
    PriceListPage,
    PriceLookupOut,
    SigningDocumentOut,
)

router = APIRouter(prefix="/v1")
PROVIDER = require_roles(Role.PROVIDER_ADMIN, Role.PROVIDER_USER)
STAFF = require_roles(Role.TENANT_ADMIN, Role.TENANT_OFFICER)
ANYONE_INVOLVED = require_roles(Role.PROVIDER_ADMIN, Role.PROVIDER_USER, Role.TENANT_ADMIN, Role.TENANT_OFFICER)
State = Literal["draft", "submitted", "approved", "rejected", "returned"]
StepName = Literal["company", "sites", "operating_areas", "units", "employees", "subcontractors"]


class ApplicationIn(BaseModel):
    service_id: str = Field(examples=["0b6c1c9e-4f7a-4d62-9a57-6f0f1b0b3c11"])


class StepIn(BaseModel):
    ids: list[str] = Field(default=[], description="chosen sites / areas / units / employees / subcontractors",
                           examples=[["b1a4c7e0-site"]])
    notes: Lines = Field(default="", max_length=4000)


class PriceIn(BaseModel):
    content_id: str
    unit_price: str | int | float = Field(examples=["150.00"])


class PriceListIn(BaseModel):
    name: OneLine = Field(min_length=1, max_length=200, examples=["Toimipaikkahinnasto 1-2016"])
    start: date = Field(examples=["2016-01-01"])
    producer_part: str | None = Field(default=None, max_length=80,  # the column's width
                                      examples=[None, "site:b1a4c7e0-site", "unit:Ryhmäkoti Kuusi"],
                                      description="null = company level; site:<id>, unit:<name>, employee:<id>, "
                                                  "each chosen first in the application's step")
    prices: list[PriceIn]
    additional_info: Lines = Field(default="", max_length=4000)


class PriceListInfoIn(BaseModel):
    additional_info: Lines = Field(max_length=4000, examples=["Hinnat sisältävät arvonlisäveron"])


class SigningDocumentIn(BaseModel):
    accept_rulebook: bool = Field(examples=[True])


class SubmitIn(BaseModel):
    accept_rulebook: bool = Field(examples=[True])
    signature_assertion: str | None = Field(
        default=None, max_length=8000,
        description="the registry's signature assertion over this application's digest (POST /v1/signing/...)")


class DecisionIn(BaseModel):
    decision: Literal["approve", "reject", "return"] = Field(examples=["approve"])
    reason: Lines | None = Field(default=None, max_length=4000)
    missing: list[Annotated[OneLine, Field(max_length=1000)]] = Field(
        default=[], description="what the provider must complete (on return)")


def price_list_out(pl: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in pl.items() if k != "tenant_id"}
    out["prices"] = [{"content_id": cid, "unit_price": f"{price:.2f}"} for cid, price in pl["prices"].items()]
    return out


def application_out(app: dict[str, Any]) -> dict[str, Any]:
    out = dict(app)
    if "price_lists" in out:
        out["price_lists"] = [price_list_out(pl) for pl in out["price_lists"]]
    out["site_ids"] = app["steps"]["sites"]["ids"]
    out.pop("signature", None) if app.get("signature") is None else None
    return out


async def _view(ctx: ApplicationsContext, app: dict[str, Any]) -> dict[str, Any]:
    return application_out(await service.view(ctx, app))


@router.post("/tenants/{tenant_id}/applications", status_code=201,
             response_model=ApplicationDetailOut, tags=["applications"])
async def create_application(tenant_id: str, body: ApplicationIn, ctx: ApplicationsContext = Depends(context),
                             principal: Principal = Depends(PROVIDER)) -> dict[str, Any]:
    return await _view(ctx, await service.create(ctx, tenant_id, principal, body.service_id))


@router.get("/tenants/{tenant_id}/applications", response_model=ApplicationPage, tags=["applications"])
async def list_applications(tenant_id: str, state: State | None = None, service_id: str | None = None,
                            limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0),
                            ctx: ApplicationsContext = Depends(context),
                            principal: Principal = Depends(ANYONE_INVOLVED)) -> dict[str, Any]:
    """Providers see their own applications (filter by state), a provider user those of its service teams;
    tenant staff see the tenant's."""
    guard_tenant(principal, tenant_id)
    provider_id = None if principal.role in TENANT_STAFF or principal.role == Role.PLATFORM_ADMIN \
        else principal.provider_id
    rows, total = await repo.find_applications(ctx.session, tenant_id, provider_id=provider_id or None,
                                               service_id=service_id, states=[state] if state else None,
                                               limit=limit, offset=offset,
                                               service_ids=service.team_services(principal, tenant_id))
    return page([application_out(r) for r in rows], total)


@router.get("/tenants/{tenant_id}/applications/queue", response_model=ApplicationPage, tags=["applications"])
async def decision_queue(tenant_id: str, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0),
                         ctx: ApplicationsContext = Depends(context),
                         principal: Principal = Depends(STAFF)) -> dict[str, Any]:
    """Applications (and changes of approved ones) waiting for a decision, oldest sent first."""
    guard_tenant(principal, tenant_id)
    rows, total = await repo.find_applications(ctx.session, tenant_id, states=["submitted"],
                                               oldest_submitted_first=True, limit=limit, offset=offset)
    return page([application_out(r) for r in rows], total)


@router.get("/tenants/{tenant_id}/applications/{application_id}",
            response_model=ApplicationDetailOut, tags=["applications"])
async def get_application(tenant_id: str, application_id: str, ctx: ApplicationsContext = Depends(context),
                          principal: Principal = Depends(ANYONE_INVOLVED)) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    return await _view(ctx, await service.load(ctx, tenant_id, principal, application_id))


@router.put("/tenants/{tenant_id}/applications/{application_id}/steps/{step}",
            response_model=ApplicationDetailOut, tags=["applications"])
async def save_step(tenant_id: str, application_id: str, step: StepName, body: StepIn,
                    ctx: ApplicationsContext = Depends(context),
                    principal: Principal = Depends(PROVIDER)) -> dict[str, Any]:
    """Save one step (1-6) of the application; for an approved application this edits its change."""
    assert step in SAVED_STEPS
    return await _view(ctx, await service.save_step(ctx, tenant_id, principal, application_id, step,
                                                     body.model_dump()))


@router.get("/tenants/{tenant_id}/applications/{application_id}/completeness",
            response_model=CompletenessOut, tags=["applications"])
async def completeness(tenant_id: str, application_id: str, ctx: ApplicationsContext = Depends(context),
                       principal: Principal = Depends(ANYONE_INVOLVED)) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    missing = await service.summary(ctx, tenant_id, principal, application_id)
    return {"complete": not missing, "missing": [m.as_dict() for m in missing]}


@router.post("/tenants/{tenant_id}/applications/{application_id}/change", status_code=201,
             response_model=ApplicationDetailOut, tags=["applications"])
async def start_change(tenant_id: str, application_id: str, ctx: ApplicationsContext = Depends(context),
                       principal: Principal = Depends(PROVIDER)) -> dict[str, Any]:
    return await _view(ctx, await service.start_change(ctx, tenant_id, principal, application_id))


@router.post("/tenants/{tenant_id}/applications/{application_id}/price-lists", status_code=201,
             response_model=PriceListOut, tags=["price lists"])
async def add_price_list(tenant_id: str, application_id: str, body: PriceListIn,
                         ctx: ApplicationsContext = Depends(context), principal: Principal = Depends(PROVIDER),
                         idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    """A new price list (pending until the tenant approves it); on an approved application it opens a change.
    A repeated request with the same Idempotency-Key returns the list made the first time; the key with another
    request (another application, start or price) is refused with 422."""
    return price_list_out(await pricing.add(ctx, tenant_id, principal, application_id, body.model_dump(),
                                            idempotency_key, fingerprint(body, application_id)))


@router.delete("/tenants/{tenant_id}/applications/{application_id}/price-lists/{price_list_id}",
               status_code=204, tags=["price lists"])
async def remove_price_list(tenant_id: str, application_id: str, price_list_id: str,
                            ctx: ApplicationsContext = Depends(context),
                            principal: Principal = Depends(PROVIDER)) -> Response:
    await pricing.remove(ctx, tenant_id, principal, application_id, price_list_id)
    return Response(status_code=204)


@router.post("/tenants/{tenant_id}/applications/{application_id}/signing-document",
             response_model=SigningDocumentOut, tags=["applications"])
async def signing_document(tenant_id: str, application_id: str, body: SigningDocumentIn,
                           ctx: ApplicationsContext = Depends(context),
                           principal: Principal = Depends(PROVIDER)) -> dict[str, Any]:
    """The document to sign and its SHA-256 digest, once the application is complete (else the same 422 as
    sending); the digest goes to the registry's signing, whose assertion comes back to `submit`."""
    return await service.signing_document(ctx, tenant_id, principal, application_id, body.accept_rulebook)


@router.post("/tenants/{tenant_id}/applications/{application_id}/submit",
             response_model=ApplicationDetailOut, tags=["applications"])
async def submit(tenant_id: str, application_id: str, body: SubmitIn, ctx: ApplicationsContext = Depends(context),
                 principal: Principal = Depends(PROVIDER)) -> dict[str, Any]:
    """Accept the current rulebook and send, signed with strong identity; refused listing every missing
    item, or with a `reason` (signature_missing, _invalid, _expired, _digest_mismatch, _replayed,
    signer_not_authorised)."""
    app = await service.submit(ctx, tenant_id, principal, application_id, body.accept_rulebook,
                               body.signature_assertion)
    return await _view(ctx, app)


@router.post("/tenants/{tenant_id}/applications/{application_id}/decision",
             response_model=ApplicationDetailOut, tags=["applications"])
async def decide(tenant_id: str, application_id: str, body: DecisionIn, ctx: ApplicationsContext = Depends(context),
                 principal: Principal = Depends(STAFF)) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    app = await service.decide(ctx, tenant_id, principal, application_id, body.decision, body.reason,
                               body.missing)
    return await _view(ctx, app)


@router.get("/tenants/{tenant_id}/applications/{application_id}/history",
            response_model=HistoryPage, tags=["applications"])
async def history(tenant_id: str, application_id: str, ctx: ApplicationsContext = Depends(context),
                  principal: Principal = Depends(ANYONE_INVOLVED)) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    await service.load(ctx, tenant_id, principal, application_id)
    rows = await repo.history_of(ctx.session, tenant_id, application_id)
    return page(rows, len(rows))


@router.get("/tenants/{tenant_id}/price-lists", response_model=PriceListPage, tags=["price lists"])
async def list_price_lists(tenant_id: str, provider_id: str | None = None, service_id: str | None = None,
                           state: Literal["pending", "approved", "rejected"] | None = None,
                           limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0),
                           ctx: ApplicationsContext = Depends(context),
                           principal: Principal = Depends(ANYONE_INVOLVED)) -> dict[str, Any]:
    """Price lists with their validity (valid_from .. valid_until, null = until further notice)."""
    guard_tenant(principal, tenant_id)
    rows = await pricing.list_for(ctx, tenant_id, principal, provider_id, service_id, (state,) if state else ())
    return page([price_list_out(r) for r in rows[offset:offset + limit]], len(rows))


@router.patch("/tenants/{tenant_id}/price-lists/{price_list_id}", response_model=PriceListOut, tags=["price lists"])
async def set_price_list_info(tenant_id: str, price_list_id: str, body: PriceListInfoIn,
                              ctx: ApplicationsContext = Depends(context),
                              principal: Principal = Depends(PROVIDER)) -> dict[str, Any]:
    return price_list_out(await pricing.set_info(ctx, tenant_id, principal, price_list_id, body.additional_info))


@router.get("/tenants/{tenant_id}/price-lookup", response_model=PriceLookupOut, tags=["price lists"])
async def price_lookup(tenant_id: str, provider_id: str, service_id: str, content_id: str,
                       on: date = Query(alias="date"), producer_part: str | None = None,
                       ctx: ApplicationsContext = Depends(context),
                       principal: Principal = Depends(ANYONE_INVOLVED)) -> dict[str, Any]:
    """The unit price of a content for a producer part on a date (the event's date, not the recording date)."""
    guard_tenant(principal, tenant_id)
    return await pricing.lookup(ctx, tenant_id, principal, provider_id=provider_id, service_id=service_id,
                                content_id=content_id, producer_part=producer_part, day=on)
