"""Request and response bodies of the HTTP API (money and amounts as exact decimal strings)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field
from seteli_common.text import Lines, OneLine
from seteli_common.validators import FREE_IDENTIFIER_RULE, ValidationFailed, validate_free_identifier

PRODUCER_PART = ("empty = the company; site:<id> (a site approved for the service), unit:<name> (a unit of the "
                 "company, by its name) or employee:<id>, spelled as in price lists and service events")


def _client_number(value: str) -> str:
    try:
        return validate_free_identifier(value, "client_number")
    except ValidationFailed:
        raise ValueError(FREE_IDENTIFIER_RULE) from None


# A provider's own client number: it reaches reports and the officer's spreadsheets (no `=HYPERLINK(...)`).
ClientNumber = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_client_number)]


class ProxyIn(BaseModel):
    name: OneLine = Field(min_length=1, max_length=200)
    email: EmailStr | None = None
    phone: OneLine | None = Field(default=None, max_length=40)
    relation: OneLine | None = Field(default=None, max_length=100)


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
    first_name: OneLine = Field(min_length=1, max_length=100)
    last_name: OneLine = Field(min_length=1, max_length=100)
    identity_code: str = Field(min_length=1, max_length=20)
    email: EmailStr | None = None
    phone: OneLine | None = Field(default=None, max_length=40)
    language: Literal["fi", "sv"]
    proxy: ProxyIn | None = None


class ClientOut(BaseModel):
    """A client as lists show it: never the identity code."""
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "9ab86260-d245-58f2-b74a-71c1b7085731",
        "reference": "1234561",
        "first_name": "Aino",
        "last_name": "Asiakas",
        "email": "hoiva@paivansade.fi",
        "phone": "0401234567",
        "language": "fi",
        "proxy": {"name": "Matti Virtanen", "phone": "+358409876543", "relation": "son"},
        "date_of_death": "2016-03-20",
    }]})

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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "9ab86260-d245-58f2-b74a-71c1b7085731",
        "reference": "1234561",
        "first_name": "Aino",
        "last_name": "Asiakas",
        "email": "hoiva@paivansade.fi",
        "phone": "0401234567",
        "language": "fi",
        "proxy": {"name": "Matti Virtanen", "phone": "+358409876543", "relation": "son"},
        "date_of_death": "2016-03-20",
        "identity_code": "010170-999R",
    }]})
    identity_code: str


class IdentityCodeSearchIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"identity_code": "010180-9026"}]})
    identity_code: str = Field(min_length=1, max_length=20)


class DeathIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"date_of_death": "2016-03-10"}]})
    date_of_death: date


class DeathOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "client_id": "9ab86260-d245-58f2-b74a-71c1b7085731",
        "date_of_death": "2016-03-20",
        "valid_until": "2016-03-31",
        "closed_vouchers": ["Closed voucher"],
    }]})
    client_id: str
    date_of_death: date
    valid_until: date
    closed_vouchers: list[str]


class ClientProviderOut(BaseModel):
    """A provider who cares or cared for the client (a booking, ended or not)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf", "name": "Hoivakoti Päivänsäde Oy"}]})
    id: str
    name: str


class AccessLogOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": 1,
        "at": "2016-03-01T08:30:00Z",
        "actor": "03d91116-004e-5bad-9356-ea2f01edaf92",
        "actor_name": "Maija Meikäläinen",
        "actor_role": "tenant_admin",
        "actor_org": "kouvola",
        "what": "Tapahtuma kirjattu",
        "why": "Asiakas oli sairaalassa",
    }]})
    id: int
    at: datetime
    actor: str
    actor_name: str | None = None  # the person's name at the time of reading, when their token gave one
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
    name_fi: str | None = None  # the service content's names: the holder's look-up shows them
    name_sv: str | None = None
    unit: str
    granted_amount: Decimal
    period: str
    voucher_value: Decimal | None
    client_pays: bool = False  # listed for recording; the tenant never pays it (no voucher value)
    amount_left: Decimal | None = None


class VoucherOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "03dcd94a-4308-590a-90c1-8c0459ad019a",
        "number": "12345678903",
        "printable_number": "12345678903",
        "verification_code": "K7Q2M9",
        "client_id": "9ab86260-d245-58f2-b74a-71c1b7085731",
        "service_id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3",
        "granted_on": "2016-02-25",
        "valid_from": "2016-03-01",
        "valid_until": "2016-03-31",
        "state": "granted",
        "closed_reason": None,
        "contents": [
            {
                "id": "1d04ebc8-06a4-5513-a47c-af1e741ac900",
                "content_id": "56ba82c6-98ef-5d13-a432-cb2f39fe7769",
                "name_fi": "Hoiva",
                "name_sv": "Vård",
                "unit": "day",
                "granted_amount": "31",
                "period": "month",
                "voucher_value": "140.00",
                "client_pays": True,
                "amount_left": "0.00",
            },
        ],
    }]})
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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "f0284f59-f2a9-53f9-8dd6-2aae08c97a7b",
        "number": "12345678903",
        "printable_number": "12345678903",
        "client_id": "9ab86260-d245-58f2-b74a-71c1b7085731",
        "client_reference": "A-001",
        "client_first_name": "Aino",
        "client_last_name": "Asiakas",
        "service_id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3",
        "granted_on": "2016-02-25",
        "valid_from": "2016-03-01",
        "valid_until": "2016-03-31",
        "state": "granted",
        "closed_reason": None,
    }]})

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
    reason: Lines = Field(min_length=1, max_length=500)
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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "376bfc8e-80c2-55fd-8ba8-b23ce88f7e1d",
        "number": "12345678903",
        "printable_number": "12345678903",
        "service_id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3",
        "valid_from": "2016-03-01",
        "valid_until": "2016-03-31",
        "state": "approved",
        "client": {"first_name": "Aino", "last_name": "Asiakas"},
        "producer_parts": ["site:510d5b90-483e-5ae1-87c1-1fa70a17041b", "unit:Ryhmäkoti Kuusi"],
        "producer_part_names": {"site:510d5b90-483e-5ae1-87c1-1fa70a17041b": "Päivänsäde, Kouvola",
                                "unit:Ryhmäkoti Kuusi": "Ryhmäkoti Kuusi"},
        "contents": [
            {
                "id": "3b28a3d1-3d0e-5bff-9c99-47cb27690e78",
                "content_id": "56ba82c6-98ef-5d13-a432-cb2f39fe7769",
                "unit": "day",
                "granted_amount": "31",
                "period": "month",
                "voucher_value": "140.00",
                "client_pays": True,
                "amount_left": "0.00",
                "bookable": True,
                "refusal": None,
            },
        ],
    }]})
    id: str
    number: str
    printable_number: str
    service_id: str
    valid_from: date
    valid_until: date
    state: str
    client: ClientName
    producer_parts: list[str]
    producer_part_names: dict[str, str] = Field(default_factory=dict,
                                                description="each bookable producer part's name")
    contents: list[ProviderContentOut]


class BookingIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "voucher_number": "12345678903",
                    "voucher_content_id": "0b7f2a3c-1d1e-4c55-9b7a-3f0a4e1d2c3b",
                    "producer_part": "site:5f0c1a2b-7d3e-4f60-9a8b-2016030100aa",
                    "accept_terms": True,
                    "info": "Moves in on 1 April",
                    "client_number": "A-1001",
                }
            ]
        }
    )
    voucher_number: str = Field(min_length=1, max_length=30)
    voucher_content_id: str = Field(max_length=36)
    producer_part: str | None = Field(default=None, max_length=100, description=PRODUCER_PART,
                                      examples=["site:5f0c1a2b-7d3e-4f60-9a8b-2016030100aa", "unit:Ryhmäkoti Kuusi"])
    accept_terms: bool
    info: Lines | None = Field(default=None, max_length=2000)
    client_number: ClientNumber | None = None


class PurchaseIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "voucher_id": "1c1f...",
                    "voucher_content_id": "0b7f...",
                    "provider_id": "9a8b...",
                    "producer_part": "site:5f0c1a2b-7d3e-4f60-9a8b-2016030100aa",
                    "info": "Starts on 1 April",
                }
            ]
        }
    )
    voucher_id: str = Field(max_length=36)
    voucher_content_id: str = Field(max_length=36)
    provider_id: str = Field(max_length=36)
    producer_part: str | None = Field(default=None, max_length=100, description=PRODUCER_PART,
                                      examples=["site:5f0c1a2b-7d3e-4f60-9a8b-2016030100aa", "unit:Ryhmäkoti Kuusi"])
    info: Lines | None = Field(default=None, max_length=2000)


class BookingOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "24b19ec3-727b-5356-bb63-8d788ba735f7",
        "kind": "voucher",
        "state": "approved",
        "voucher_id": "03dcd94a-4308-590a-90c1-8c0459ad019a",
        "voucher_content_id": "1d04ebc8-06a4-5513-a47c-af1e741ac900",
        "service_id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3",
        "content_id": "56ba82c6-98ef-5d13-a432-cb2f39fe7769",
        "provider_id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf",
        "producer_part": "site:510d5b90-483e-5ae1-87c1-1fa70a17041b",
        "producer_part_name": "Päivänsäde, Kouvola",
        "producer_part_listed": True,
        "client_ref": "A-001",
        "info": "Muuttaa 1.4.2016",
        "commitment_number": "KOU-SIT-2016-03",
        "notification_email": "hoiva@paivansade.fi",
        "created_at": "2016-03-01T08:30:00Z",
        "ended_on": "2016-03-31",
        "end_reason": None,
    }]})
    id: str
    kind: str
    state: str
    voucher_id: str
    voucher_content_id: str
    service_id: str
    content_id: str
    provider_id: str
    producer_part: str | None
    producer_part_name: str | None = Field(default=None, description="the unit's name as booked, the site's or "
                                           "employee's current name; null for the company")
    producer_part_listed: bool = Field(default=True, description="false when the company no longer lists the "
                                       "unit or employee (renamed or removed after the booking)")
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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "e431d960-bd18-5fe1-98b3-221a81025836",
        "first_name": "Aino",
        "last_name": "Asiakas",
        "language": "fi",
        "client_number": "A-001",
        "reference": "1234561",
    }]})
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
