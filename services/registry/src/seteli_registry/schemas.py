"""What the registry's provider-data, registration and signing operations answer: one named model per
response, so the OpenAPI document describes every field a client reads (issue 22). The older models
(ProviderOut, SiteOut, UserOut, BillingIn) live in api.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field
from seteli_common.pages import Page

RequestStatus = Literal["pending", "approved", "rejected"]

# One value of a company's catalog search information (an operating area, a need, a type of support):
# stored as a catalog tag of at most 100 characters (models.provider_tags.value).
SearchTag = Annotated[str, Field(max_length=100)]


class EmployeeOut(BaseModel):
    id: str
    provider_id: str
    site_id: str | None = Field(description="the site the person works at; null = the company")
    name: str
    title: str
    email: str
    phone: str
    created_at: datetime
    removed_at: datetime | None = Field(description="set when removed (listed only with include_removed)")


class EmployeePage(Page[EmployeeOut]):
    pass


class SubcontractorOut(BaseModel):
    id: str
    provider_id: str
    business_id: str
    name: str
    created_at: datetime
    removed_at: datetime | None


class SubcontractorPage(Page[SubcontractorOut]):
    pass


class LiabilityItemOut(BaseModel):
    check: str = Field(examples=["tax_debt_register"])
    state: str = Field(examples=["ok"])
    source: str
    evidence_date: str


class LiabilityCheckOut(BaseModel):
    id: str
    provider_id: str
    subject_business_id: str
    subcontractor_id: str | None = Field(description="null = the company itself")
    overall_state: str = Field(examples=["ok"])
    fetched_on: date = Field(description="the date in Helsinki when the registry was asked")
    checks: list[LiabilityItemOut]
    created_at: datetime


class LiabilityCheckPage(Page[LiabilityCheckOut]):
    pass


class AttachmentOut(BaseModel):
    id: str
    level: Literal["company", "site", "subcontractor"]
    owner_id: str
    type: str = Field(examples=["tyel_certificate"])
    filename: str
    content_type: str
    size: int
    valid_from: date | None
    valid_until: date | None
    liability_state: str | None
    liability_checked_on: date | None


class AttachmentPage(Page[AttachmentOut]):
    pass


class ContactPersonOut(BaseModel):
    name: str
    phone: str


class CourseOut(BaseModel):
    tenant_id: str
    id: str
    provider_id: str
    service_id: str
    year: int
    name: str
    start_date: date
    end_date: date
    contact_persons: list[ContactPersonOut]
    status: str
    updated_at: datetime


class CoursePage(Page[CourseOut]):
    pass


class ContactRequestOut(BaseModel):
    id: str
    name: str
    phone: str | None
    email: str | None
    message: str | None
    language: str
    created_at: datetime


class ContactRequestPage(Page[ContactRequestOut]):
    pass


class RegistrationDataOut(BaseModel):
    company_name: str
    business_id: str
    street_address: str
    postal_code: str
    city: str
    country: str
    first_name: str
    last_name: str
    email: str
    phone: str
    language: str


class CompanyRegisterOut(BaseModel):
    """What the company register (PRH/YTJ) says of the business id."""
    business_id: str
    name: str
    company_form: str | None = None
    street_address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    registers: dict[str, bool] = {}
    situations: list[str] = []
    trade_register_status: str | None = None
    active: bool


class RegistrationRequestOut(BaseModel):
    id: str
    tenant_id: str
    status: RequestStatus
    reason: str | None = None
    provider_id: str | None = Field(default=None, description="the company created on approval")
    data: RegistrationDataOut
    company_register: CompanyRegisterOut | None = Field(
        default=None, description="the company register's data, for the officer deciding")
    created_at: datetime


class RegistrationRequestListItemOut(BaseModel):
    id: str
    tenant_id: str
    business_id: str
    status: RequestStatus
    data: RegistrationDataOut
    created_at: datetime


class RegistrationRequestPage(Page[RegistrationRequestListItemOut]):
    pass


class SigningStartOut(BaseModel):
    state: str
    redirect_url: str = Field(description="where the signer identifies (Suomi.fi)")


class SigningCallbackOut(BaseModel):
    """First `identified` with where to go next (e-Authorizations); then `signed` with the assertion."""
    status: Literal["identified", "signed"]
    redirect_url: str | None = None
    assertion: str | None = Field(default=None, description="the signature assertion to send with the application")
    tenant_id: str | None = None
    application_id: str | None = None
    person_name: str | None = None
    roles: list[str] = []


class ExpiredAttachmentsOut(BaseModel):
    expired: int = Field(description="attachments newly marked expired by this run")
