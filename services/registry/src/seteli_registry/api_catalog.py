"""Public catalog: search, provider card, price comparison, contact requests and courses. No login."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, EmailStr, Field
from seteli_common.text import Lines, OneLine

from . import catalog, community
from .api import context
from .repository import lists
from .schemas import CatalogCardOut, CatalogSearchOut, ComparisonOut, ContactRequestSentOut, PublicCoursePage
from .service import RegistryContext

router = APIRouter(prefix="/v1/catalog", tags=["catalog"])


class ContactRequestIn(BaseModel):
    organisation_ids: list[str] = Field(min_length=1, max_length=50,
                                        description="one organisation, or all organisations of the tray")
    name: OneLine | None = Field(None, max_length=200, examples=["Aino Asukas"])
    phone: str | None = Field(None, pattern=r"^\+?[0-9 ()-]{5,20}$", examples=["0401234567"])
    email: EmailStr | None = Field(None, examples=["aino@kouvola.fi"])
    message: Lines | None = Field(None, max_length=2000, examples=["Toivon soittoa iltapäivällä."])
    consent: bool = Field(description="the resident agrees that the organisations receive these details")
    sent_by_professional: bool = False
    tenant_id: str | None = Field(None, max_length=64, description="the municipality the resident lives in")
    language: Literal["fi", "sv"] = "fi"


@router.get("/providers", response_model=CatalogSearchOut)
async def search(ctx: RegistryContext = Depends(context), q: str | None = Query(None, max_length=200),
                 need: str | None = None, support: str | None = None, area: str | None = None,
                 language: str | None = None, tenant_id: str | None = None, service_id: str | None = None,
                 limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0)) -> dict[str, Any]:
    """Search approved providers and associations; `filters` lists the active ones, each with the
    query string that removes it."""
    filters = {"q": q, "need": need, "support": support, "area": area, "language": language,
               "tenant_id": tenant_id, "service_id": service_id}
    return await catalog.search(ctx, filters, limit, offset)


@router.get("/providers/{provider_id}", response_model=CatalogCardOut)
async def card(provider_id: str, ctx: RegistryContext = Depends(context)) -> dict[str, Any]:
    return await catalog.card(ctx, provider_id)


@router.get("/tenants/{tenant_id}/services/{service_id}/comparison", response_model=ComparisonOut)
async def comparison(tenant_id: str, service_id: str, ctx: RegistryContext = Depends(context)) -> dict[str, Any]:
    return await catalog.comparison(ctx, tenant_id, service_id)


@router.post("/contact-requests", status_code=201, response_model=ContactRequestSentOut)
async def contact_request(body: ContactRequestIn, ctx: RegistryContext = Depends(context)) -> dict[str, Any]:
    return await community.contact_request(ctx, body.model_dump())


@router.get("/courses", response_model=PublicCoursePage)
async def list_courses(ctx: RegistryContext = Depends(context), tenant_id: str | None = None,
                       year: int | None = None, service_id: str | None = None,
                       limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0)) -> dict[str, Any]:
    items, total = await lists.published_courses_page(ctx.session, limit, offset, tenant_id=tenant_id, year=year,
                                                      service_id=service_id)
    return {"items": items, "total": total}
