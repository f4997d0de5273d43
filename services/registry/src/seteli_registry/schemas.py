"""What the registry's provider-data, registration and signing operations answer: one named model per
response, so the OpenAPI document describes every field a client reads (issue 22). The older models
(ProviderOut, SiteOut, UserOut, BillingIn) live in api.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
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
    source: str | None = None
    evidence_date: str | None = None


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


class CourseOut(BaseModel):
    tenant_id: str
    id: str
    provider_id: str
    service_id: str | None = Field(description="the service the course belongs to, if named")
    year: int
    name: str
    start_date: date
    end_date: date
    contact_persons: list[dict[str, str]] = Field(examples=[[{"name": "Kalle Kurssi", "phone": "0401234567"}]])
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


class JwkOut(BaseModel):
    """One public signing key (RFC 7517); other members of the key are passed through as they are."""
    model_config = ConfigDict(extra="allow")

    kty: str = Field(examples=["OKP"])
    kid: str
    use: str | None = None
    alg: str | None = None
    crv: str | None = None
    x: str | None = None


class JwksOut(BaseModel):
    keys: list[JwkOut]


class StatusOut(BaseModel):
    status: str = Field(examples=["sent"])


class ConfirmedRegistrationOut(BaseModel):
    user_id: str
    provider_id: str
    status: str


class RedirectOut(BaseModel):
    """A step of a sign-in with strong identity: where to send the person next, and the state to carry."""
    state: str
    redirect_url: str


class AuthorizedOrganisationOut(BaseModel):
    business_id: str
    name: str
    account: bool = Field(description="the company already has an account here")


class StrongAuthorizedOut(BaseModel):
    state: str
    person_name: str
    organisations: list[AuthorizedOrganisationOut] = Field(
        description="the companies the person may act for (e-Authorizations)")


class InvitationOut(BaseModel):
    id: str
    email: str
    status: str


class AssociationOut(BaseModel):
    id: str
    business_id: str | None
    kind: str
    name: str
    language: str
    email: str
    phone: str
    street_address: str
    postal_code: str
    city: str
    hide_address: bool
    status: str
    billing: dict[str, Any] | None
    contact_person: str
    description: str
    extra_info: str
    website: str
    operating_areas: list[str]
    units: list[str]
    needs: list[str]
    support_types: list[str]
    service_languages: list[str]
    created_at: datetime


class OrganisationOut(BaseModel):
    id: str
    kind: Literal["company", "association"] | str
    name: str
    business_id: str | None
    email: str
    status: str
    language: str
    via: str = Field(description="how it came to the municipality: an application, a registration, an invitation")
    since: datetime


class OrganisationPage(Page[OrganisationOut]):
    pass


class CourseWindowOut(BaseModel):
    tenant_id: str
    year: int
    opens_on: date
    closes_on: date


class CourseWindowPage(Page[CourseWindowOut]):
    pass


class ContactedOrganisationOut(BaseModel):
    id: str
    name: str
    email: str | None
    phone: str | None


class ContactRequestSentOut(BaseModel):
    id: str
    organisations: list[ContactedOrganisationOut] = Field(description="who received the request")


class ResidentTenantOut(BaseModel):
    id: str
    name_fi: str
    name_sv: str


class ResidentSignInOut(BaseModel):
    """Signed in (a token for the client in one municipality), or, for a person who is a client in several,
    `choose_tenant` with the municipalities to choose from and the state to carry. Members that do not
    belong to the answer are left out (a choice carries no token)."""
    status: str
    access_token: str | None = None
    token_type: str | None = None
    expires_in: int | None = None
    tenant_id: str | None = None
    client_id: str | None = None
    name: str | None = None
    state: str | None = None
    tenants: list[ResidentTenantOut] | None = None


class CatalogProviderOut(BaseModel):
    """A provider as the public catalog shows it; the address is null where the company hides it."""
    id: str
    kind: str
    name: str
    description: str
    extra_info: str
    email: str
    phone: str
    website: str
    street_address: str | None
    postal_code: str | None
    city: str | None
    needs: list[str]
    support_types: list[str]
    areas: list[str] = Field(description="the operating areas, as the company names them")
    service_languages: list[str]


class CatalogFilterOut(BaseModel):
    name: str
    value: str
    remove: str = Field(description="the query string of the same search without this filter")


class CatalogSearchOut(BaseModel):
    items: list[CatalogProviderOut]
    total: int
    limit: int
    offset: int
    filters: list[CatalogFilterOut]


class CatalogServiceOut(BaseModel):
    tenant_id: str
    service_id: str
    name_fi: str
    name_sv: str


class CatalogSiteOut(BaseModel):
    id: str
    name: str
    email: str
    extra_info: str
    street_address: str | None
    postal_code: str | None
    city: str | None


class CatalogCourseOut(BaseModel):
    id: str
    tenant_id: str
    year: int
    name: str
    start_date: date
    end_date: date
    contact_persons: list[dict[str, str]]


class CatalogCardOut(CatalogProviderOut):
    units: list[str]
    services: list[CatalogServiceOut] = Field(description="the municipalities' services it is approved for")
    sites: list[CatalogSiteOut]
    courses: list[CatalogCourseOut] = Field(description="its published courses, by start date")


class ComparisonContentOut(BaseModel):
    content_id: str
    name_fi: str
    name_sv: str | None = Field(default=None, description="null where the service was defined without it")
    unit: str
    client_pays: bool | None = None


class ComparisonPriceOut(BaseModel):
    content_id: str
    unit_price: str = Field(examples=["150.00"])


class ComparisonItemOut(BaseModel):
    provider_id: str
    provider_name: str
    site_id: str
    site_name: str
    email: str
    street_address: str | None
    postal_code: str | None
    city: str | None
    price_list_id: str
    price_list_name: str
    prices: list[ComparisonPriceOut]
    additional_info: str


class ComparisonOut(BaseModel):
    """Each site of an approved provider with the price list valid today (the site's own, else the
    company's), to compare prices of one service."""
    tenant_id: str
    service_id: str
    name_fi: str
    name_sv: str
    contents: list[ComparisonContentOut]
    items: list[ComparisonItemOut]
    total: int


class PublicCourseOut(CourseOut):
    provider_name: str


class PublicCoursePage(Page[PublicCourseOut]):
    pass
