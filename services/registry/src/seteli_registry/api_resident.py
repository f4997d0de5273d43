"""Resident (client) sign-in with strong identity (resident.py): start, the identity provider's callback,
and the choice of tenant for a client of several. No bearer token: this is how a resident gets one."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from . import resident
from .api import context
from .schemas import RedirectOut, ResidentSignInOut
from .service import RegistryContext

router = APIRouter(prefix="/v1/resident-sign-in", tags=["resident sign-in"])


class ResidentStartIn(BaseModel):
    language: Literal["fi", "sv", "en"] = "fi"


class ResidentCompleteIn(BaseModel):
    state: str = Field(max_length=64)
    code: str = Field(max_length=2000, description="the code the identity provider sent back")
    language: Literal["fi", "sv", "en"] = "fi"


class ResidentChooseIn(BaseModel):
    state: str = Field(max_length=64)
    tenant_id: str = Field(max_length=64, examples=["kouvola"])
    language: Literal["fi", "sv", "en"] = "fi"


@router.post("/start", response_model=RedirectOut)
async def start(body: ResidentStartIn, ctx: RegistryContext = Depends(context)) -> dict[str, Any]:
    """`{state, redirect_url}`: where to send the person (the identity provider's login)."""
    return await resident.start(ctx, body.language)


@router.post("/complete", response_model=ResidentSignInOut, response_model_exclude_none=True)
async def complete(body: ResidentCompleteIn, request: Request,
                   ctx: RegistryContext = Depends(context)) -> dict[str, Any]:
    """`{status: signed_in, access_token, tenant_id, client_id}`, or `{status: choose_tenant, state,
    tenants}` for a client of several tenants, or 403 `not_a_client`."""
    return await resident.complete(ctx, request.app.state.runtime.extras["issuer"], state=body.state,
                                   code=body.code, language=body.language)


@router.post("/choose-tenant", response_model=ResidentSignInOut, response_model_exclude_none=True)
async def choose_tenant(body: ResidentChooseIn, request: Request,
                        ctx: RegistryContext = Depends(context)) -> dict[str, Any]:
    return await resident.choose(ctx, request.app.state.runtime.extras["issuer"], state=body.state,
                                 tenant_id=body.tenant_id, language=body.language)
