"""Request and response bodies of the HTTP API (money and amounts as exact decimal strings)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field
from seteli_common.validators import FREE_IDENTIFIER_RULE, ValidationFailed, validate_free_identifier


def _client_number(value: str) -> str:
    try:
        return validate_free_identifier(value, "client_number")
    except ValidationFailed:
        raise ValueError(FREE_IDENTIFIER_RULE) from None


# A provider's own client number: it reaches reports and the officer's spreadsheets (no `=HYPERLINK(...)`).
ClientNumber = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_client_number)]


class ProxyIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    relation: str | None = Field(default=None, max_length=100)


class ClientIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "first_name": "Aino",
                    "last_name": "Virtanen",
                    "identity_code": "010180-9026",
                    "email": "aino.virtanen@kouvola.fi",
                    "phone": "+358401234567",
                    "language": "fi",
                    "proxy": {"name": "Matti Virtanen", "phone": "+358409876543", "relation": "son"},
                }
            ]
        }
    )
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    identity_code: str = Field(min_length=1, max_length=20)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    language: Literal["fi", "sv"]
    proxy: ProxyIn | None = None


class ClientOut(BaseModel):
    """A client as lists show it: never the identity code."""

    id: str
    reference: str
    first_name: str
    last_name: str
    email: str | None = None
    phone: str | None = None
    language: str
    proxy: dict[str, Any] | None = None
    date_of_death: date | None = None


class ClientDetailOut(ClientOut):
    identity_code: str


class IdentityCodeSearchIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"identity_code": "010180-9026"}]})
    identity_code: str = Field(min_length=1, max_length=20)


class DeathIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"date_of_death": "2016-03-10"}]})
    date_of_death: date


class DeathOut(BaseModel):
    client_id: str
    date_of_death: date
    valid_until: date
    closed_vouchers: list[str]


class AccessLogOut(BaseModel):
    id: int
    at: datetime
    actor: str
    actor_role: str
    actor_org: str | None
    what: str
    why: str


class ContentIn(BaseModel):
    content_id: str = Field(min_length=1, max_length=64)
    granted_amount: Decimal = Field(max_digits=12, decimal_places=2)
    period: Literal["week", "month", "balance", "validity"]
    voucher_value: Decimal | None = Field(default=None, max_digits=12, decimal_places=2)


class VoucherIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "client_id": "8d4c4e0e-5f3a-4a53-9a43-8f5b1f0c2a11",
                    "service_id": "tehostettu",
                    "granted_on": "2016-03-01",
                    "valid_from": "2016-03-01",
                    "valid_until": "2016-12-31",
                    "contents": [
                        {
                            "content_id": "asumispalvelu",
                            "granted_amount": "31",
                            "period": "month",
                            "voucher_value": "140.00",
                        }
                    ],
                }
            ]
        }
    )
    client_id: str = Field(max_length=36)
    service_id: str = Field(max_length=64)
    granted_on: date
    valid_from: date
    valid_until: date
    contents: list[ContentIn] = Field(min_length=1, max_length=50)


class VoucherContentOut(BaseModel):
    id: str
    content_id: str
    unit: str
    granted_amount: Decimal
    period: str
    voucher_value: Decimal | None
    client_pays: bool = False  # listed for recording; the tenant never pays it (no voucher value)
    amount_left: Decimal | None = None


class VoucherOut(BaseModel):
    id: str
    number: str
    printable_number: str
    verification_code: str | None = None
    client_id: str | None = None
    service_id: str
    granted_on: date
    valid_from: date
    valid_until: date
    state: Literal["granted", "open", "closed"]
    closed_reason: str | None = None
    contents: list[VoucherContentOut]


class VoucherListItemOut(BaseModel):
    """A voucher as the tenant-wide list shows it: the client's name and reference, never the identity
    code nor the verification code."""

    id: str
    number: str
    printable_number: str
    client_id: str
    client_reference: str
    client_first_name: str
    client_last_name: str
    service_id: str
    granted_on: date
    valid_from: date
    valid_until: date
    state: Literal["granted", "open", "closed"]
    closed_reason: str | None = None


class CloseIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "Moved to another municipality", "valid_until": "2016-03-31"}]}
    )
    reason: str = Field(min_length=1, max_length=500)
    valid_until: date | None = None


class LookupIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"number": "12345 678903", "verification_code": "K7PX4MQA"}]}
    )
    number: str = Field(min_length=1, max_length=30)
    verification_code: str = Field(min_length=1, max_length=30)


class ProviderContentOut(VoucherContentOut):
    bookable: bool
    refusal: str | None


class ClientName(BaseModel):
    first_name: str
    last_name: str


class ProviderVoucherOut(BaseModel):
    id: str
    number: str
    printable_number: str
    service_id: str
    valid_from: date
    valid_until: date
    state: str
    client: ClientName
    producer_parts: list[str]
    contents: list[ProviderContentOut]


class BookingIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "voucher_number": "12345678903",
                    "voucher_content_id": "0b7f2a3c-1d1e-4c55-9b7a-3f0a4e1d2c3b",
                    "producer_part": "site:5f0c...",
                    "accept_terms": True,
                    "info": "Moves in on 1 April",
                    "client_number": "A-1001",
                }
            ]
        }
    )
    voucher_number: str = Field(min_length=1, max_length=30)
    voucher_content_id: str = Field(max_length=36)
    producer_part: str | None = Field(default=None, max_length=100, pattern=r"^site:[A-Za-z0-9_-]+$")
    accept_terms: bool
    info: str | None = Field(default=None, max_length=2000)
    client_number: ClientNumber | None = None


class PurchaseIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "voucher_id": "1c1f...",
                    "voucher_content_id": "0b7f...",
                    "provider_id": "9a8b...",
                    "producer_part": "site:5f0c...",
                    "info": "Starts on 1 April",
                }
            ]
        }
    )
    voucher_id: str = Field(max_length=36)
    voucher_content_id: str = Field(max_length=36)
    provider_id: str = Field(max_length=36)
    producer_part: str | None = Field(default=None, max_length=100, pattern=r"^site:[A-Za-z0-9_-]+$")
    info: str | None = Field(default=None, max_length=2000)


class BookingOut(BaseModel):
    id: str
    kind: str
    state: str
    voucher_id: str
    voucher_content_id: str
    service_id: str
    content_id: str
    provider_id: str
    producer_part: str | None
    client_ref: str
    info: str | None = None
    commitment_number: str | None = None
    notification_email: str | None = None
    created_at: datetime
    ended_on: date | None = None
    end_reason: str | None = None


class ProviderClientSearchIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "Virtanen"},
                {"identity_code": "010180-9026"},
                {"voucher_number": "12345678903"},
            ]
        }
    )
    name: str | None = Field(default=None, min_length=2, max_length=100)
    identity_code: str | None = Field(default=None, max_length=20)
    voucher_number: str | None = Field(default=None, max_length=30)
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0)


class ProviderClientOut(BaseModel):
    id: str
    first_name: str
    last_name: str
    language: str
    client_number: str | None
    reference: str


class ClientNumberIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"client_number": "A-1001"}]})
    client_number: ClientNumber


class BookingEndIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"ended_on": "2016-04-30", "reason": "client_changed_provider"}]}
    )
    ended_on: date
    reason: str = Field(min_length=1, max_length=30)
