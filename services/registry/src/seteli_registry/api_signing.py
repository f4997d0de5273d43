"""Signing an application with strong identity (signing.py): start, then one callback per redirect."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from seteli_common.auth import Principal, Role, require_roles

from . import signing
from .api import context
from .schemas import SigningCallbackOut, SigningStartOut
from .service import RegistryContext

router = APIRouter(prefix="/v1")
PROVIDER = require_roles(Role.PROVIDER_ADMIN, Role.PROVIDER_USER)


class SigningStartIn(BaseModel):
    tenant_id: str = Field(max_length=64, examples=["kouvola"])
    application_id: str = Field(max_length=36, examples=["0b6c1c9e-4f7a-4d62-9a57-6f0f1b0b3c11"])
    digest: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the application document, from "
                        "the applications service's signing-document")
    language: Literal["fi", "sv", "en"] = "fi"


class SigningStepIn(BaseModel):
    state: str = Field(max_length=64)
    code: str = Field(max_length=2000, description="the code the identity or mandate service sent back")
    language: Literal["fi", "sv", "en"] = "fi"


@router.post("/signing/start", tags=["signing"], response_model=SigningStartOut)
async def start(body: SigningStartIn, ctx: RegistryContext = Depends(context),
                principal: Principal = Depends(PROVIDER)) -> dict[str, Any]:
    """Where to send the person: the identity provider's login."""
    return await signing.start(ctx, principal, tenant_id=body.tenant_id, application_id=body.application_id,
                               digest=body.digest, language=body.language)


@router.post("/signing/callback", tags=["signing"], response_model=SigningCallbackOut)
async def callback(body: SigningStepIn, request: Request, ctx: RegistryContext = Depends(context),
                   principal: Principal = Depends(PROVIDER)) -> dict[str, Any]:
    """First `{status: identified, redirect_url}` (on to e-Authorizations), then `{status: signed,
    assertion}` for a person with a mandate for the company, or 403 `signer_not_authorised`."""
    return await signing.advance(ctx, request.app.state.runtime.extras["issuer"], principal, state=body.state,
                                 code=body.code, language=body.language)
