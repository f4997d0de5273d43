"""Notifications HTTP API: the delivery log (per tenant, per recipient) and one message in full."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, EmailStr, Field
from seteli_common.auth import Principal, Role, guard_tenant, require_roles
from seteli_common.errors import not_found
from seteli_common.pages import Page
from seteli_common.web import db_session
from sqlalchemy.ext.asyncio import AsyncSession

from . import service

router = APIRouter(prefix="/v1", tags=["messages"])


class LogEntryOut(BaseModel):
    at: datetime
    outcome: str = Field(examples=["retry"],
                         description="queued | sent | retry | failed | skipped | held | digested")
    attempt: int
    detail: str | None = Field(default=None, examples=["451 4.3.0 Try again later"])


class MessageOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": 1,
        "message_id": "<0b1c…@seteli.fi>",
        "kind": "payment_computed",
        "tenant_id": "kouvola",
        "recipient": "laskutus@paivansade.fi",
        "language": "fi",
        "subject": "Tilitys maaliskuu 2016 – Hoivakoti Päivänsäde Oy",
        "state": "sent",
        "attempts": 1,
        "last_error": "",
        "created_at": "2016-03-01T08:30:00Z",
        "sent_at": "2016-03-31T09:15:00Z",
        "log": [
            {"at": "2016-03-01T08:30:00Z", "outcome": "retry", "attempt": 1, "detail": "451 4.3.0 Try again later"},
        ],
    }]})
    id: int
    message_id: str = Field(examples=["<0b1c…@seteli.fi>"])
    kind: str = Field(examples=["payment_computed"])
    tenant_id: str | None
    recipient: str = Field(examples=["laskutus@paivansade.fi"])
    language: str = Field(examples=["fi", "fi+sv"])
    subject: str
    state: str = Field(examples=["sent"], description="queued | sent | failed | skipped | held | digested")
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    log: list[LogEntryOut]


class MessagePage(Page[MessageOut]):
    pass  # the kernel's page, under the schema name the API has always published


class AttachmentOut(BaseModel):
    filename: str
    content_type: str
    size: int


class MessageDetail(MessageOut):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": 1,
        "message_id": "<0b1c…@seteli.fi>",
        "kind": "payment_computed",
        "tenant_id": "kouvola",
        "recipient": "laskutus@paivansade.fi",
        "language": "fi",
        "subject": "Tilitys maaliskuu 2016 – Hoivakoti Päivänsäde Oy",
        "state": "sent",
        "attempts": 1,
        "last_error": "",
        "created_at": "2016-03-01T08:30:00Z",
        "sent_at": "2016-03-31T09:15:00Z",
        "log": [
            {"at": "2016-03-01T08:30:00Z", "outcome": "retry", "attempt": 1, "detail": "451 4.3.0 Try again later"},
        ],
        "event_type": "events.event.recorded",
        "body_text": "Hei, maaliskuun 2016 tilitys on valmis.",
        "body_html": "<p>Hei, maaliskuun 2016 tilitys on valmis.</p>",
        "attachments": [{"filename": "tilitys-2016-03.pdf", "content_type": "application/pdf", "size": 20480}],
    }]})
    event_type: str
    body_text: str
    body_html: str
    attachments: list[AttachmentOut]


@router.get("/tenants/{tenant_id}/messages", response_model=MessagePage)
async def tenant_messages(
    tenant_id: str,
    recipient: str | None = Query(default=None, description="only messages to this address",
                                  examples=["laskutus@paivansade.fi"]),
    limit: int = Query(default=50, ge=1, le=500),
    offset: int = Query(default=0, ge=0),
    session: AsyncSession = Depends(db_session, scope="function"),
    principal: Principal = Depends(require_roles(Role.TENANT_ADMIN)),
) -> dict[str, Any]:
    """The tenant's delivery log, newest first: each message with its state and every attempt."""
    guard_tenant(principal, tenant_id)
    return await service.tenant_delivery_log(session, tenant_id, recipient=recipient, limit=limit,
                                             offset=offset)


@router.get("/messages/{message_pk}", response_model=MessageDetail)
async def get_message(message_pk: int, session: AsyncSession = Depends(db_session, scope="function"),
                      _: Principal = Depends(require_roles(Role.PLATFORM_ADMIN))) -> dict[str, Any]:
    return await service.message_detail(session, message_pk)


@router.get("/messages", response_model=MessagePage)
async def all_messages(
    tenant_id: str | None = Query(default=None, examples=["kouvola"]),
    recipient: str | None = Query(default=None, examples=["info@paivansade.fi"]),
    state: str | None = Query(default=None, examples=["failed"]),
    limit: int = Query(default=50, ge=1, le=500),
    offset: int = Query(default=0, ge=0),
    session: AsyncSession = Depends(db_session, scope="function"),
    _: Principal = Depends(require_roles(Role.PLATFORM_ADMIN)),
) -> dict[str, Any]:
    """Every message, including platform mail without a tenant (registration, password reset)."""
    return await service.all_messages(session, tenant_id=tenant_id, recipient=recipient, state=state,
                                      limit=limit, offset=offset)


class TenantSettingsIn(BaseModel):
    notification_email: EmailStr | None = Field(
        default=None, examples=["palveluseteli@kouvola.fi"],
        description="where the tenant's notices go; empty = to the tenant admins")


class TenantSettingsOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "notification_email": "hoiva@paivansade.fi",
        "admin_recipients": 1,
        "languages": ["fi", "sv"],
    }]})
    notification_email: str | None
    admin_recipients: int = Field(description="tenant admins known here, used when no address is set")
    languages: list[str] = Field(examples=[["fi", "sv"]])


@router.get("/tenants/{tenant_id}/notification-settings", response_model=TenantSettingsOut, tags=["settings"])
async def get_tenant_settings(tenant_id: str, session: AsyncSession = Depends(db_session, scope="function"),
                              principal: Principal = Depends(require_roles(Role.TENANT_ADMIN))
                              ) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    return await service.tenant_settings(session, tenant_id)


@router.put("/tenants/{tenant_id}/notification-settings", response_model=TenantSettingsOut, tags=["settings"])
async def put_tenant_settings(tenant_id: str, body: TenantSettingsIn,
                              session: AsyncSession = Depends(db_session, scope="function"),
                              principal: Principal = Depends(require_roles(Role.TENANT_ADMIN))
                              ) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    return await service.set_tenant_settings(session, tenant_id, body.notification_email)


class ProviderPreferences(BaseModel):
    daily_digest: bool = Field(examples=[True],
                               description="pending-action notices as one mail a day instead of one per item")


def _guard_provider(principal: Principal, provider_id: str) -> None:
    if principal.role != Role.PLATFORM_ADMIN and principal.provider_id != provider_id:
        raise not_found("Provider")


@router.get("/providers/{provider_id}/notification-preferences", response_model=ProviderPreferences,
            tags=["settings"])
async def get_provider_preferences(provider_id: str, session: AsyncSession = Depends(db_session, scope="function"),
                                   principal: Principal = Depends(require_roles(Role.PROVIDER_ADMIN))
                                   ) -> dict[str, Any]:
    _guard_provider(principal, provider_id)
    return await service.provider_preferences(session, provider_id)


@router.put("/providers/{provider_id}/notification-preferences", response_model=ProviderPreferences,
            tags=["settings"])
async def put_provider_preferences(provider_id: str, body: ProviderPreferences,
                                   session: AsyncSession = Depends(db_session, scope="function"),
                                   principal: Principal = Depends(require_roles(Role.PROVIDER_ADMIN))
                                   ) -> dict[str, Any]:
    _guard_provider(principal, provider_id)
    return await service.set_provider_preferences(session, provider_id, body.daily_digest)
