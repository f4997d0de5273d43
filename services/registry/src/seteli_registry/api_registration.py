"""Registration requests, strong company identity, associations, course windows and jobs."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, EmailStr, Field
from seteli_common.auth import Principal, Role, guard_tenant, require_roles
from seteli_common.catalog_facets import ServiceLanguage
from seteli_common.errors import invalid, not_found
from seteli_common.text import Lines, OneLine
from seteli_common.validators import ValidationFailed, validate_business_id

from . import attachments, community, registration
from . import repository as repo
from .api import LinkIn, TokenOut, Website, _token_out, context
from .repository import lists
from .schemas import (
    AssociationOut,
    CompanyRegisterOut,
    CourseWindowOut,
    CourseWindowPage,
    ExpiredAttachmentsOut,
    InvitationOut,
    OrganisationPage,
    RedirectOut,
    RegistrationRequestOut,
    RegistrationRequestPage,
    SearchTag,
    StrongAuthorizedOut,
)
from .service import RegistryContext
from .signing import pseudonym_key

router = APIRouter(prefix="/v1")
TENANT_ADMIN = require_roles(Role.TENANT_ADMIN)


class RegistrationRequestIn(BaseModel):
    company_name: OneLine = Field(min_length=1, max_length=200, examples=["Hoivakoti Päivänsäde Oy"])
    business_id: str = Field(examples=["7019376-8"])
    street_address: OneLine = Field(min_length=1, max_length=200, examples=["Kauppalankatu 1"])
    postal_code: str = Field(pattern=r"^\d{5}$", examples=["45100"])
    city: OneLine = Field(min_length=1, max_length=100, examples=["Kouvola"])
    country: OneLine = Field("FI", max_length=100, examples=["FI"])
    # the main user is named "first last": together within the users.name column
    first_name: OneLine = Field(min_length=1, max_length=99, examples=["Maija"])
    last_name: OneLine = Field(min_length=1, max_length=100, examples=["Meikäläinen"])
    email: EmailStr = Field(examples=["maija@paivansade.fi"], description="the contact person's: becomes the username")
    phone: OneLine = Field(min_length=1, max_length=40, examples=["0401234567"])
    password: str = Field(examples=["Hyva-salasana-1"])
    password_again: str = Field(examples=["Hyva-salasana-1"])
    language: Literal["fi", "sv"] = "fi"
    company_email: EmailStr | None = Field(
        default=None, examples=["info@paivansade.fi"],
        description="the company's public address (provider card, its site, notices); none: the card shows none")


class DecisionIn(BaseModel):
    decision: Literal["approved", "rejected"]
    reason: Lines | None = Field(None, examples=["Yritys ei ole kaupparekisterissä"])


class AskMoreIn(BaseModel):
    message: str = Field(min_length=1, max_length=2000, examples=["Liittäkää kaupparekisteriote."],
                         description="what is missing: mailed to the company with a link to answer")


class AnswerLinkIn(BaseModel):
    token: str


class AnswerIn(BaseModel):
    token: str
    reply: str = Field(min_length=1, max_length=2000, examples=["Kaupparekisteriote on nyt liitteenä."])
    company_name: OneLine | None = Field(None, min_length=1, max_length=200, examples=["Hoivakoti Päivänsäde Oy"])
    street_address: OneLine | None = Field(None, min_length=1, max_length=200)
    postal_code: str | None = Field(None, pattern=r"^\d{5}$")
    city: OneLine | None = Field(None, min_length=1, max_length=100)
    first_name: OneLine | None = Field(None, min_length=1, max_length=99)
    last_name: OneLine | None = Field(None, min_length=1, max_length=100)
    phone: OneLine | None = Field(None, min_length=1, max_length=40)


class StrongStartIn(BaseModel):
    language: Literal["fi", "sv", "en"] = "fi"


class StrongStepIn(BaseModel):
    state: str
    code: str
    language: Literal["fi", "sv", "en"] = "fi"


class StrongFirstLoginIn(BaseModel):
    state: str
    business_id: str = Field(examples=["7019376-8"])
    email: EmailStr = Field(description="becomes the username", examples=["maija@paivansade.fi"])
    password: str = Field(examples=["Hyva-salasana-1"])
    language: Literal["fi", "sv"] = "fi"
    company_email: EmailStr | None = Field(
        default=None, examples=["info@paivansade.fi"],
        description="a company new to Seteli: its public address (provider card, notices); default: `email`")


class StrongLoginIn(BaseModel):
    state: str
    business_id: str = Field(examples=["7019376-8"])


class InvitationIn(BaseModel):
    email: EmailStr = Field(examples=["puheenjohtaja@omaishoitajat.fi"])
    language: Literal["fi", "sv"] = "fi"


class AssociationIn(BaseModel):
    token: str
    name: OneLine = Field(min_length=1, max_length=200, examples=["Kouvolan Omaishoitajat ry"])
    description: Lines = Field("", examples=["Vertaistukea omaishoitajille"])
    phone: OneLine = Field("", max_length=40)
    website: Website = ""
    street_address: OneLine = Field("", max_length=200)
    postal_code: str = Field("", pattern=r"^(\d{5})?$")
    city: OneLine = Field("", max_length=100)
    hide_address: bool = False
    extra_info: Lines = ""
    operating_areas: list[SearchTag] = []
    needs: list[SearchTag] = []
    support_types: list[SearchTag] = []
    service_languages: list[ServiceLanguage] = []


class WindowIn(BaseModel):
    opens_on: date = Field(examples=["2016-09-01"])
    closes_on: date = Field(examples=["2016-10-31"])


@router.post("/tenants/{tenant_id}/registration-requests", status_code=201, tags=["registration"],
             response_model=RegistrationRequestOut)
async def submit_request(tenant_id: str, body: RegistrationRequestIn, ctx: RegistryContext = Depends(context)
                         ) -> dict[str, Any]:
    return await registration.submit_request(ctx, tenant_id, body.model_dump())


@router.get("/tenants/{tenant_id}/registration-requests", tags=["registration"], response_model=RegistrationRequestPage)
async def list_requests(tenant_id: str, ctx: RegistryContext = Depends(context),
                        principal: Principal = Depends(TENANT_ADMIN), status: str | None = None,
                        limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0)) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    items, total = await lists.registration_requests_page(ctx.session, tenant_id, limit, offset, status=status)
    return {"items": items, "total": total}


@router.get("/tenants/{tenant_id}/registration-requests/{request_id}", tags=["registration"],
            response_model=RegistrationRequestOut)
async def view_request(tenant_id: str, request_id: str, ctx: RegistryContext = Depends(context),
                       principal: Principal = Depends(TENANT_ADMIN)) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    return await registration.view_request(ctx, tenant_id, request_id)


@router.post("/tenants/{tenant_id}/registration-requests/{request_id}/decision", tags=["registration"],
             response_model=RegistrationRequestOut)
async def decide(tenant_id: str, request_id: str, body: DecisionIn, ctx: RegistryContext = Depends(context),
                 principal: Principal = Depends(TENANT_ADMIN)) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    return await registration.decide(ctx, tenant_id, request_id, body.decision == "approved", body.reason,
                                     principal.subject)


@router.post("/tenants/{tenant_id}/registration-requests/{request_id}/more-info", tags=["registration"],
             response_model=RegistrationRequestOut)
async def ask_for_more(tenant_id: str, request_id: str, body: AskMoreIn, ctx: RegistryContext = Depends(context),
                       principal: Principal = Depends(TENANT_ADMIN)) -> dict[str, Any]:
    """Send a waiting request back to the company, saying what is missing (409 unless it waits)."""
    guard_tenant(principal, tenant_id)
    return await registration.ask_for_more(ctx, tenant_id, request_id, body.message, principal.subject)


@router.post("/registration-requests/by-link", tags=["registration"], response_model=RegistrationRequestOut)
async def request_by_link(body: AnswerLinkIn, ctx: RegistryContext = Depends(context)) -> dict[str, Any]:
    """The company's own request through its mailed link (the secret travels in the body, not the URL)."""
    return await registration.request_by_link(ctx, body.token)


@router.post("/registration-requests/by-link/answer", tags=["registration"], response_model=RegistrationRequestOut)
async def answer_request(body: AnswerIn, ctx: RegistryContext = Depends(context)) -> dict[str, Any]:
    """The company answers what the tenant asked, correcting its details: the request waits again."""
    details = body.model_dump(exclude={"token", "reply"})
    return await registration.answer_request(ctx, body.token, body.reply, details)


@router.get("/company-register/{business_id}", tags=["registration"], response_model=CompanyRegisterOut)
async def company_register(business_id: str, ctx: RegistryContext = Depends(context),
                           _: Principal = Depends(require_roles(Role.TENANT_ADMIN, Role.TENANT_OFFICER))
                           ) -> dict[str, Any]:
    try:
        business_id = validate_business_id(business_id)
    except ValidationFailed as exc:
        raise invalid("business_id", exc.reason) from exc
    info = await registration.company_info(ctx, business_id)
    if info is None:
        raise not_found("Company")
    return info


@router.post("/auth/strong/start", tags=["auth"], response_model=RedirectOut)
async def strong_start(body: StrongStartIn, ctx: RegistryContext = Depends(context)) -> dict[str, Any]:
    return await registration.strong_start(ctx, body.language)


@router.post("/auth/strong/identified", tags=["auth"], response_model=RedirectOut)
async def strong_identified(body: StrongStepIn, request: Request,
                            ctx: RegistryContext = Depends(context)) -> dict[str, Any]:
    runtime = request.app.state.runtime
    key = pseudonym_key(runtime.extras["issuer"], runtime.settings.person_pseudonym_key)
    return await registration.strong_identified(ctx, body.state, body.code, body.language, key)


@router.post("/auth/strong/authorized", tags=["auth"], response_model=StrongAuthorizedOut)
async def strong_authorized(body: StrongStepIn, ctx: RegistryContext = Depends(context)) -> dict[str, Any]:
    return await registration.strong_authorized(ctx, body.state, body.code)


@router.post("/auth/strong/first-login", response_model=TokenOut, tags=["auth"])
async def strong_first_login(body: StrongFirstLoginIn, request: Request,
                             ctx: RegistryContext = Depends(context)) -> TokenOut:
    runtime = request.app.state.runtime
    ttl = runtime.settings.access_token_ttl_seconds
    result = await registration.strong_first_login(ctx, runtime.extras["issuer"], body.state, body.business_id,
                                                   body.email, body.password, body.language, ttl,
                                                   company_email=body.company_email)
    return _token_out(result, ttl)


@router.post("/auth/strong/login", response_model=TokenOut, tags=["auth"])
async def strong_login(body: StrongLoginIn, request: Request, ctx: RegistryContext = Depends(context)) -> TokenOut:
    """Signing in again with strong identity, for a company the person signed up for that way."""
    runtime = request.app.state.runtime
    ttl = runtime.settings.access_token_ttl_seconds
    result = await registration.strong_login(ctx, runtime.extras["issuer"], body.state, body.business_id, ttl)
    return _token_out(result, ttl)


@router.post("/tenants/{tenant_id}/association-invitations", status_code=201, tags=["associations"],
             response_model=InvitationOut)
async def invite(tenant_id: str, body: InvitationIn, ctx: RegistryContext = Depends(context),
                 principal: Principal = Depends(TENANT_ADMIN)) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    if await repo.get_tenant(ctx.session, tenant_id) is None:
        raise not_found("Tenant")
    return await community.invite_association(ctx, tenant_id, body.email, body.language)


@router.post("/tenants/{tenant_id}/associations/{association_id}/link", status_code=202, tags=["associations"],
             response_model=InvitationOut)
async def send_association_link(tenant_id: str, association_id: str, ctx: RegistryContext = Depends(context),
                                principal: Principal = Depends(TENANT_ADMIN)) -> dict[str, Any]:
    """Mails the association a new link to its form; every older link stops working."""
    guard_tenant(principal, tenant_id)
    return await community.send_association_link(ctx, tenant_id, association_id)


@router.post("/associations/by-link", tags=["associations"], response_model=AssociationOut)
async def association_by_link(body: LinkIn, ctx: RegistryContext = Depends(context)) -> dict[str, Any]:
    """The association's current data (the link secret travels in the body, not the URL)."""
    return await community.association_by_link(ctx, body.token)


@router.put("/associations/by-link", tags=["associations"], response_model=AssociationOut)
async def fill_association(body: AssociationIn, ctx: RegistryContext = Depends(context)) -> dict[str, Any]:
    data = body.model_dump(exclude={"token"})
    return await community.fill_association(ctx, body.token, data)


@router.get("/tenants/{tenant_id}/organisations", tags=["associations"], response_model=OrganisationPage)
async def tenant_organisations(tenant_id: str, ctx: RegistryContext = Depends(context),
                               principal: Principal = Depends(require_roles(Role.TENANT_ADMIN, Role.TENANT_OFFICER)),
                               status: Literal["invited", "unconfirmed", "registered", "approved"] | None = None,
                               kind: Literal["company", "association"] | None = None,
                               limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0)) -> dict[str, Any]:
    """The companies and associations that work with the tenant, those waiting for approval first."""
    guard_tenant(principal, tenant_id)
    items, total = await lists.tenant_organisations_page(ctx.session, tenant_id, limit, offset, status=status,
                                                         kind=kind)
    return {"items": items, "total": total}


@router.put("/tenants/{tenant_id}/course-windows/{year}", tags=["courses"], response_model=CourseWindowOut)
async def open_window(tenant_id: str, year: int, body: WindowIn, ctx: RegistryContext = Depends(context),
                      principal: Principal = Depends(TENANT_ADMIN)) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    if await repo.get_tenant(ctx.session, tenant_id) is None:
        raise not_found("Tenant")
    return await community.open_window(ctx, tenant_id, year, body.opens_on, body.closes_on)


@router.get("/tenants/{tenant_id}/course-windows", tags=["courses"], response_model=CourseWindowPage)
async def list_windows(tenant_id: str, ctx: RegistryContext = Depends(context),
                       principal: Principal = Depends(require_roles(Role.TENANT_ADMIN, Role.TENANT_OFFICER)),
                       limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0)) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    items, total = await lists.course_windows_page(ctx.session, tenant_id, limit, offset)
    return {"items": items, "total": total}


@router.post("/jobs/expire-attachments", tags=["jobs"], response_model=ExpiredAttachmentsOut)
async def expire_attachments(ctx: RegistryContext = Depends(context),
                             _: Principal = Depends(require_roles(Role.PLATFORM_ADMIN))) -> dict[str, int]:
    """Daily: publish registry.attachment.expired for attachments past their validity (once each)."""
    return {"expired": await attachments.expire(ctx)}

