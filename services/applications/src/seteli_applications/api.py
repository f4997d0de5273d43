"""Applications HTTP API, part 1: tenant services (bootstrap.py assembles every router)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from seteli_common.auth import Principal, Role, current_principal, guard_tenant, require_roles
from seteli_common.text import Lines, OneLine

from . import tenant_services
from .api_deps import context
from .context import ApplicationsContext
from .schemas import ContentEndIn, PublicRulebookText, PublicTenants, RulebookVersionOut, ServiceOut, ServicePage

router = APIRouter(prefix="/v1")
TENANT_ADMIN = require_roles(Role.TENANT_ADMIN)

Unit = Literal["day", "month", "hour", "m2_month", "piece"]


class ContentIn(BaseModel):
    name_fi: OneLine = Field(min_length=1, max_length=200, examples=["Hoivapalvelumaksu / vrk"])
    name_sv: OneLine = Field(min_length=1, max_length=200, examples=["Vårdavgift / dygn"])
    unit: Unit = Field(examples=["day"])
    client_pays: bool = False


class ContentChangeIn(ContentIn):
    id: str | None = Field(default=None, description="an existing content to rename; omit to add a content")
    client_pays: bool | None = Field(  # type: ignore[assignment]
        default=None, description="left out: as it is for an existing content, the tenant pays for a new one")


class BandIn(BaseModel):
    from_day: int = Field(ge=0, description="day number of the interruption; 0 = departure day")
    to_day: int | None = Field(default=None, ge=0, description="null = open-ended")
    percentage: int = Field(ge=0, le=100)


class ReasonRuleIn(BaseModel):
    bands: list[BandIn] = Field(min_length=1)
    return_day_percentage: int = Field(default=100, ge=0, le=100)


class InterruptionRuleIn(BaseModel):
    valid_from: date | None = None
    reasons: dict[Literal["hospital", "holiday", "other"], ReasonRuleIn]


class CalendarIn(BaseModel):
    provider_deadline_day: int = 2
    approval_deadline_day: int = 3
    transfer_day: int = 4


class RequiredAttachmentIn(BaseModel):
    type: OneLine = Field(min_length=1, max_length=50, examples=["medication_plan"])  # registry: attachments.type
    name_fi: OneLine | None = Field(default=None, max_length=200, examples=["Lääkehoitosuunnitelma"])
    name_sv: OneLine | None = Field(default=None, max_length=200)


class RequiredAttachmentsIn(BaseModel):
    company: list[RequiredAttachmentIn | str] = []
    site: list[RequiredAttachmentIn | str] = []
    subcontractor: list[RequiredAttachmentIn | str] = []


class RulebookIn(BaseModel):
    effective_from: date = Field(examples=["2016-01-01"])
    text: Lines | None = Field(default=None, examples=["Palvelusetelin sääntökirja 2016 ..."])
    document_url: str | None = Field(default=None, max_length=1000, pattern=r"^https?://\S+$",
                                     examples=["https://www.kouvola.fi/palveluseteli/saantokirja-2016.pdf"])


_RULE_EXAMPLE: dict[str, Any] = {"valid_from": "2016-01-01", "reasons": {"hospital": {
    "bands": [{"from_day": 0, "to_day": 10, "percentage": 100}, {"from_day": 11, "to_day": None, "percentage": 0}],
    "return_day_percentage": 100}}}


class ServiceIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "name_fi": "Ikääntyneiden palveluasuminen", "name_sv": "Serviceboende för äldre", "kind": "voucher",
        "auto_recording": True, "contents": [{"name_fi": "Palveluasumisen hoivamaksu / vrk",
                                              "name_sv": "Vårdavgift för serviceboende / dygn",
                                              "unit": "day", "client_pays": False}],
        "required_attachments": {"site": [{"type": "medication_plan", "name_fi": "Lääkehoitosuunnitelma"}]},
        "interruption_rule": _RULE_EXAMPLE}]})

    name_fi: OneLine = Field(min_length=1, max_length=200)
    name_sv: OneLine = Field(min_length=1, max_length=200)
    kind: Literal["voucher", "purchased"]
    auto_recording: bool = False
    contents: list[ContentIn] = Field(min_length=1)
    required_attachments: RequiredAttachmentsIn | None = None
    interruption_rule: InterruptionRuleIn | None = Field(
        default=None, description="one rule: on a change, replaces the version of its valid_from or adds one")
    interruption_rules: list[InterruptionRuleIn] | None = Field(
        default=None, description="every version of the rule (replaces all); each valid from its date")
    calendar: CalendarIn | None = None
    rulebook_versions: list[RulebookIn] = []


class ServiceChangeIn(BaseModel):
    name_fi: OneLine | None = Field(default=None, min_length=1, max_length=200)
    name_sv: OneLine | None = Field(default=None, min_length=1, max_length=200)
    auto_recording: bool | None = None
    contents: list[ContentChangeIn] | None = None
    required_attachments: RequiredAttachmentsIn | None = None
    interruption_rule: InterruptionRuleIn | None = Field(
        default=None, description="one rule: on a change, replaces the version of its valid_from or adds one")
    interruption_rules: list[InterruptionRuleIn] | None = Field(
        default=None, description="every version of the rule (replaces all); each valid from its date")
    calendar: CalendarIn | None = None
    effective_from: date | None = Field(
        default=None, examples=["2027-01-01"],
        description="the day the change of names, auto-recording, contents, required attachments or calendar "
                    "takes effect (default today in Helsinki; not in the past): a later day stores it as a "
                    "scheduled change (answered in scheduled_changes), which a second change of the same day "
                    "replaces; the providers with an approved application are told at once")


def _service_data(body: BaseModel) -> dict[str, Any]:
    # a field sent as null changes nothing (none of these may be emptied: a service always has its names
    # and an auto-recording setting), like a field left out
    data = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    if getattr(body, "contents", None) is not None:  # each content whole (a change's unset client_pays: kept)
        data["contents"] = [content.model_dump() for content in body.contents]  # type: ignore[attr-defined]
    for key in ("interruption_rule", "required_attachments", "calendar"):
        value = getattr(body, key, None)
        if value is not None:
            data[key] = value.model_dump(mode="json")
    rules = getattr(body, "interruption_rules", None)
    if rules is not None:
        data["interruption_rules"] = [rule.model_dump(mode="json") for rule in rules]
    return data


@router.post("/tenants/{tenant_id}/services", status_code=201, response_model=ServiceOut, tags=["services"])
async def define_service(tenant_id: str, body: ServiceIn, ctx: ApplicationsContext = Depends(context),
                         principal: Principal = Depends(TENANT_ADMIN)) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    data = _service_data(body)
    data["auto_recording"] = body.auto_recording  # its default is not "set", so _service_data leaves it out
    data["rulebook_versions"] = [r.model_dump() for r in body.rulebook_versions]
    return await tenant_services.define_service(ctx, tenant_id, data)


@router.patch("/tenants/{tenant_id}/services/{service_id}", response_model=ServiceOut, tags=["services"])
async def change_service(tenant_id: str, service_id: str, body: ServiceChangeIn,
                         ctx: ApplicationsContext = Depends(context),
                         principal: Principal = Depends(TENANT_ADMIN)) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    return await tenant_services.change_service(ctx, tenant_id, service_id, _service_data(body))


@router.post("/tenants/{tenant_id}/services/{service_id}/rulebook-versions", status_code=201,
             response_model=RulebookVersionOut, tags=["services"])
async def add_rulebook_version(tenant_id: str, service_id: str, body: RulebookIn,
                               ctx: ApplicationsContext = Depends(context),
                               principal: Principal = Depends(TENANT_ADMIN)) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    return await tenant_services.add_rulebook_version(ctx, tenant_id, service_id, body.model_dump())


@router.get("/public/tenants", response_model=PublicTenants, tags=["public"])
async def public_tenants(ctx: ApplicationsContext = Depends(context)) -> dict[str, Any]:
    """Every municipality with its services open for applications and the rulebook in force: for residents
    comparing providers and companies choosing where to apply. No sign-in."""
    return await tenant_services.directory(ctx)


@router.get("/public/tenants/{tenant_id}/services/{service_id}/rulebook", response_model=PublicRulebookText,
            tags=["public"])
async def public_rulebook(tenant_id: str, service_id: str,
                          ctx: ApplicationsContext = Depends(context)) -> dict[str, Any]:
    """The rulebook in force for a service, to read before applying or choosing a provider. No sign-in."""
    return await tenant_services.public_rulebook(ctx, tenant_id, service_id)


@router.get("/tenants/{tenant_id}/services", response_model=ServicePage, tags=["services"])
async def list_services(tenant_id: str, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0),
                        ctx: ApplicationsContext = Depends(context),
                        principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)  # providers read every tenant's services; its staff and clients their own
    return await tenant_services.list_services(ctx, tenant_id, limit, offset)


@router.get("/tenants/{tenant_id}/services/{service_id}", response_model=ServiceOut, tags=["services"])
async def get_service(tenant_id: str, service_id: str,
                      as_of: date | None = Query(None, description="the service as it is (or will be) on this day; "
                                                                    "default today"),
                      ctx: ApplicationsContext = Depends(context),
                      principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    return await tenant_services.get_service(ctx, tenant_id, service_id, as_of)


@router.post("/tenants/{tenant_id}/services/{service_id}/contents/{content_id}/end", response_model=ServiceOut,
             tags=["services"])
async def end_content(tenant_id: str, service_id: str, content_id: str, body: ContentEndIn,
                      ctx: ApplicationsContext = Depends(context),
                      principal: Principal = Depends(TENANT_ADMIN)) -> dict[str, Any]:
    """Ends a content of the service from `ends_from` (today if empty; a later day is a scheduled change,
    listed and cancellable until then); the providers with an approved application are told. Answers the
    service."""
    guard_tenant(principal, tenant_id)
    return await tenant_services.end_content(ctx, tenant_id, service_id, content_id, body.ends_from)


@router.delete("/tenants/{tenant_id}/services/{service_id}/scheduled-changes/{change_id}", response_model=ServiceOut,
               tags=["services"])
async def cancel_scheduled_change(tenant_id: str, service_id: str, change_id: str,
                                  ctx: ApplicationsContext = Depends(context),
                                  principal: Principal = Depends(TENANT_ADMIN)) -> dict[str, Any]:
    """Withdraws a change scheduled for a later date (before that date); the providers concerned are told.
    Answers the service."""
    guard_tenant(principal, tenant_id)
    return await tenant_services.cancel_scheduled_change(ctx, tenant_id, service_id, change_id)
