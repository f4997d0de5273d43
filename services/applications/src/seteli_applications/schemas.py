"""What the applications API answers: one named model per response, so the OpenAPI document describes every
field a client can read and a generated client gets types, not `object` (issue 22).

Timestamps are datetimes; a step's `saved_at` and a signature's `signed_at` are the ISO strings stored in the
application's JSON and are answered as stored. The signing document is answered as the exact object whose
digest the provider signs, so it is a free-form object: re-shaping it would change what the digest covers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

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
    ended_from: date | None = Field(None, description="the content is ended from this day on: not offered for new "
                                                      "vouchers or price lists, no event on or after it")


class ContentEndIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"ends_from": "2017-01-01"}]})
    ends_from: date | None = Field(None, description="the first day the content is no longer in the service; "
                                                     "empty is today; a past day is refused")


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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "tenant_id": "kouvola",
        "id": "561041f1-1c45-5002-ab3b-2fffe0702859",
        "service_id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3",
        "version": 1,
        "effective_from": "2016-03-01",
        "text": "Palvelu oli hyvää, kiitos.",
        "document_url": "https://seteli.kouvola.fi/portal/",
        "created_at": "2016-03-01T08:30:00Z",
    }]})
    tenant_id: str
    id: str
    service_id: str
    version: int
    effective_from: date
    text: str | None
    document_url: str | None
    created_at: datetime


class ScheduledChangeOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "8d0c6a9e-3f57-4c1e-9a64-2f1e4b7c5d10",
        "effective_from": "2017-01-01",
        "fields": ["contents", "name_fi"],
        "changes": [{"kind": "content_payer", "name_fi": "Ateriat / kk", "name_sv": "Måltider / mån",
                     "client_pays": True}],
        "created_at": "2016-11-15T08:30:00Z",
    }]})
    id: str
    effective_from: date = Field(description="the day the change takes effect")
    fields: list[str] = Field(description="what it changes: name_fi, name_sv, auto_recording, contents, "
                                          "required_attachments, calendar")
    changes: list[dict[str, Any]] = Field(description="the change as the providers are told it, one entry each "
                                                      "(kind: names, content_added, content_renamed, "
                                                      "content_payer, attachment_required, calendar, "
                                                      "auto_recording)")
    created_at: datetime


class ServiceOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "tenant_id": "kouvola",
        "id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3",
        "name_fi": "Ikääntyneiden tehostettu palveluasuminen",
        "name_sv": "Effektiviserat serviceboende för äldre",
        "kind": "voucher",
        "auto_recording": True,
        "required_attachments": {
            "company": [
                {
                    "type": "liability_insurance",
                    "name_fi": "Ikääntyneiden tehostettu palveluasuminen",
                    "name_sv": "Effektiviserat serviceboende för äldre",
                },
            ],
            "site": [
                {
                    "type": "liability_insurance",
                    "name_fi": "Ikääntyneiden tehostettu palveluasuminen",
                    "name_sv": "Effektiviserat serviceboende för äldre",
                },
            ],
            "subcontractor": [
                {
                    "type": "liability_insurance",
                    "name_fi": "Ikääntyneiden tehostettu palveluasuminen",
                    "name_sv": "Effektiviserat serviceboende för äldre",
                },
            ],
        },
        "interruption_rule": {
            "valid_from": "2016-03-01",
            "reasons": {
                "hospital": {
                    "bands": [{"from_day": 1, "to_day": 30, "percentage": 100}],
                    "return_day_percentage": 100,
                },
            },
        },
        "interruption_rules": [
            {
                "valid_from": "2016-03-01",
                "reasons": {
                    "hospital": {
                        "bands": [{"from_day": 1, "to_day": 30, "percentage": 100}],
                        "return_day_percentage": 100,
                    },
                },
            },
        ],
        "calendar": {"provider_deadline_day": 5, "approval_deadline_day": 10, "transfer_day": 20},
        "created_at": "2016-03-01T08:30:00Z",
        "updated_at": "2016-03-31T09:15:00Z",
        "contents": [
            {
                "tenant_id": "kouvola",
                "id": "56ba82c6-98ef-5d13-a432-cb2f39fe7769",
                "service_id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3",
                "position": 1,
                "name_fi": "Ikääntyneiden tehostettu palveluasuminen",
                "name_sv": "Effektiviserat serviceboende för äldre",
                "unit": "day",
                "client_pays": True,
            },
        ],
        "rulebook_versions": [
            {
                "tenant_id": "kouvola",
                "id": "561041f1-1c45-5002-ab3b-2fffe0702859",
                "service_id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3",
                "version": 1,
                "effective_from": "2016-03-01",
                "text": "Palvelu oli hyvää, kiitos.",
                "document_url": "https://seteli.kouvola.fi/portal/",
                "created_at": "2016-03-01T08:30:00Z",
            },
        ],
        "current_rulebook_version": {
            "tenant_id": "kouvola",
            "id": "561041f1-1c45-5002-ab3b-2fffe0702859",
            "service_id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3",
            "version": 1,
            "effective_from": "2016-03-01",
            "text": "Palvelu oli hyvää, kiitos.",
            "document_url": "https://seteli.kouvola.fi/portal/",
            "created_at": "2016-03-01T08:30:00Z",
        },
    }]})
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
    scheduled_changes: list[ScheduledChangeOut] = Field(
        default_factory=list, description="changes that take effect after today, by date")


class ServicePage(BaseModel):
    items: list[ServiceOut]
    total: int


class PriceOut(BaseModel):
    content_id: str
    unit_price: str = Field(examples=["150.00"], description="euros, two decimals")


class PriceListOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "7eaced7d-4190-580f-86de-0b85319c8543",
        "application_id": "6e9bce33-f17a-51fb-94d0-5273c17b1bb9",
        "service_id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3",
        "provider_id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf",
        "producer_part": "site:510d5b90-483e-5ae1-87c1-1fa70a17041b",
        "name": "Hoivakoti Päivänsäde Oy",
        "start": "2016-03-01",
        "state": "pending",
        "additional_info": "Hinnat sisältävät arvonlisäveron",
        "idempotency_key": "hinnasto-2016-kouvola",
        "created_at": "2016-03-01T08:30:00Z",
        "approved_at": "2016-03-31T09:15:00Z",
        "prices": [{"content_id": "56ba82c6-98ef-5d13-a432-cb2f39fe7769", "unit_price": "150.00"}],
    }]})
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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "41870682-15f4-5671-a94e-b60543d1a72e",
        "application_id": "6e9bce33-f17a-51fb-94d0-5273c17b1bb9",
        "service_id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3",
        "provider_id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf",
        "producer_part": "site:510d5b90-483e-5ae1-87c1-1fa70a17041b",
        "name": "Hoivakoti Päivänsäde Oy",
        "start": "2016-03-01",
        "state": "pending",
        "additional_info": "Hinnat sisältävät arvonlisäveron",
        "idempotency_key": "hinnasto-2016-kouvola",
        "created_at": "2016-03-01T08:30:00Z",
        "approved_at": "2016-03-31T09:15:00Z",
        "prices": [{"content_id": "56ba82c6-98ef-5d13-a432-cb2f39fe7769", "unit_price": "150.00"}],
        "valid_from": "2016-03-01",
        "valid_until": "2016-03-31",
    }]})
    valid_from: date | None
    valid_until: date | None = Field(description="null = until further notice")


class PriceListPage(BaseModel):
    items: list[PriceListWithValidityOut]
    total: int


class PriceLookupOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "unit_price": "150.00",
        "price_list_id": "7eaced7d-4190-580f-86de-0b85319c8543",
        "producer_part": "site:510d5b90-483e-5ae1-87c1-1fa70a17041b",
        "start": "2016-03-01",
    }]})
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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "tenant_id": "kouvola",
        "id": "742136c3-4c17-5c43-a0f7-50e26a88b8f8",
        "application_id": "6e9bce33-f17a-51fb-94d0-5273c17b1bb9",
        "seq": 1,
        "from_state": "draft",
        "to_state": "draft",
        "actor": "03d91116-004e-5bad-9356-ea2f01edaf92",
        "actor_role": "tenant_admin",
        "at": "2016-03-01T08:30:00Z",
        "reason": "Asiakas oli sairaalassa 10.–14.3.2016",
        "missing": ["Missing"],
    }]})
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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "tenant_id": "kouvola",
        "id": "6e9bce33-f17a-51fb-94d0-5273c17b1bb9",
        "service_id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3",
        "provider_id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf",
        "provider_name": "Hoivakoti Päivänsäde Oy",
        "state": "draft",
        "amends_id": "9681b7a4-ee3f-5fbe-9230-e57ac9d9adb8",
        "steps": {
            "company": {
                "ids": ["8514057f-9fc8-5e1b-b76b-96f3a845e2c9"],
                "notes": "Tarkistettu",
                "saved_at": "2016-03-01",
            },
        },
        "approved_site_ids": ["c4c9626a-e178-5d56-b99e-58b942a103ad"],
        "site_ids": ["510d5b90-483e-5ae1-87c1-1fa70a17041b"],
        "rulebook_version_id": "561041f1-1c45-5002-ab3b-2fffe0702859",
        "rulebook_version": 1,
        "rulebook_accepted_at": "2016-03-01T08:30:00Z",
        "signature": {
            "method": "suomi.fi",
            "signer": "Maija Meikäläinen",
            "signer_ref": "3c9a7e21-5b0d-5f4e-8a61-2016030100b7",
            "roles": ["tenant_admin"],
            "level_of_assurance": "substantial",
            "signed_at": "2016-03-01",
            "digest": "9f2c4e3b7a1d5f6e8c0b2a4d6f8e0c2b4a6d8f0e2c4b6a8d0f2e4c6b8a0d2f4e",
            "assertion_id": "0e114aef-b914-59ea-b6d8-62d5141013b8",
        },
        "return_reason": "Vastuuvakuutuksen todistus puuttuu",
        "return_missing": ["Return missing"],
        "created_by": "03d91116-004e-5bad-9356-ea2f01edaf92",
        "created_at": "2016-03-01T08:30:00Z",
        "updated_at": "2016-03-31T09:15:00Z",
        "submitted_at": "2016-03-01T08:30:00Z",
        "decided_at": "2016-03-31T09:15:00Z",
    }]})
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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "tenant_id": "kouvola",
        "id": "6e9bce33-f17a-51fb-94d0-5273c17b1bb9",
        "service_id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3",
        "provider_id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf",
        "provider_name": "Hoivakoti Päivänsäde Oy",
        "state": "draft",
        "amends_id": "9681b7a4-ee3f-5fbe-9230-e57ac9d9adb8",
        "steps": {
            "company": {
                "ids": ["8514057f-9fc8-5e1b-b76b-96f3a845e2c9"],
                "notes": "Tarkistettu",
                "saved_at": "2016-03-01",
            },
        },
        "approved_site_ids": ["c4c9626a-e178-5d56-b99e-58b942a103ad"],
        "site_ids": ["510d5b90-483e-5ae1-87c1-1fa70a17041b"],
        "rulebook_version_id": "561041f1-1c45-5002-ab3b-2fffe0702859",
        "rulebook_version": 1,
        "rulebook_accepted_at": "2016-03-01T08:30:00Z",
        "signature": {
            "method": "suomi.fi",
            "signer": "Maija Meikäläinen",
            "signer_ref": "3c9a7e21-5b0d-5f4e-8a61-2016030100b7",
            "roles": ["tenant_admin"],
            "level_of_assurance": "substantial",
            "signed_at": "2016-03-01",
            "digest": "9f2c4e3b7a1d5f6e8c0b2a4d6f8e0c2b4a6d8f0e2c4b6a8d0f2e4c6b8a0d2f4e",
            "assertion_id": "0e114aef-b914-59ea-b6d8-62d5141013b8",
        },
        "return_reason": "Vastuuvakuutuksen todistus puuttuu",
        "return_missing": ["Return missing"],
        "created_by": "03d91116-004e-5bad-9356-ea2f01edaf92",
        "created_at": "2016-03-01T08:30:00Z",
        "updated_at": "2016-03-31T09:15:00Z",
        "submitted_at": "2016-03-01T08:30:00Z",
        "decided_at": "2016-03-31T09:15:00Z",
        "saved_steps": ["Saved step"],
        "price_lists": [
            {
                "id": "7eaced7d-4190-580f-86de-0b85319c8543",
                "application_id": "6e9bce33-f17a-51fb-94d0-5273c17b1bb9",
                "service_id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3",
                "provider_id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf",
                "producer_part": "site:510d5b90-483e-5ae1-87c1-1fa70a17041b",
                "name": "Hoivakoti Päivänsäde Oy",
                "start": "2016-03-01",
                "state": "pending",
                "additional_info": "Hinnat sisältävät arvonlisäveron",
                "idempotency_key": "hinnasto-2016-kouvola",
                "created_at": "2016-03-01T08:30:00Z",
                "approved_at": "2016-03-31T09:15:00Z",
                "prices": [{"content_id": "56ba82c6-98ef-5d13-a432-cb2f39fe7769", "unit_price": "150.00"}],
            },
        ],
        "history": [
            {
                "tenant_id": "kouvola",
                "id": "742136c3-4c17-5c43-a0f7-50e26a88b8f8",
                "application_id": "6e9bce33-f17a-51fb-94d0-5273c17b1bb9",
                "seq": 1,
                "from_state": "draft",
                "to_state": "draft",
                "actor": "03d91116-004e-5bad-9356-ea2f01edaf92",
                "actor_role": "tenant_admin",
                "at": "2016-03-01T08:30:00Z",
                "reason": "Asiakas oli sairaalassa 10.–14.3.2016",
                "missing": ["Missing"],
            },
        ],
        "open_change_id": "7594843a-8ad3-55f3-8163-fec933d398a1",
        "missing": [
            {
                "code": "attachment_missing",
                "message": "Tilitys on valmis",
                "level": "company",
                "owner_id": "f9b3a3e8-e65e-59dd-977b-001e850fe3e9",
                "type": "liability_insurance",
            },
        ],
    }]})
    saved_steps: list[str]
    price_lists: list[PriceListOut]
    history: list[HistoryEntryOut]
    open_change_id: str | None = Field(description="the change being prepared of this approved application")
    missing: list[MissingOut] = Field(description="what still keeps it from being sent")


class CompletenessOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "complete": True,
        "missing": [
            {
                "code": "attachment_missing",
                "message": "Tilitys on valmis",
                "level": "company",
                "owner_id": "f9b3a3e8-e65e-59dd-977b-001e850fe3e9",
                "type": "liability_insurance",
            },
        ],
    }]})
    complete: bool
    missing: list[MissingOut]


class SigningDocumentOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "application_id": "6e9bce33-f17a-51fb-94d0-5273c17b1bb9",
        "digest": "9f2c4e3b7a1d5f6e8c0b2a4d6f8e0c2b4a6d8f0e2c4b6a8d0f2e4c6b8a0d2f4e",
        "document": {
            "service_id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3", "rulebook_version": 1,
            "price_lists": [{"name": "Hinnasto 2016", "prices": [
                {"content_id": "56ba82c6-98ef-5d13-a432-cb2f39fe7769", "unit_price": "150.00"}]}],
        },
    }]})
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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "0276986f-2c43-591b-b2e0-be05d5237d0f",
        "name_fi": "Ikääntyneiden tehostettu palveluasuminen",
        "name_sv": "Effektiviserat serviceboende för äldre",
        "services": [
            {
                "id": "66da8506-9bd0-5ee9-b72c-a7e1d965975b",
                "name_fi": "Ikääntyneiden tehostettu palveluasuminen",
                "name_sv": "Effektiviserat serviceboende för äldre",
                "kind": "voucher",
                "rulebook": {
                    "version_id": "c8422998-a768-5667-9e20-10324943546e",
                    "version": 1,
                    "effective_from": "2016-03-01",
                    "document_url": "https://seteli.kouvola.fi/portal/",
                },
            },
        ],
    }]})
    id: str
    name_fi: str
    name_sv: str
    services: list[PublicService]


class PublicTenants(BaseModel):
    items: list[PublicTenant]
    total: int


class PublicRulebookText(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "version": 1,
        "effective_from": "2016-03-01",
        "text": "Palvelu oli hyvää, kiitos.",
        "document_url": "https://seteli.kouvola.fi/portal/",
    }]})
    version: int
    effective_from: date
    text: str | None
    document_url: str | None
