"""Registry HTTP API: thin translation between HTTP and the use cases in service.py."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field
from seteli_common import pages
from seteli_common.auth import (
    Principal,
    Role,
    guard_tenant,
    optional_principal,
    require_roles,
)
from seteli_common.errors import ProblemError, forbidden, not_found, unauthorized
from seteli_common.text import OneLine
from seteli_common.validators import validate_website
from seteli_common.web import db_session
from sqlalchemy.ext.asyncio import AsyncSession

from . import accounts, service, tenant_settings
from . import repository as repo
from .providers import works_with
from .repository import providers as provider_queries
from .schemas import ConfirmedRegistrationOut, JwksOut, StatusOut
from .service import RegistryContext

# an organisation's public web address: http(s) only, so a link on its card can't run script
Website = Annotated[str, AfterValidator(validate_website)]

router = APIRouter(prefix="/v1")
well_known = APIRouter()


class TenantIn(BaseModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", examples=["kouvola"])
    name_fi: OneLine = Field(min_length=1, max_length=200, examples=["Kouvolan kaupunki"])
    name_sv: OneLine = Field(min_length=1, max_length=200, examples=["Kouvola stad"])
    business_id: str = Field(examples=["0111000-0"])
    languages: list[Literal["fi", "sv"]] = Field(min_length=1, examples=[["fi"]])
    payer_iban: str = Field(examples=["FI2112345600000785"])
    payer_bic: str = Field(examples=["NDEAFIHH"])


class TenantOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "kouvola",
        "name_fi": "Ikääntyneiden tehostettu palveluasuminen",
        "name_sv": "Effektiviserat serviceboende för äldre",
        "business_id": "2345678-0",
        "languages": ["fi"],
        "payer_iban": "FI2112345600000785",
        "payer_bic": "NDEAFIHH",
        "interruptions_need_approval": False,
    }]})
    id: str
    name_fi: str
    name_sv: str
    business_id: str
    languages: list[str]
    payer_iban: str
    payer_bic: str
    interruptions_need_approval: bool = False


class TenantSettingsIn(BaseModel):
    languages: list[Literal["fi", "sv"]] = Field(min_length=1, examples=[["fi", "sv"]],
                                                 description="the languages the municipality serves in")
    payer_iban: str = Field(examples=["FI2112345600000785"], description="the account the payments are made from")
    payer_bic: str = Field(examples=["NDEAFIHH"])
    interruptions_need_approval: bool | None = Field(
        default=None, description="finalised interruptions wait for the municipality's approval before settlement "
                                  "(004 §4.3.5.2); left out: unchanged")


class UserIn(BaseModel):
    email: EmailStr
    name: OneLine = Field(min_length=1, max_length=200)
    password: str
    role: Literal["tenant_admin", "tenant_officer"]
    language: Literal["fi", "sv"] = "fi"


class UserOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "03d91116-004e-5bad-9356-ea2f01edaf92",
        "email": "hoiva@paivansade.fi",
        "name": "Hoivakoti Päivänsäde Oy",
        "role": "tenant_admin",
        "tenant_id": "kouvola",
        "provider_id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf",
        "status": "sent",
        "language": "fi",
        "teams": ["Team"],
        "locked_until": "2016-03-01T08:30:00Z",
        "must_change_password": False,
    }]})
    id: str
    email: str
    name: str
    role: str
    tenant_id: str | None
    provider_id: str | None
    status: str
    language: str = "fi"
    teams: list[str] = []
    locked_until: datetime | None = None
    must_change_password: bool = False


class BillingIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "iban": "FI4950009420028730",
        "bic": "OKOYFIHH",
        "reference": "1234561",
        "email": "hoiva@paivansade.fi",
        "pdf_by_email": True,
    }]})
    iban: str
    bic: str
    reference: str | None = None
    email: EmailStr | None = None
    pdf_by_email: bool = True


class SiteIn(BaseModel):
    name: OneLine | None = Field(None, max_length=200)
    provider_code: OneLine = Field("", max_length=50)
    notification_email: EmailStr | None = None


class MainUserIn(BaseModel):
    email: EmailStr = Field(examples=["paakayttaja@paivansade.fi"])
    name: OneLine = Field(min_length=1, max_length=200, examples=["Maija Meikäläinen"])
    password: str = Field(examples=["Hyva-salasana-1"])


class ProviderIn(BaseModel):
    business_id: str = Field(examples=["7019376-8"])
    name: OneLine = Field(min_length=1, max_length=200, examples=["Hoivakoti Esimerkki Oy"])
    language: Literal["fi", "sv"] = "fi"
    email: EmailStr = Field(examples=["info@paivansade.fi"])
    phone: OneLine = Field("", max_length=40)
    street_address: OneLine = Field("", max_length=200)
    postal_code: str = Field(default="", pattern=r"^(\d{5})?$")
    city: OneLine = Field("", max_length=100)
    hide_address: bool = False
    billing: BillingIn | None = None
    site: SiteIn | None = None
    main_user: MainUserIn


class SiteOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "510d5b90-483e-5ae1-87c1-1fa70a17041b",
        "name": "Hoivakoti Päivänsäde Oy",
        "provider_code": "P-0042",
        "notification_email": "hoiva@paivansade.fi",
        "street_address": "Kauppalankatu 1",
        "postal_code": "45100",
        "city": "Kouvola",
        "extra_info": "",
        "phone": "05 123 4567",
        "billing": {
            "iban": "FI4950009420028730",
            "bic": "OKOYFIHH",
            "reference": "1234561",
            "email": "hoiva@paivansade.fi",
            "pdf_by_email": True,
        },
    }]})
    id: str
    name: str
    provider_code: str
    notification_email: str
    street_address: str = ""
    postal_code: str = ""
    city: str = ""
    extra_info: str = ""
    phone: str | None = None
    billing: BillingIn | None = None


class ProviderOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf",
        "business_id": "2345678-0",
        "name": "Hoivakoti Päivänsäde Oy",
        "language": "fi",
        "email": "hoiva@paivansade.fi",
        "status": "sent",
        "sites": [
            {
                "id": "510d5b90-483e-5ae1-87c1-1fa70a17041b",
                "name": "Hoivakoti Päivänsäde Oy",
                "provider_code": "P-0042",
                "notification_email": "hoiva@paivansade.fi",
                "street_address": "Kauppalankatu 1",
                "postal_code": "45100",
                "city": "Kouvola",
                "extra_info": "",
                "billing": {
                    "iban": "FI4950009420028730",
                    "bic": "OKOYFIHH",
                    "reference": "1234561",
                    "email": "hoiva@paivansade.fi",
                    "pdf_by_email": True,
                },
            },
        ],
        "kind": "voucher",
        "phone": "0401234567",
        "street_address": "Kauppalankatu 1",
        "postal_code": "45100",
        "city": "Kouvola",
        "hide_address": False,
        "billing": {
            "iban": "FI4950009420028730",
            "bic": "OKOYFIHH",
            "reference": "1234561",
            "email": "hoiva@paivansade.fi",
            "pdf_by_email": True,
        },
        "contact_person": "Maija Meikäläinen",
        "description": "Ympärivuorokautinen hoiva Kouvolan keskustassa",
        "extra_info": "",
        "website": "https://www.paivansade.fi",
        "operating_areas": ["Operating area"],
        "units": ["day"],
        "needs": ["Need"],
        "support_types": ["Support type"],
        "service_languages": ["Service language"],
    }]})
    id: str
    business_id: str | None
    name: str
    language: str
    email: str
    status: str
    sites: list[SiteOut]
    kind: str = "company"
    phone: str = ""
    street_address: str = ""
    postal_code: str = ""
    city: str = ""
    hide_address: bool = False
    billing: BillingIn | None = None
    contact_person: str = ""
    description: str = ""
    extra_info: str = ""
    website: str = ""
    operating_areas: list[str] = []
    units: list[str] = []
    needs: list[str] = []
    support_types: list[str] = []
    service_languages: list[str] = []


class ProviderSummary(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "b373c7f0-e905-5e02-b1fa-7fcb97947b6f",
        "kind": "voucher",
        "business_id": "2345678-0",
        "name": "Hoivakoti Päivänsäde Oy",
        "email": "hoiva@paivansade.fi",
        "status": "sent",
        "created_at": "2016-03-01T08:30:00Z",
    }]})
    id: str
    kind: str
    business_id: str | None
    name: str
    email: str
    status: str
    created_at: datetime


class TokenIn(BaseModel):
    email: str = Field(examples=["paakayttaja@paivansade.fi"])
    password: str = Field(examples=["Hyva-salasana-1"])


class TokenOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "access_token": "eyJhbGciOiJFUzI1NiIsImtpZCI6InJlZ2lzdHJ5LTEifQ.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl",
        "token_type": "bearer",
        "expires_in": 60,
        "refresh_token": "r-7Qz2k1LmN9xYpV0aBcD",
    }]})
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    refresh_token: str | None = None


class RefreshIn(BaseModel):
    refresh_token: str


class LogoutIn(BaseModel):
    refresh_token: str | None = Field(default=None, max_length=200)


class PasswordChangeIn(BaseModel):
    email: str = Field(examples=["kayttaja@paivansade.fi"])
    current_password: str
    new_password: str = Field(examples=["Uusi-salasana-2"])


class ResetRequestIn(BaseModel):
    email: EmailStr = Field(examples=["kayttaja@paivansade.fi"])


class ResetCompleteIn(BaseModel):
    token: str
    new_password: str = Field(examples=["Uusi-salasana-2"])


class LinkIn(BaseModel):
    token: str


class Page(pages.Page[UserOut]):
    pass  # the kernel's page of users, under the schema name the API has always published


async def context(request: Request, session: AsyncSession = Depends(db_session, scope="function")) -> RegistryContext:
    return service.make_context(request.app.state.runtime, session)


@well_known.get("/.well-known/jwks.json", tags=["auth"], response_model=JwksOut)
async def jwks(request: Request) -> dict[str, Any]:
    return request.app.state.runtime.extras["issuer"].jwks()  # type: ignore[no-any-return]


def _token_out(result: service.LoginResult, ttl: int) -> TokenOut:
    if result.password_change_required:
        raise ProblemError(403, "Password change required", result.failure or "",
                           "https://seteli.fi/problems/password-change-required",
                           extra={"password_change_required": True})
    if result.token is None:
        problem = unauthorized(result.failure or service.LOGIN_FAILED)
        if result.reason:  # the owner who knows the password learns why (a portal says it in their language)
            problem.extra["reason"] = result.reason
        raise problem
    return TokenOut(access_token=result.token, expires_in=ttl, refresh_token=result.refresh_token)


@router.post("/auth/token", response_model=TokenOut, tags=["auth"])
async def token(body: TokenIn, request: Request) -> TokenOut:
    runtime = request.app.state.runtime
    ttl = runtime.settings.access_token_ttl_seconds
    # Own transaction, committed even when the answer is 401: failures must count. A login finds the
    # user by email, before anyone knows the tenant: system scope.
    async with runtime.db.system_transaction() as session:
        result = await service.login(service.make_context(runtime, session), runtime.extras["issuer"],
                                     body.email, body.password, ttl)
    return _token_out(result, ttl)


@router.post("/auth/refresh", response_model=TokenOut, tags=["auth"])
async def refresh(body: RefreshIn, request: Request) -> TokenOut:
    runtime = request.app.state.runtime
    ttl = runtime.settings.access_token_ttl_seconds
    async with runtime.db.system_transaction() as session:
        result = await accounts.refresh(service.make_context(runtime, session), runtime.extras["issuer"],
                                        body.refresh_token, ttl)
    return _token_out(result, ttl)


@router.post("/auth/logout", status_code=204, tags=["auth"])
async def logout(request: Request, body: LogoutIn | None = None) -> None:
    """End the session: by its refresh token, which works whatever the access token's age (a user
    usually logs out after the 60-second token has expired), and/or by a still-valid bearer token."""
    refresh_token = body.refresh_token if body else None
    principal = None
    try:
        principal = await optional_principal(request)
    except ProblemError:
        if not refresh_token:
            raise
    if principal is None and not refresh_token:
        raise unauthorized()
    runtime = request.app.state.runtime
    async with runtime.db.system_transaction() as session:  # sessions are found by token, before any tenant
        await accounts.logout(service.make_context(runtime, session), principal, refresh_token)
    runtime.relay.wake()


@router.post("/auth/password", status_code=204, tags=["auth"])
async def change_password(body: PasswordChangeIn, request: Request) -> None:
    """Change a password; also the first-login change of an initial password or an expired one."""
    runtime = request.app.state.runtime
    async with runtime.db.system_transaction() as session:  # committed even when the answer is 401
        failure = await accounts.change_password(service.make_context(runtime, session), body.email,
                                                 body.current_password, body.new_password)
    if failure:
        raise unauthorized(failure)


@router.post("/auth/password-reset", status_code=202, tags=["auth"], response_model=StatusOut)
async def request_password_reset(body: ResetRequestIn, ctx: RegistryContext = Depends(context)) -> dict[str, str]:
    await accounts.request_password_reset(ctx, body.email)
    return {"status": "if the address has an account, a link was sent"}


@router.post("/auth/password-reset/complete", status_code=204, tags=["auth"])
async def complete_password_reset(body: ResetCompleteIn, ctx: RegistryContext = Depends(context)) -> None:
    await accounts.complete_password_reset(ctx, body.token, body.new_password)


@router.post("/auth/confirm-registration", tags=["auth"], response_model=ConfirmedRegistrationOut)
async def confirm_registration(body: LinkIn, ctx: RegistryContext = Depends(context)) -> dict[str, Any]:
    return await accounts.confirm_registration(ctx, body.token)


@router.post("/users/{user_id}/unlock", response_model=UserOut, tags=["users"])
async def unlock(user_id: str, ctx: RegistryContext = Depends(context),
                 principal: Principal = Depends(require_roles(Role.TENANT_ADMIN, Role.PROVIDER_ADMIN))
                 ) -> dict[str, Any]:
    return await accounts.unlock(ctx, principal, user_id)


@router.post("/tenants", status_code=201, response_model=TenantOut, tags=["tenants"])
async def create_tenant(body: TenantIn, ctx: RegistryContext = Depends(context),
                        _: Principal = Depends(require_roles(Role.PLATFORM_ADMIN))) -> dict[str, Any]:
    return await service.create_tenant(ctx, body.model_dump())


@router.get("/tenants/{tenant_id}", response_model=TenantOut, tags=["tenants"])
async def get_tenant(tenant_id: str, ctx: RegistryContext = Depends(context),
                     principal: Principal = Depends(require_roles(Role.TENANT_ADMIN, Role.TENANT_OFFICER))
                     ) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    tenant = await repo.get_tenant(ctx.session, tenant_id)
    if tenant is None:
        raise not_found("Tenant")
    return tenant


@router.put("/tenants/{tenant_id}/settings", response_model=TenantOut, tags=["tenants"])
async def change_tenant_settings(tenant_id: str, body: TenantSettingsIn, ctx: RegistryContext = Depends(context),
                                 principal: Principal = Depends(require_roles(Role.TENANT_ADMIN))
                                 ) -> dict[str, Any]:
    """The municipality's languages, payer account and whether interruptions need its approval, changed by
    its tenant admin (`registry.tenant.changed`)."""
    guard_tenant(principal, tenant_id)
    return await tenant_settings.change_settings(ctx, tenant_id, body.model_dump())


@router.post("/tenants/{tenant_id}/users", status_code=201, response_model=UserOut, tags=["users"])
async def create_tenant_user(tenant_id: str, body: UserIn, ctx: RegistryContext = Depends(context),
                             principal: Principal = Depends(require_roles(Role.TENANT_ADMIN))) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    if await repo.get_tenant(ctx.session, tenant_id) is None:
        raise not_found("Tenant")
    # a password another person chose is changed at the first sign-in (a platform admin seeding a tenant
    # hands its first admin the password to use)
    return await service.create_user(ctx, email=body.email, name=body.name, password=body.password,
                                     role=Role(body.role), tenant_id=tenant_id, language=body.language,
                                     must_change_password=principal.role == Role.TENANT_ADMIN)


@router.get("/tenants/{tenant_id}/users", response_model=Page, tags=["users"])
async def list_tenant_users(tenant_id: str, ctx: RegistryContext = Depends(context),
                            principal: Principal = Depends(require_roles(Role.TENANT_ADMIN)),
                            limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0)) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    items, total = await repo.users_page(ctx.session, limit, offset, tenant_id=tenant_id)
    return {"items": items, "total": total}


class LockedUserOut(UserOut):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "5b0c2a4e-9f3d-4d1a-8f0e-2c7b9a1d3e55", "email": "hoitaja@paivansade.fi", "name": "Hilkka Hoitaja",
        "role": "provider_user", "tenant_id": None, "provider_id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf",
        "status": "active", "language": "fi", "teams": [], "locked_until": "2016-03-01T08:30:00Z",
        "must_change_password": False, "provider_name": "Hoivakoti Päivänsäde Oy"}]})

    provider_name: str


class LockedUserPage(pages.Page[LockedUserOut]):
    pass


@router.get("/tenants/{tenant_id}/locked-provider-users", response_model=LockedUserPage, tags=["users"])
async def locked_provider_users(tenant_id: str, ctx: RegistryContext = Depends(context),
                                principal: Principal = Depends(require_roles(Role.TENANT_ADMIN))) -> dict[str, Any]:
    """The users of the companies the tenant works with who are locked out now, for the tenant admin to
    unlock (`POST /v1/users/{id}/unlock`) when one asks for help; no other company's users."""
    guard_tenant(principal, tenant_id)
    items = await repo.locked_provider_users(ctx.session, tenant_id, ctx.clock.now())
    return {"items": items, "total": len(items)}


class RoleIn(BaseModel):
    role: Literal["tenant_admin", "tenant_officer"]


@router.put("/tenants/{tenant_id}/users/{user_id}/role", response_model=UserOut, tags=["users"])
async def set_tenant_user_role(tenant_id: str, user_id: str, body: RoleIn, ctx: RegistryContext = Depends(context),
                               principal: Principal = Depends(require_roles(Role.TENANT_ADMIN))) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    return await accounts.set_tenant_role(ctx, principal, tenant_id, user_id, Role(body.role))


@router.post("/tenants/{tenant_id}/users/{user_id}/passivate", response_model=UserOut, tags=["users"])
async def passivate_tenant_user(tenant_id: str, user_id: str, ctx: RegistryContext = Depends(context),
                                principal: Principal = Depends(require_roles(Role.TENANT_ADMIN))) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    return await accounts.passivate_tenant_user(ctx, principal, tenant_id, user_id)


@router.post("/tenants/{tenant_id}/users/{user_id}/activate", response_model=UserOut, tags=["users"])
async def activate_tenant_user(tenant_id: str, user_id: str, ctx: RegistryContext = Depends(context),
                               principal: Principal = Depends(require_roles(Role.TENANT_ADMIN))) -> dict[str, Any]:
    """Activate a passivated member of the tenant's staff again (back from a leave, or passivated by mistake)."""
    guard_tenant(principal, tenant_id)
    return await accounts.activate_tenant_user(ctx, principal, tenant_id, user_id)


@router.post("/providers", status_code=201, response_model=ProviderOut, tags=["providers"])
async def register_provider(body: ProviderIn, ctx: RegistryContext = Depends(context),
                            principal: Principal | None = Depends(optional_principal)) -> dict[str, Any]:
    """Self-registration. The main user gets a confirmation link valid 24 hours and can log in after
    confirming it; a platform admin registering a company (seeding) skips the confirmation."""
    confirmed = principal is not None and principal.role == Role.PLATFORM_ADMIN
    return await service.register_provider(ctx, body.model_dump(), confirmed=confirmed)


class ProviderPage(pages.Page[ProviderSummary]):
    pass  # the kernel's page, under the schema name the API has always published


@router.get("/providers", response_model=ProviderPage, tags=["providers"])
async def list_providers(ctx: RegistryContext = Depends(context),
                         _: Principal = Depends(require_roles(Role.TENANT_ADMIN, Role.TENANT_OFFICER)),
                         status: Literal["unconfirmed", "registered", "approved", "invited"] | None = None,
                         limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0)) -> dict[str, Any]:
    """Companies and associations, e.g. `status=registered`: the self-registered ones awaiting approval."""
    items, total = await provider_queries.providers_page(ctx.session, status, limit, offset)
    return {"items": items, "total": total}


@router.get("/providers/{provider_id}", response_model=ProviderOut, tags=["providers"])
async def get_provider(provider_id: str, ctx: RegistryContext = Depends(context),
                       principal: Principal = Depends(require_roles(
                           Role.PROVIDER_ADMIN, Role.PROVIDER_USER, Role.TENANT_ADMIN, Role.TENANT_OFFICER))
                       ) -> dict[str, Any]:
    if principal.role in (Role.PROVIDER_ADMIN, Role.PROVIDER_USER) and principal.provider_id != provider_id:
        raise forbidden("Not your company")
    # The register is shared, the accounts are not: only a tenant that works with the company (pays it)
    # reads where its money goes.
    staff_of_another = (principal.role in (Role.TENANT_ADMIN, Role.TENANT_OFFICER) and principal.tenant_id is not None
                        and not await works_with(ctx.session, principal.tenant_id, provider_id))
    return await service.provider_view(ctx, provider_id, with_billing=not staff_of_another)
