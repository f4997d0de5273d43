"""What the applications API answers: one named model per response, so the OpenAPI document describes every
field a client can read and a generated client gets types, not `object` (issue 22).

Timestamps are datetimes; a step's `saved_at` and a signature's `signed_at` are the ISO strings stored in the
application's JSON and are answered as stored. The signing document is answered as the exact object whose
digest the provider signs, so it is a free-form object: re-shaping it would change what the digest covers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Unit = Literal["day", "month", "hour", "m2_month", "piece"]
ApplicationState = Literal["draft", "submitted", "approved", "rejected", "returned"]
PriceListState = Literal["pending", "approved", "rejected"]


class ContentOut(BaseModel):
    tenant_id: str
    id: str
    service_id: str
    position: int
    name_fi: str
    name_sv: str
    unit: Unit
    client_pays: bool


class AttachmentRequirementOut(BaseModel):
    type: str
    name_fi: str | None = None
    name_sv: str | None = None


class RequiredAttachmentsOut(BaseModel):
    company: list[AttachmentRequirementOut] = []
    site: list[AttachmentRequirementOut] = []
    subcontractor: list[AttachmentRequirementOut] = []


class BandOut(BaseModel):
    from_day: int
    to_day: int | None = Field(description="null = open-ended")
    percentage: int


class ReasonRuleOut(BaseModel):
    bands: list[BandOut]
    return_day_percentage: int


class InterruptionRuleOut(BaseModel):
    valid_from: date | None = None
    reasons: dict[Literal["hospital", "holiday", "other"], ReasonRuleOut]


class CalendarOut(BaseModel):
    provider_deadline_day: int
    approval_deadline_day: int
    transfer_day: int


class RulebookVersionOut(BaseModel):
    tenant_id: str
    id: str
    service_id: str
    version: int
    effective_from: date
    text: str | None
    document_url: str | None
    created_at: datetime


class ServiceOut(BaseModel):
    tenant_id: str
    id: str
    name_fi: str
    name_sv: str
    kind: Literal["voucher", "purchased"]
    auto_recording: bool
    required_attachments: RequiredAttachmentsOut
    interruption_rule: InterruptionRuleOut | None = Field(description="the version in force today")
    interruption_rules: list[InterruptionRuleOut] = Field(description="every version, each from its valid_from")
    calendar: CalendarOut
    created_at: datetime
    updated_at: datetime
    contents: list[ContentOut]
    rulebook_versions: list[RulebookVersionOut]
    current_rulebook_version: RulebookVersionOut | None = Field(description="the rulebook in force today")


class ServicePage(BaseModel):
    items: list[ServiceOut]
    total: int


class PriceOut(BaseModel):
    content_id: str
    unit_price: str = Field(examples=["150.00"], description="euros, two decimals")


class PriceListOut(BaseModel):
    id: str
    application_id: str
    service_id: str
    provider_id: str
    producer_part: str | None = Field(description="null = company level; site:<id>, employee:<id>, unit:<id>")
    name: str
    start: date
    state: PriceListState
    additional_info: str
    idempotency_key: str | None
    created_at: datetime
    approved_at: datetime | None = None
    prices: list[PriceOut]


class PriceListWithValidityOut(PriceListOut):
    valid_from: date | None
    valid_until: date | None = Field(description="null = until further notice")


class PriceListPage(BaseModel):
    items: list[PriceListWithValidityOut]
    total: int


class PriceLookupOut(BaseModel):
    unit_price: str = Field(examples=["150.00"])
    price_list_id: str
    producer_part: str | None
    start: date


class StepOut(BaseModel):
    ids: list[str]
    notes: str
    saved_at: str | None = Field(description="ISO timestamp of the last save; null = not saved yet")


class SignatureOut(BaseModel):
    method: str
    signer: str = Field(description="the person's name, as identified")
    signer_ref: str = Field(description="the registry's pseudonymous person id (never the identity code)")
    roles: list[str]
    level_of_assurance: str
    signed_at: str
    digest: str
    assertion_id: str


class MissingOut(BaseModel):
    code: str = Field(examples=["attachment_missing"])
    message: str
    level: str | None = None
    owner_id: str | None = None
    type: str | None = None


class HistoryEntryOut(BaseModel):
    tenant_id: str
    id: str
    application_id: str
    seq: int
    from_state: ApplicationState | None
    to_state: ApplicationState
    actor: str
    actor_role: str
    at: datetime
    reason: str | None
    missing: list[str] | None


class HistoryPage(BaseModel):
    items: list[HistoryEntryOut]
    total: int


class ApplicationOut(BaseModel):
    tenant_id: str
    id: str
    service_id: str
    provider_id: str
    provider_name: str | None = Field(default=None, description="the company's name, as the registry last told")
    state: ApplicationState
    amends_id: str | None = Field(default=None, description="the approved application this change amends")
    steps: dict[str, StepOut]
    approved_site_ids: list[str]
    site_ids: list[str]
    rulebook_version_id: str | None = None
    rulebook_version: int | None = None
    rulebook_accepted_at: datetime | None = None
    signature: SignatureOut | None = None
    return_reason: str | None = None
    return_missing: list[str] | None = None
    created_by: str
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None = None
    decided_at: datetime | None = None


class ApplicationPage(BaseModel):
    items: list[ApplicationOut]
    total: int


class ApplicationDetailOut(ApplicationOut):
    saved_steps: list[str]
    price_lists: list[PriceListOut]
    history: list[HistoryEntryOut]
    open_change_id: str | None = Field(description="the change being prepared of this approved application")
    missing: list[MissingOut] = Field(description="what still keeps it from being sent")


class CompletenessOut(BaseModel):
    complete: bool
    missing: list[MissingOut]


class SigningDocumentOut(BaseModel):
    application_id: str
    digest: str = Field(description="SHA-256 of the document, to sign with the registry's signing")
    document: dict[str, Any] = Field(description="exactly what the digest covers: the application's steps, "
                                                 "price lists and the accepted rulebook version")


class PublicRulebook(BaseModel):
    version_id: str
    version: int
    effective_from: date
    document_url: str | None = Field(None, description="the rulebook as a document; else read its text at "
                                                      "/v1/public/tenants/{tenant}/services/{service}/rulebook")


class PublicService(BaseModel):
    id: str
    name_fi: str
    name_sv: str
    kind: Literal["voucher", "purchased"]
    rulebook: PublicRulebook | None


class PublicTenant(BaseModel):
    id: str
    name_fi: str
    name_sv: str
    services: list[PublicService]


class PublicTenants(BaseModel):
    items: list[PublicTenant]
    total: int


class PublicRulebookText(BaseModel):
    version: int
    effective_from: date
    text: str | None
    document_url: str | None
