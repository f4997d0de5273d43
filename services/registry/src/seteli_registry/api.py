"""Registry HTTP API: thin translation between HTTP and the use cases in service.py."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, EmailStr, Field
from sqlalchemy.ext.asyncio import AsyncSession

from seteli_common.auth import Principal, Role, guard_tenant, require_roles
from seteli_common.errors import forbidden, not_found, unauthorized
from seteli_common.web import db_session

from . import repository as repo
from . import service
from .service import RegistryContext

router = APIRouter(prefix="/v1")
well_known = APIRouter()


class TenantIn(BaseModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", examples=["kouvola"])
    name_fi: str = Field(min_length=1, examples=["Kouvolan kaupunki"])
    name_sv: str = Field(min_length=1, examples=["Kouvola stad"])
    business_id: str = Field(examples=["0111000-0"])
    languages: list[Literal["fi", "sv"]] = Field(min_length=1, examples=[["fi"]])
    payer_iban: str = Field(examples=["FI2112345600000785"])
    payer_bic: str = Field(examples=["NDEAFIHH"])


class TenantOut(BaseModel):
    id: str
    name_fi: str
    name_sv: str
    business_id: str
    languages: list[str]
    payer_iban: str
    payer_bic: str


class UserIn(BaseModel):
    email: EmailStr
    name: str = Field(min_length=1)
    password: str
    role: Literal["tenant_admin", "tenant_officer"]
    language: Literal["fi", "sv"] = "fi"


class UserOut(BaseModel):
    id: str
    email: str
    name: str
    role: str
    tenant_id: str | None
    provider_id: str | None
    status: str


class BillingIn(BaseModel):
    iban: str
    bic: str
    reference: str | None = None
    email: EmailStr | None = None
    pdf_by_email: bool = True


class SiteIn(BaseModel):
    name: str | None = None
    provider_code: str = ""
    notification_email: EmailStr | None = None


class MainUserIn(BaseModel):
    email: EmailStr
    name: str = Field(min_length=1)
    password: str


class ProviderIn(BaseModel):
    business_id: str = Field(examples=["7019376-8"])
    name: str = Field(min_length=1, examples=["Hoivakoti Esimerkki Oy"])
    language: Literal["fi", "sv"] = "fi"
    email: EmailStr
    street_address: str = ""
    postal_code: str = Field(default="", pattern=r"^(\d{5})?$")
    city: str = ""
    hide_address: bool = False
    billing: BillingIn | None = None
    site: SiteIn | None = None
    main_user: MainUserIn


class SiteOut(BaseModel):
    id: str
    name: str
    provider_code: str
    notification_email: str


class ProviderOut(BaseModel):
    id: str
    business_id: str
    name: str
    language: str
    email: str
    status: str
    sites: list[SiteOut]


class TokenIn(BaseModel):
    email: str
    password: str


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


def context(request: Request, session: AsyncSession = Depends(db_session)) -> RegistryContext:
    runtime = request.app.state.runtime
    return RegistryContext(session, runtime.outbox, runtime.clock, runtime.extras["password_policy"])


@well_known.get("/.well-known/jwks.json", tags=["auth"])
async def jwks(request: Request) -> dict[str, Any]:
    return request.app.state.runtime.extras["issuer"].jwks()  # type: ignore[no-any-return]


@router.post("/auth/token", response_model=TokenOut, tags=["auth"])
async def token(body: TokenIn, request: Request) -> TokenOut:
    runtime = request.app.state.runtime
    ttl = runtime.settings.access_token_ttl_seconds
    async with runtime.db.transaction() as session:
        ctx = RegistryContext(session, runtime.outbox, runtime.clock, runtime.extras["password_policy"])
        result = await service.login(ctx, runtime.extras["issuer"], body.email, body.password, ttl)
    if result.token is None:
        raise unauthorized(result.failure or "Wrong email or password")
    return TokenOut(access_token=result.token, expires_in=ttl)


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


@router.post("/tenants/{tenant_id}/users", status_code=201, response_model=UserOut, tags=["users"])
async def create_tenant_user(tenant_id: str, body: UserIn, ctx: RegistryContext = Depends(context),
                             principal: Principal = Depends(require_roles(Role.TENANT_ADMIN))) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    if await repo.get_tenant(ctx.session, tenant_id) is None:
        raise not_found("Tenant")
    return await service.create_user(ctx, email=body.email, name=body.name, password=body.password,
                                     role=Role(body.role), tenant_id=tenant_id, language=body.language)


@router.post("/providers", status_code=201, response_model=ProviderOut, tags=["providers"])
async def register_provider(body: ProviderIn, ctx: RegistryContext = Depends(context)) -> dict[str, Any]:
    return await service.register_provider(ctx, body.model_dump())


@router.get("/providers/{provider_id}", response_model=ProviderOut, tags=["providers"])
async def get_provider(provider_id: str, ctx: RegistryContext = Depends(context),
                       principal: Principal = Depends(require_roles(
                           Role.PROVIDER_ADMIN, Role.PROVIDER_USER, Role.TENANT_ADMIN, Role.TENANT_OFFICER))
                       ) -> dict[str, Any]:
    if principal.role in (Role.PROVIDER_ADMIN, Role.PROVIDER_USER) and principal.provider_id != provider_id:
        raise forbidden("Not your company")
    return await service.provider_view(ctx, provider_id)
