"""What the registry's provider-data, registration and signing operations answer: one named model per
response, so the OpenAPI document describes every field a client reads (issue 22). The older models
(ProviderOut, SiteOut, UserOut, BillingIn) live in api.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from seteli_common.pages import Page

RequestStatus = Literal["pending", "more_requested", "approved", "rejected"]

# One value of a company's catalog search information (an operating area, a need, a type of support):
# stored as a catalog tag of at most 100 characters (models.provider_tags.value).
SearchTag = Annotated[str, Field(max_length=100)]


class EmployeeOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "d1c13414-495d-5f0a-b786-0070a649bec8",
        "provider_id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf",
        "site_id": "510d5b90-483e-5ae1-87c1-1fa70a17041b",
        "name": "Hoivakoti Päivänsäde Oy",
        "title": "Maaliskuun tilitys",
        "email": "hoiva@paivansade.fi",
        "phone": "0401234567",
        "created_at": "2016-03-01T08:30:00Z",
        "removed_at": "2016-03-01T08:30:00Z",
    }]})
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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "d7ada453-38d3-5cb9-bbe8-02ad6c71afc0",
        "provider_id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf",
        "business_id": "2345678-0",
        "name": "Hoivakoti Päivänsäde Oy",
        "created_at": "2016-03-01T08:30:00Z",
        "removed_at": "2016-03-01T08:30:00Z",
    }]})
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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "4aac2e8f-5de5-513c-a154-56a320bc4795",
        "provider_id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf",
        "subject_business_id": "2345678-0",
        "subcontractor_id": "d7ada453-38d3-5cb9-bbe8-02ad6c71afc0",
        "overall_state": "ok",
        "fetched_on": "2016-03-01",
        "checks": [
            {"check": "tax_debt_register", "state": "ok", "source": "provider", "evidence_date": "2016-03-01"},
        ],
        "created_at": "2016-03-01T08:30:00Z",
    }]})
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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "29f65538-d39e-5816-aac4-8585168d064c",
        "level": "company",
        "owner_id": "f9b3a3e8-e65e-59dd-977b-001e850fe3e9",
        "type": "tyel_certificate",
        "filename": "tilitys-2016-03.pdf",
        "content_type": "application/pdf",
        "size": 20480,
        "valid_from": "2016-03-01",
        "valid_until": "2016-03-31",
        "liability_state": "ok",
        "liability_checked_on": "2016-03-01",
    }]})
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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "tenant_id": "kouvola",
        "id": "575050ff-4432-5af9-b2c9-523a703bebfc",
        "provider_id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf",
        "service_id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3",
        "year": 2016,
        "name": "Hoivakoti Päivänsäde Oy",
        "start_date": "2016-03-01",
        "end_date": "2016-03-31",
        "contact_persons": [{"name": "Kalle Kurssi", "phone": "0401234567"}],
        "status": "sent",
        "updated_at": "2016-03-31T09:15:00Z",
    }]})
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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "d9b622b3-f7dc-50eb-9227-c159a05b9adf",
        "name": "Hoivakoti Päivänsäde Oy",
        "phone": "0401234567",
        "email": "hoiva@paivansade.fi",
        "message": "Tilitys on valmis",
        "language": "fi",
        "created_at": "2016-03-01T08:30:00Z",
    }]})
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
    company_email: str | None = Field(default=None, description="the company's public address, if it gave one")


class CompanyRegisterOut(BaseModel):
    """What the company register (PRH/YTJ) says of the business id."""
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "business_id": "2345678-0",
        "name": "Hoivakoti Päivänsäde Oy",
        "company_form": "Osakeyhtiö",
        "street_address": "Kauppalankatu 1",
        "postal_code": "45100",
        "city": "Kouvola",
        "registers": {"fi": False},
        "situations": ["Situation"],
        "trade_register_status": "registered",
        "active": True,
    }]})
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


class RegistrationStepOut(BaseModel):
    """One step of a request's back-and-forth: the tenant asked for more, or the company answered."""
    action: Literal["more_requested", "answered"]
    at: datetime
    by: str = Field(description="the admin who asked, or the company's contact person who answered")
    text: str = Field(description="what was asked, or the answer")
    changed: list[str] = Field(default=[], description="the details the company corrected in its answer")


class RegistrationRequestOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "3091dd25-a0b6-5e8a-be5f-b13ea6d7ae85",
        "tenant_id": "kouvola",
        "status": "pending",
        "reason": "Asiakas oli sairaalassa 10.–14.3.2016",
        "provider_id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf",
        "data": {
            "company_name": "Hoivakoti Päivänsäde Oy",
            "business_id": "2345678-0",
            "street_address": "Kauppalankatu 1",
            "postal_code": "45100",
            "city": "Kouvola",
            "country": "FI",
            "first_name": "Aino",
            "last_name": "Asiakas",
            "email": "hoiva@paivansade.fi",
            "phone": "0401234567",
            "language": "fi",
        },
        "company_register": {
            "business_id": "2345678-0",
            "name": "Hoivakoti Päivänsäde Oy",
            "company_form": "Osakeyhtiö",
            "street_address": "Kauppalankatu 1",
            "postal_code": "45100",
            "city": "Kouvola",
            "registers": {"fi": False},
            "situations": ["Situation"],
            "trade_register_status": "registered",
            "active": True,
        },
        "created_at": "2016-03-01T08:30:00Z",
    }]})
    id: str
    tenant_id: str
    status: RequestStatus
    reason: str | None = None
    provider_id: str | None = Field(default=None, description="the company created on approval")
    data: RegistrationDataOut
    company_register: CompanyRegisterOut | None = Field(
        default=None, description="the company register's data, for the officer deciding")
    created_at: datetime
    answered_at: datetime | None = Field(
        default=None, description="the company answered the latest question (the request waits again)")
    history: list[RegistrationStepOut] = Field(default=[], description="questions and answers, oldest first")


class RegistrationRequestListItemOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "28f18482-815c-52e6-a51e-e8db2659b498",
        "tenant_id": "kouvola",
        "business_id": "2345678-0",
        "status": "pending",
        "data": {
            "company_name": "Hoivakoti Päivänsäde Oy",
            "business_id": "2345678-0",
            "street_address": "Kauppalankatu 1",
            "postal_code": "45100",
            "city": "Kouvola",
            "country": "FI",
            "first_name": "Aino",
            "last_name": "Asiakas",
            "email": "hoiva@paivansade.fi",
            "phone": "0401234567",
            "language": "fi",
        },
        "created_at": "2016-03-01T08:30:00Z",
    }]})
    id: str
    tenant_id: str
    business_id: str
    status: RequestStatus
    data: RegistrationDataOut
    created_at: datetime
    answered_at: datetime | None = Field(default=None, description="the company answered the tenant's question")


class RegistrationRequestPage(Page[RegistrationRequestListItemOut]):
    pass


class SigningStartOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "state": "approved",
        "redirect_url": "https://seteli.kouvola.fi/portal/",
    }]})
    state: str
    redirect_url: str = Field(description="where the signer identifies (Suomi.fi)")


class SigningCallbackOut(BaseModel):
    """First `identified` with where to go next (e-Authorizations); then `signed` with the assertion."""
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "status": "identified",
        "redirect_url": "https://seteli.kouvola.fi/portal/",
        "assertion": "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl",
        "tenant_id": "kouvola",
        "application_id": "6e9bce33-f17a-51fb-94d0-5273c17b1bb9",
        "person_name": "Maija Meikäläinen",
        "roles": ["tenant_admin"],
    }]})
    status: Literal["identified", "signed"]
    redirect_url: str | None = None
    assertion: str | None = Field(default=None, description="the signature assertion to send with the application")
    tenant_id: str | None = None
    application_id: str | None = None
    person_name: str | None = None
    roles: list[str] = []


class ExpiredAttachmentsOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"expired": 1}]})
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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "keys": [{"kty": "OKP", "kid": "registry-2016-03", "use": "sig", "alg": "ES256", "crv": "P-256", "x": "X"}],
    }]})
    keys: list[JwkOut]


class StatusOut(BaseModel):
    status: str = Field(examples=["sent"])


class ConfirmedRegistrationOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "user_id": "03d91116-004e-5bad-9356-ea2f01edaf92",
        "provider_id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf",
        "status": "sent",
    }]})
    user_id: str
    provider_id: str
    status: str


class RedirectOut(BaseModel):
    """A step of a sign-in with strong identity: where to send the person next, and the state to carry."""
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "state": "approved",
        "redirect_url": "https://seteli.kouvola.fi/portal/",
    }]})
    state: str
    redirect_url: str


class AuthorizedOrganisationOut(BaseModel):
    business_id: str
    name: str
    account: bool = Field(description="the company already has an account here")


class StrongAuthorizedOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "state": "approved",
        "person_name": "Maija Meikäläinen",
        "organisations": [{"business_id": "2345678-0", "name": "Hoivakoti Päivänsäde Oy", "account": False}],
    }]})
    state: str
    person_name: str
    organisations: list[AuthorizedOrganisationOut] = Field(
        description="the companies the person may act for (e-Authorizations)")


class InvitationOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "8743ff9f-9f34-5469-8f9c-6edb6c571cd8",
        "email": "hoiva@paivansade.fi",
        "status": "sent",
    }]})
    id: str
    email: str
    status: str


class AssociationOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "a6343880-51ad-5816-b990-e1e3a451f966",
        "business_id": "2345678-0",
        "kind": "voucher",
        "name": "Hoivakoti Päivänsäde Oy",
        "language": "fi",
        "email": "hoiva@paivansade.fi",
        "phone": "0401234567",
        "street_address": "Kauppalankatu 1",
        "postal_code": "45100",
        "city": "Kouvola",
        "hide_address": False,
        "status": "sent",
        "billing": {"iban": "FI4950009420028730", "bic": "OKOYFIHH", "reference": "1234561",
                    "email": "laskutus@paivansade.fi", "pdf_by_email": True},
        "contact_person": "Maija Meikäläinen",
        "description": "Ympärivuorokautinen hoiva Kouvolan keskustassa",
        "extra_info": "",
        "website": "https://www.paivansade.fi",
        "operating_areas": ["Operating area"],
        "units": ["day"],
        "needs": ["Need"],
        "support_types": ["Support type"],
        "service_languages": ["Service language"],
        "created_at": "2016-03-01T08:30:00Z",
    }]})
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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "b6c1be62-7242-5df8-8413-36f59c25007d",
        "kind": "company",
        "name": "Hoivakoti Päivänsäde Oy",
        "business_id": "2345678-0",
        "email": "hoiva@paivansade.fi",
        "status": "sent",
        "language": "fi",
        "via": "email",
        "since": "2016-03-01T08:30:00Z",
    }]})
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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "tenant_id": "kouvola",
        "year": 2016,
        "opens_on": "2016-03-01",
        "closes_on": "2016-03-31",
    }]})
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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "79fe4f7d-7d58-5163-9b57-1d74369f00ad",
        "organisations": [
            {
                "id": "858ecc9d-4d1d-5688-adb5-f7acd85e688b",
                "name": "Hoivakoti Päivänsäde Oy",
                "email": "hoiva@paivansade.fi",
                "phone": "0401234567",
            },
        ],
    }]})
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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "status": "sent",
        "access_token": "eyJhbGciOiJFUzI1NiIsImtpZCI6InJlZ2lzdHJ5LTEifQ.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl",
        "token_type": "bearer",
        "expires_in": 60,
        "tenant_id": "kouvola",
        "client_id": "9ab86260-d245-58f2-b74a-71c1b7085731",
        "name": "Hoivakoti Päivänsäde Oy",
        "state": "approved",
        "tenants": [
            {
                "id": "917f9039-1e1a-5e42-8acb-41f59291948b",
                "name_fi": "Ikääntyneiden tehostettu palveluasuminen",
                "name_sv": "Effektiviserat serviceboende för äldre",
            },
        ],
    }]})
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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "e28ac85c-7f9e-5969-a536-6db20cc503b1",
        "kind": "voucher",
        "name": "Hoivakoti Päivänsäde Oy",
        "description": "Ympärivuorokautinen hoiva Kouvolan keskustassa",
        "extra_info": "",
        "email": "hoiva@paivansade.fi",
        "phone": "0401234567",
        "website": "https://www.paivansade.fi",
        "street_address": "Kauppalankatu 1",
        "postal_code": "45100",
        "city": "Kouvola",
        "needs": ["Need"],
        "support_types": ["Support type"],
        "areas": ["Area"],
        "service_languages": ["Service language"],
    }]})
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
    phone: str | None = None
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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "c204d484-8fb8-564f-8aaa-28a2403d0c83",
        "kind": "voucher",
        "name": "Hoivakoti Päivänsäde Oy",
        "description": "Ympärivuorokautinen hoiva Kouvolan keskustassa",
        "extra_info": "",
        "email": "hoiva@paivansade.fi",
        "phone": "0401234567",
        "website": "https://www.paivansade.fi",
        "street_address": "Kauppalankatu 1",
        "postal_code": "45100",
        "city": "Kouvola",
        "needs": ["Need"],
        "support_types": ["Support type"],
        "areas": ["Area"],
        "service_languages": ["Service language"],
        "units": ["day"],
        "services": [
            {
                "tenant_id": "kouvola",
                "service_id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3",
                "name_fi": "Ikääntyneiden tehostettu palveluasuminen",
                "name_sv": "Effektiviserat serviceboende för äldre",
            },
        ],
        "sites": [
            {
                "id": "13225282-98da-51aa-81e9-6c97c901c737",
                "name": "Hoivakoti Päivänsäde Oy",
                "email": "hoiva@paivansade.fi",
                "extra_info": "",
                "street_address": "Kauppalankatu 1",
                "postal_code": "45100",
                "city": "Kouvola",
            },
        ],
        "courses": [
            {
                "id": "2f739a04-2461-569b-a11d-558d1020c694",
                "tenant_id": "kouvola",
                "year": 2016,
                "name": "Hoivakoti Päivänsäde Oy",
                "start_date": "2016-03-01",
                "end_date": "2016-03-31",
                "contact_persons": [{"fi": "Maija Meikäläinen"}],
            },
        ],
    }]})
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
    ended_from: date | None = Field(default=None, description="the day the content ends (it is not shown from "
                                                              "then on); null while it goes on")


class ComparisonPriceOut(BaseModel):
    content_id: str
    unit_price: str = Field(examples=["150.00"])


class ComparisonItemOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "provider_id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf",
        "provider_name": "Hoivakoti Päivänsäde Oy",
        "site_id": "510d5b90-483e-5ae1-87c1-1fa70a17041b",
        "site_name": "Päivänsäde Kouvola",
        "email": "hoiva@paivansade.fi",
        "street_address": "Kauppalankatu 1",
        "postal_code": "45100",
        "city": "Kouvola",
        "price_list_id": "7eaced7d-4190-580f-86de-0b85319c8543",
        "price_list_name": "150.00",
        "prices": [{"content_id": "56ba82c6-98ef-5d13-a432-cb2f39fe7769", "unit_price": "150.00"}],
        "additional_info": "Hinnat sisältävät arvonlisäveron",
    }]})
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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "tenant_id": "kouvola",
        "id": "e65af171-8668-5456-ac08-58aada40bda1",
        "provider_id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf",
        "service_id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3",
        "year": 2016,
        "name": "Hoivakoti Päivänsäde Oy",
        "start_date": "2016-03-01",
        "end_date": "2016-03-31",
        "contact_persons": [{"name": "Kalle Kurssi", "phone": "0401234567"}],
        "status": "sent",
        "updated_at": "2016-03-31T09:15:00Z",
        "provider_name": "Hoivakoti Päivänsäde Oy",
    }]})
    provider_name: str


class PublicCoursePage(Page[PublicCourseOut]):
    pass
