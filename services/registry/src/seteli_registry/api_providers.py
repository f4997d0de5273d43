"""Provider HTTP API: company details, billing, sites, employees, subcontractors, attachments,
liability checks, provider users and courses."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile
from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, validate_email
from seteli_common.auth import PROVIDER_STAFF, Principal, Role, require_roles
from seteli_common.catalog_facets import ServiceLanguage
from seteli_common.errors import forbidden
from seteli_common.text import Lines, OneLine
from seteli_common.web import content_disposition, file_response

from . import accounts, attachments, community, providers, service
from . import repository as repo
from .api import BillingIn, Page, ProviderOut, SiteOut, UserOut, Website, context
from .repository import lists
from .schemas import (
    AttachmentOut,
    AttachmentPage,
    ContactRequestPage,
    CourseOut,
    CoursePage,
    EmployeeOut,
    EmployeePage,
    LiabilityCheckOut,
    LiabilityCheckPage,
    SearchTag,
    SubcontractorOut,
    SubcontractorPage,
)
from .service import RegistryContext

router = APIRouter(prefix="/v1/providers", tags=["providers"])
PHONE_DOC = ("the site's phone number: a Finnish one starting with 0 or an international one starting with +, "
             "6 to 15 digits with spaces, hyphens or brackets between them")
ANYONE = require_roles(Role.PROVIDER_ADMIN, Role.PROVIDER_USER, Role.TENANT_ADMIN, Role.TENANT_OFFICER)
ADMIN = require_roles(Role.PROVIDER_ADMIN)


# A unit is booked, priced and paid as the producer part "unit:<name>", which settlement and the catalog keep in
# 64 characters (models.catalog_price_lists.producer_part): a longer name could never reach a payment.
UnitName = Annotated[OneLine, Field(min_length=1, max_length=64 - len("unit:"))]


def may_write(principal: Principal, provider_id: str) -> None:
    accounts.require_provider_admin(principal, provider_id)


class DetailsIn(BaseModel):
    name: OneLine | None = Field(None, min_length=1, max_length=200, examples=["Hoivakoti Päivänsäde Oy"])
    email: str | None = Field(
        None, examples=["info@paivansade.fi"],
        description="the company's own address, shown on its public card; its notices go there. \"\": none "
                    "(the card shows no address, the notices go to the company's main user)")
    phone: OneLine | None = Field(None, max_length=40)
    street_address: OneLine | None = Field(None, max_length=200)
    postal_code: str | None = Field(None, pattern=r"^(\d{5})?$")
    city: OneLine | None = Field(None, max_length=100)
    hide_address: bool | None = Field(None, description="hide the address from clients")
    contact_person: OneLine | None = Field(None, max_length=200)
    description: Lines | None = Field(None, examples=["Kotihoidon palvelut Kouvolassa"])
    extra_info: Lines | None = Field(None, examples=["Palvelemme suomeksi ja ruotsiksi"])
    website: Website | None = None
    operating_areas: list[SearchTag] | None = Field(None, examples=[["Kouvola", "Iitti"]])
    units: list[UnitName] | None = Field(None, examples=[["A-talo"]])
    needs: list[SearchTag] | None = Field(None, examples=[["kotihoito"]])
    support_types: list[SearchTag] | None = None
    # the catalog's one list (needs and support types are open: an association names its own)
    service_languages: list[ServiceLanguage] | None = None

    @field_validator("email")
    @classmethod
    def _email_or_none(cls, value: str | None) -> str | None:
        return value if value is None or not value.strip() else validate_email(value.strip())[1]


class NewSiteIn(BaseModel):
    name: OneLine = Field(min_length=1, max_length=200, examples=["Päivänsäde, Kuusankoski"])
    provider_code: OneLine = Field("", max_length=50)
    notification_email: EmailStr = Field(examples=["kuusankoski@paivansade.fi"])
    street_address: OneLine = Field("", max_length=200)
    postal_code: str = Field("", pattern=r"^(\d{5})?$")
    city: OneLine = Field("", max_length=100)
    extra_info: Lines = ""
    phone: str | None = Field(None, max_length=40, examples=["05 123 4567"], description=PHONE_DOC)
    billing: BillingIn | None = None


class SiteChangeIn(BaseModel):
    name: OneLine | None = Field(None, min_length=1, max_length=200)
    provider_code: OneLine | None = Field(None, max_length=50)
    notification_email: EmailStr | None = None
    street_address: OneLine | None = Field(None, max_length=200)
    postal_code: str | None = Field(None, pattern=r"^(\d{5})?$")
    city: OneLine | None = Field(None, max_length=100)
    extra_info: Lines | None = None
    phone: str | None = Field(None, max_length=40, examples=["+358 40 123 4567"],
                              description=PHONE_DOC + "; empty or null clears it")


class EmployeeIn(BaseModel):
    name: OneLine = Field(min_length=1, max_length=200, examples=["Liisa Vastaava"])
    title: OneLine = Field("", max_length=200, examples=["vastaava sairaanhoitaja"])
    email: EmailStr | None = None
    phone: OneLine = Field("", max_length=40)
    site_id: str | None = None


class EmployeeChangeIn(BaseModel):
    """Each field optional; email or site_id given as null clears it."""
    name: OneLine | None = Field(None, min_length=1, max_length=200, examples=["Liisa Vastaava"])
    title: OneLine | None = Field(None, max_length=200, examples=["vastaava sairaanhoitaja"])
    email: EmailStr | None = None
    phone: OneLine | None = Field(None, max_length=40)
    site_id: str | None = None


class SubcontractorChangeIn(BaseModel):
    """Only the name: a different business id is a different subcontractor."""
    model_config = ConfigDict(extra="forbid")
    name: OneLine = Field(min_length=1, max_length=200, examples=["Siivous ja Kiilto Oy"])


class SubcontractorIn(BaseModel):
    business_id: str = Field(examples=["2077474-0"])
    name: OneLine = Field(min_length=1, max_length=200, examples=["Siivous Oy"])


class LiabilityIn(BaseModel):
    subcontractor_id: str | None = None


class TeamIn(BaseModel):
    tenant_id: str
    service_id: str


class ProviderUserIn(BaseModel):
    email: EmailStr = Field(examples=["hoitaja@paivansade.fi"])
    name: OneLine = Field(min_length=1, max_length=200, examples=["Heikki Hoitaja"])
    password: str = Field(description="initial password, changed at first login", examples=["Alku-salasana-1"])
    role: Literal["provider_admin", "provider_user"] = "provider_user"
    language: Literal["fi", "sv"] = "fi"
    teams: list[TeamIn] = []


class TeamsIn(BaseModel):
    teams: list[TeamIn]


class CourseIn(BaseModel):
    tenant_id: str = Field(examples=["kouvola"])
    year: int = Field(examples=[2017])
    service_id: str | None = None
    name: OneLine = Field(min_length=1, max_length=200, examples=["Sopeutumisvalmennuskurssi"])
    start_date: date
    end_date: date
    contact_persons: list[dict[str, str]] = Field(examples=[[{"name": "Kalle Kurssi", "phone": "0401234567"}]])


class CourseChangeIn(BaseModel):
    name: OneLine | None = Field(None, min_length=1, max_length=200)
    start_date: date | None = None
    end_date: date | None = None
    contact_persons: list[dict[str, str]] | None = None


def _dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(exclude_unset=True)


@router.post("/{provider_id}/approve", response_model=ProviderOut)
async def approve(provider_id: str, ctx: RegistryContext = Depends(context),
                  principal: Principal = Depends(require_roles(Role.TENANT_ADMIN))) -> dict[str, Any]:
    await providers.approve(ctx, provider_id, principal.tenant_id)
    return await service.provider_view(ctx, provider_id)


@router.patch("/{provider_id}", response_model=ProviderOut)
async def change_details(provider_id: str, body: DetailsIn, ctx: RegistryContext = Depends(context),
                         principal: Principal = Depends(ADMIN)) -> dict[str, Any]:
    may_write(principal, provider_id)
    await providers.update_details(ctx, provider_id, _dump(body))
    return await service.provider_view(ctx, provider_id)


@router.put("/{provider_id}/billing", response_model=BillingIn | None)
async def set_billing(provider_id: str, body: BillingIn | None = None, ctx: RegistryContext = Depends(context),
                      principal: Principal = Depends(ADMIN)) -> dict[str, Any] | None:
    may_write(principal, provider_id)
    return await providers.set_billing(ctx, provider_id, body.model_dump() if body else None)


@router.post("/{provider_id}/sites", status_code=201, response_model=SiteOut)
async def add_site(provider_id: str, body: NewSiteIn, ctx: RegistryContext = Depends(context),
                   principal: Principal = Depends(ADMIN)) -> dict[str, Any]:
    may_write(principal, provider_id)
    return await providers.add_site(ctx, provider_id, body.model_dump())


@router.patch("/{provider_id}/sites/{site_id}", response_model=SiteOut)
async def change_site(provider_id: str, site_id: str, body: SiteChangeIn, ctx: RegistryContext = Depends(context),
                      principal: Principal = Depends(ADMIN)) -> dict[str, Any]:
    may_write(principal, provider_id)
    return await providers.change_site(ctx, provider_id, site_id, _dump(body))


@router.put("/{provider_id}/sites/{site_id}/billing", response_model=BillingIn | None)
async def set_site_billing(provider_id: str, site_id: str, body: BillingIn | None = None,
                           ctx: RegistryContext = Depends(context),
                           principal: Principal = Depends(ADMIN)) -> dict[str, Any] | None:
    may_write(principal, provider_id)
    return await providers.set_billing(ctx, provider_id, body.model_dump() if body else None, site_id)


LIMIT = Query(50, ge=1, le=200)
OFFSET = Query(0, ge=0)
INCLUDE_REMOVED = Query(False, description="also the removed ones (each item has removed_at)")


@router.post("/{provider_id}/employees", status_code=201, response_model=EmployeeOut)
async def add_employee(provider_id: str, body: EmployeeIn, ctx: RegistryContext = Depends(context),
                       principal: Principal = Depends(ADMIN)) -> dict[str, Any]:
    may_write(principal, provider_id)
    return await providers.add_employee(ctx, provider_id, {**body.model_dump(), "email": body.email or ""})


@router.get("/{provider_id}/contact-requests", tags=["catalog"], response_model=ContactRequestPage)
async def list_contact_requests(provider_id: str, ctx: RegistryContext = Depends(context),
                                principal: Principal = Depends(ANYONE),
                                limit: int = LIMIT, offset: int = OFFSET) -> dict[str, Any]:
    """The contact requests residents sent the company from the catalog, newest first: for its own staff
    only (the resident consented to this company, not to the municipality)."""
    if principal.role != Role.PLATFORM_ADMIN and (principal.role not in PROVIDER_STAFF
                                                  or principal.provider_id != provider_id):
        raise forbidden("Only the company's own users read its contact requests")
    items, total = await lists.contact_requests_page(ctx.session, provider_id, limit, offset)
    return {"items": items, "total": total}


@router.get("/{provider_id}/employees", response_model=EmployeePage)
async def list_employees(provider_id: str, ctx: RegistryContext = Depends(context),
                         principal: Principal = Depends(ANYONE),
                         limit: int = LIMIT, offset: int = OFFSET,
                         include_removed: bool = INCLUDE_REMOVED) -> dict[str, Any]:
    await providers.may_read(ctx, principal, provider_id)
    items, total = await lists.employees_page(ctx.session, provider_id, limit, offset,
                                              include_removed=include_removed)
    return {"items": items, "total": total}


@router.patch("/{provider_id}/employees/{employee_id}", response_model=EmployeeOut)
async def change_employee(provider_id: str, employee_id: str, body: EmployeeChangeIn,
                          ctx: RegistryContext = Depends(context),
                          principal: Principal = Depends(ADMIN)) -> dict[str, Any]:
    may_write(principal, provider_id)
    return await providers.change_employee(ctx, provider_id, employee_id, _dump(body))


@router.delete("/{provider_id}/employees/{employee_id}", status_code=204)
async def remove_employee(provider_id: str, employee_id: str, ctx: RegistryContext = Depends(context),
                          principal: Principal = Depends(ADMIN)) -> None:
    """Soft removal: decided applications keep the id; the list leaves it out unless include_removed."""
    may_write(principal, provider_id)
    await providers.remove_employee(ctx, provider_id, employee_id)


@router.post("/{provider_id}/subcontractors", status_code=201, response_model=SubcontractorOut)
async def add_subcontractor(provider_id: str, body: SubcontractorIn, ctx: RegistryContext = Depends(context),
                            principal: Principal = Depends(ADMIN)) -> dict[str, Any]:
    may_write(principal, provider_id)
    return await providers.add_subcontractor(ctx, provider_id, body.model_dump())


@router.get("/{provider_id}/subcontractors", response_model=SubcontractorPage)
async def list_subcontractors(provider_id: str, ctx: RegistryContext = Depends(context),
                              principal: Principal = Depends(ANYONE), limit: int = LIMIT,
                              offset: int = OFFSET, include_removed: bool = INCLUDE_REMOVED) -> dict[str, Any]:
    await providers.may_read(ctx, principal, provider_id)
    items, total = await lists.subcontractors_page(ctx.session, provider_id, limit, offset,
                                                   include_removed=include_removed)
    return {"items": items, "total": total}


@router.patch("/{provider_id}/subcontractors/{subcontractor_id}", response_model=SubcontractorOut)
async def rename_subcontractor(provider_id: str, subcontractor_id: str, body: SubcontractorChangeIn,
                               ctx: RegistryContext = Depends(context),
                               principal: Principal = Depends(ADMIN)) -> dict[str, Any]:
    may_write(principal, provider_id)
    return await providers.rename_subcontractor(ctx, provider_id, subcontractor_id, body.name)


@router.delete("/{provider_id}/subcontractors/{subcontractor_id}", status_code=204)
async def remove_subcontractor(provider_id: str, subcontractor_id: str, ctx: RegistryContext = Depends(context),
                               principal: Principal = Depends(ADMIN)) -> None:
    """Soft removal: its attachments and liability checks stay as evidence; adding the same business id
    again brings it back."""
    may_write(principal, provider_id)
    await providers.remove_subcontractor(ctx, provider_id, subcontractor_id)


@router.post("/{provider_id}/liability-checks", status_code=201, response_model=LiabilityCheckOut)
async def check_liability(provider_id: str, body: LiabilityIn, ctx: RegistryContext = Depends(context),
                          principal: Principal = Depends(ADMIN)) -> dict[str, Any]:
    may_write(principal, provider_id)
    return await providers.check_liability(ctx, provider_id, body.subcontractor_id)


@router.get("/{provider_id}/liability-checks", response_model=LiabilityCheckPage)
async def list_liability_checks(provider_id: str, ctx: RegistryContext = Depends(context),
                                principal: Principal = Depends(ANYONE), limit: int = LIMIT,
                                offset: int = OFFSET) -> dict[str, Any]:
    await providers.may_read(ctx, principal, provider_id)
    items, total = await lists.liability_reports_page(ctx.session, provider_id, limit, offset)
    return {"items": items, "total": total}


ATTACHMENT_FIELDS = ("id", "level", "owner_id", "type", "filename", "content_type", "size", "valid_from",
                     "valid_until", "liability_state", "liability_checked_on")


def _attachment(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in ATTACHMENT_FIELDS}


@router.post("/{provider_id}/attachments", status_code=201, response_model=AttachmentOut)
async def add_attachment(provider_id: str, file: UploadFile = File(...),
                         type: str = Form(..., examples=["tyel_certificate"]),
                         level: Literal["company", "site", "subcontractor"] = Form("company"),
                         owner_id: str | None = Form(None), valid_from: date | None = Form(None),
                         valid_until: date | None = Form(None), ctx: RegistryContext = Depends(context),
                         principal: Principal = Depends(ADMIN)) -> dict[str, Any]:
    may_write(principal, provider_id)
    data = await file.read(ctx.settings.attachment_max_bytes + 1)  # one byte more tells "too large"
    return _attachment(await attachments.add(ctx, provider_id, level=level, owner_id=owner_id, type_=type,
                                             filename=file.filename or "attachment", data=data,
                                             valid_from=valid_from, valid_until=valid_until))


@router.put("/{provider_id}/attachments/{attachment_id}", response_model=AttachmentOut)
async def replace_attachment(provider_id: str, attachment_id: str, file: UploadFile = File(...),
                             valid_from: date | None = Form(None), valid_until: date | None = Form(None),
                             ctx: RegistryContext = Depends(context),
                             principal: Principal = Depends(ADMIN)) -> dict[str, Any]:
    may_write(principal, provider_id)
    data = await file.read(ctx.settings.attachment_max_bytes + 1)
    return _attachment(await attachments.replace(ctx, provider_id, attachment_id,
                                                 filename=file.filename or "attachment", data=data,
                                                 valid_from=valid_from, valid_until=valid_until))


@router.delete("/{provider_id}/attachments/{attachment_id}", status_code=204)
async def delete_attachment(provider_id: str, attachment_id: str, ctx: RegistryContext = Depends(context),
                            principal: Principal = Depends(ADMIN)) -> None:
    may_write(principal, provider_id)
    await attachments.remove(ctx, provider_id, attachment_id)


@router.get("/{provider_id}/attachments", response_model=AttachmentPage)
async def list_attachments(provider_id: str, ctx: RegistryContext = Depends(context),
                           principal: Principal = Depends(ANYONE), limit: int = LIMIT,
                           offset: int = OFFSET, include_removed: bool = INCLUDE_REMOVED) -> dict[str, Any]:
    """The current attachments; those of a removed subcontractor stay (evidence of past checks) and are
    listed with include_removed."""
    await providers.may_read(ctx, principal, provider_id)
    items, total = await lists.attachments_page(ctx.session, provider_id, limit, offset,
                                                include_removed=include_removed)
    return {"items": [_attachment(r) for r in items], "total": total}


@router.get("/{provider_id}/attachments/{attachment_id}/content", response_class=Response,
            responses={200: file_response("the attachment's file, in its own media type", "application/octet-stream")})
async def attachment_content(provider_id: str, attachment_id: str, ctx: RegistryContext = Depends(context),
                             principal: Principal = Depends(ANYONE)) -> Response:
    await providers.may_read(ctx, principal, provider_id)
    row = await attachments.get(ctx, provider_id, attachment_id)
    return Response(await ctx.ports.blobs.get(row["blob_key"]), media_type=row["content_type"],
                    headers={"Content-Disposition": content_disposition(row["id"])})


@router.post("/{provider_id}/users", status_code=201, response_model=UserOut, tags=["users"])
async def create_user(provider_id: str, body: ProviderUserIn, ctx: RegistryContext = Depends(context),
                      principal: Principal = Depends(ADMIN)) -> dict[str, Any]:
    may_write(principal, provider_id)
    return await accounts.create_provider_user(ctx, provider_id, body.model_dump())


@router.get("/{provider_id}/users", response_model=Page, tags=["users"])
async def list_users(provider_id: str, ctx: RegistryContext = Depends(context), principal: Principal = Depends(ADMIN),
                     limit: int = LIMIT, offset: int = OFFSET) -> dict[str, Any]:
    may_write(principal, provider_id)
    items, total = await repo.users_page(ctx.session, limit, offset, provider_id=provider_id)
    return {"items": items, "total": total}


@router.post("/{provider_id}/users/{user_id}/passivate", response_model=UserOut, tags=["users"])
async def passivate(provider_id: str, user_id: str, ctx: RegistryContext = Depends(context),
                    principal: Principal = Depends(ADMIN)) -> dict[str, Any]:
    may_write(principal, provider_id)
    return await accounts.passivate(ctx, principal, provider_id, user_id)


@router.post("/{provider_id}/users/{user_id}/activate", response_model=UserOut, tags=["users"])
async def activate(provider_id: str, user_id: str, ctx: RegistryContext = Depends(context),
                   principal: Principal = Depends(ADMIN)) -> dict[str, Any]:
    """Activate a passivated user of the company again."""
    may_write(principal, provider_id)
    return await accounts.activate(ctx, principal, provider_id, user_id)


@router.put("/{provider_id}/users/{user_id}/teams", response_model=UserOut, tags=["users"])
async def set_teams(provider_id: str, user_id: str, body: TeamsIn, ctx: RegistryContext = Depends(context),
                    principal: Principal = Depends(ADMIN)) -> dict[str, Any]:
    may_write(principal, provider_id)
    return await accounts.set_teams(ctx, provider_id, user_id, [t.model_dump() for t in body.teams])


@router.post("/{provider_id}/courses", status_code=201, tags=["courses"], response_model=CourseOut)
async def add_course(provider_id: str, body: CourseIn, ctx: RegistryContext = Depends(context),
                     principal: Principal = Depends(ADMIN)) -> dict[str, Any]:
    may_write(principal, provider_id)
    return await community.add_course(ctx, provider_id, body.model_dump())


@router.patch("/{provider_id}/courses/{course_id}", tags=["courses"], response_model=CourseOut)
async def change_course(provider_id: str, course_id: str, body: CourseChangeIn,
                        ctx: RegistryContext = Depends(context), principal: Principal = Depends(ADMIN)
                        ) -> dict[str, Any]:
    may_write(principal, provider_id)
    return await community.change_course(ctx, provider_id, course_id, _dump(body))


@router.get("/{provider_id}/courses", tags=["courses"], response_model=CoursePage)
async def list_courses(provider_id: str, ctx: RegistryContext = Depends(context),
                         principal: Principal = Depends(ANYONE),
                       limit: int = LIMIT, offset: int = OFFSET) -> dict[str, Any]:
    await providers.may_read(ctx, principal, provider_id)
    own_tenant = None
    if principal.tenant_id is not None and principal.role not in PROVIDER_STAFF:
        own_tenant = principal.tenant_id  # a tenant sees its own courses
    items, total = await lists.provider_courses_page(ctx.session, provider_id, limit, offset, tenant_id=own_tenant)
    return {"items": items, "total": total}


