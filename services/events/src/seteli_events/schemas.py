"""Request and response bodies of the HTTP API (money and amounts as exact decimals); the api modules
(api.py, api_client.py, api_decisions.py) use them, the use cases never do."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from seteli_common.clock import MONTH_PATTERN
from seteli_common.pages import Page
from seteli_common.text import Lines, OneLine

# ---- events (api.py) ---------------------------------------------------------------------------


class SegmentOut(BaseModel):
    start: date
    end: date
    units: Decimal
    unit_price: Decimal
    tenant_share_per_unit: Decimal
    co_payment_per_unit: Decimal
    percentage: Decimal
    amount_tenant: Decimal
    amount_co_payment: Decimal


class EventOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "ce5c29c5-2a0a-51cd-953a-77cb527aa686",
        "booking_id": "24b19ec3-727b-5356-bb63-8d788ba735f7",
        "voucher_id": "03dcd94a-4308-590a-90c1-8c0459ad019a",
        "service_id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3",
        "provider_id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf",
        "producer_part": "site:510d5b90-483e-5ae1-87c1-1fa70a17041b",
        "client_ref": "A-001",
        "content_id": "56ba82c6-98ef-5d13-a432-cb2f39fe7769",
        "unit": "day",
        "start": "2016-03-01",
        "end": "2016-03-31",
        "start_time": "08:00:00",
        "end_time": "16:00:00",
        "units": "31",
        "performer": "Maija Meikäläinen",
        "recorder": "03d91116-004e-5bad-9356-ea2f01edaf92",
        "text": "Palvelu oli hyvää, kiitos.",
        "status": "recorded",
        "approval": "approved",
        "decision_reason": "",
        "revision": 1,
        "settled": True,
        "credited": False,
        "auto_month": "2016-03",
        "amount_tenant": "4340.00",
        "amount_co_payment": "310.00",
        "segments": [
            {
                "start": "2016-03-01",
                "end": "2016-03-31",
                "units": "31",
                "unit_price": "150.00",
                "tenant_share_per_unit": "140.00",
                "co_payment_per_unit": "10.00",
                "percentage": "100",
                "amount_tenant": "4340.00",
                "amount_co_payment": "310.00",
            },
        ],
    }]})
    id: str
    booking_id: str
    voucher_id: str
    service_id: str
    provider_id: str
    producer_part: str | None
    client_ref: str
    content_id: str
    unit: str
    start: date
    end: date
    start_time: time | None
    end_time: time | None
    units: Decimal
    performer: str
    recorder: str
    text: str
    status: str
    approval: str | None
    decision_reason: str | None = None
    revision: int
    settled: bool
    credited: bool
    auto_month: str | None
    amount_tenant: Decimal
    amount_co_payment: Decimal
    segments: list[SegmentOut]


class EventPage(Page[EventOut]):
    pass  # the kernel's page, under the schema name the API has always published


class EventCountOut(BaseModel):
    service_id: str
    month: str = Field(pattern=MONTH_PATTERN, description="the month of the events' first day")
    count: int


class EventSummaryOut(BaseModel):
    """How many events there are per service and month (`items`, by month and service) and in all (`total`)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [
        {"service_id": "tehostettu", "month": "2016-02", "count": 1},
        {"service_id": "kotihoito", "month": "2016-03", "count": 4},
        {"service_id": "tehostettu", "month": "2016-03", "count": 12},
    ], "total": 17}]})
    items: list[EventCountOut]
    total: int


class GrantUseOut(BaseModel):
    """The grant an over-limit event crosses: units granted per period, used by the other counted events
    of that period, this event's units in it, and how far over it goes."""

    period: str  # week | month | validity | balance
    period_key: str  # e.g. "2016-W10", "2016-03"
    granted: Decimal
    used: Decimal
    units: Decimal
    excess: Decimal


class ApprovalItemOut(EventOut):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "276c88d9-1b81-5a28-94c5-fee50c9391f8",
        "booking_id": "24b19ec3-727b-5356-bb63-8d788ba735f7",
        "voucher_id": "03dcd94a-4308-590a-90c1-8c0459ad019a",
        "service_id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3",
        "provider_id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf",
        "producer_part": "site:510d5b90-483e-5ae1-87c1-1fa70a17041b",
        "client_ref": "A-001",
        "content_id": "56ba82c6-98ef-5d13-a432-cb2f39fe7769",
        "unit": "day",
        "start": "2016-03-01",
        "end": "2016-03-31",
        "start_time": "08:00:00",
        "end_time": "16:00:00",
        "units": "31",
        "performer": "Maija Meikäläinen",
        "recorder": "03d91116-004e-5bad-9356-ea2f01edaf92",
        "text": "Palvelu oli hyvää, kiitos.",
        "status": "recorded",
        "approval": "approved",
        "decision_reason": "",
        "revision": 1,
        "settled": True,
        "credited": False,
        "auto_month": "2016-03",
        "amount_tenant": "4340.00",
        "amount_co_payment": "310.00",
        "segments": [
            {
                "start": "2016-03-01",
                "end": "2016-03-31",
                "units": "31",
                "unit_price": "150.00",
                "tenant_share_per_unit": "140.00",
                "co_payment_per_unit": "10.00",
                "percentage": "100",
                "amount_tenant": "4340.00",
                "amount_co_payment": "310.00",
            },
        ],
        "grant": {
            "period": "month",
            "period_key": "2016-03",
            "granted": "31",
            "used": "31",
            "units": "31",
            "excess": "150.00",
        },
    }]})
    grant: GrantUseOut | None = None


class ApprovalPage(BaseModel):
    items: list[ApprovalItemOut]
    total: int


class EventIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "booking_id": "b-1",
                    "start": "2015-07-17",
                    "end": "2015-07-31",
                    "status": "recorded",
                    "text": "Presence after hospital",
                },
                {"booking_id": "b-2", "start": "2016-03-08", "start_time": "09:00", "end_time": "11:15"},
            ]
        }
    )
    booking_id: str
    start: date
    end: date | None = None
    start_time: time | None = None
    end_time: time | None = None
    units: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=6)
    performer: OneLine | None = Field(default=None, max_length=200)
    text: Lines = Field(default="", max_length=4000)
    producer_part: str | None = Field(default=None, max_length=100)
    status: Literal["recorded", "draft"] = "recorded"



class EventPatch(BaseModel):
    """Only the fields given change; dates or times re-value the event."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"end": "2016-03-20"}, {"status": "recorded"}]})
    start: date | None = None
    end: date | None = None
    start_time: time | None = None
    end_time: time | None = None
    units: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=6)
    performer: OneLine | None = Field(default=None, max_length=200)
    text: Lines | None = Field(default=None, max_length=4000)
    producer_part: str | None = Field(default=None, max_length=100)
    # (in the order the published schema has always had: typing once handed it the query filter's Literal)
    status: Literal["draft", "recorded"] | None = None


class ConfirmIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"service_id": "tehostettu"}, {"client_ref": "A-17"}]})
    event_ids: list[str] | None = None
    service_id: str | None = None
    producer_part: str | None = None
    client_ref: str | None = None
    booking_id: str | None = None


class ConfirmOut(BaseModel):
    confirmed: int
    items: list[EventOut]
    failed: list[dict[str, Any]]


# ---- interruptions and feedback (api_client.py) ------------------------------------------------


class InterruptionIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"booking_id": "b-housing", "start": "2015-07-02", "end": "2015-07-17", "reason": "hospital"},
                {"booking_id": "b-housing", "start": "2015-11-05", "reason": "hospital"},
            ]
        }
    )
    booking_id: str
    start: date
    end: date | None = None
    reason: Literal["hospital", "holiday", "other"]
    # the producer part the client is away from (the seed's form asks for it): its list prices the absence
    # and it is paid; "" the company; omitted: the part of the booking's latest care before the departure
    producer_part: str | None = Field(default=None, max_length=100)


class InterruptionEnd(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"end": "2015-12-08"}]})
    end: date
    reason: Literal["hospital", "holiday", "other"] | None = None


class InterruptionPatch(BaseModel):
    """Only the fields given change; a finalised interruption is valued again (until it is settled)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"end": "2015-07-15"}, {"reason": "holiday"}]})
    start: date | None = None
    end: date | None = None
    reason: Literal["hospital", "holiday", "other"] | None = None
    producer_part: str | None = Field(default=None, max_length=100)  # "" or null: the company


class InterruptionDay(BaseModel):
    day: date
    day_number: int
    percentage: Decimal


class InterruptionOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "58954a46-3b7b-5460-a732-d8892ffbecaa",
        "booking_id": "24b19ec3-727b-5356-bb63-8d788ba735f7",
        "voucher_id": "03dcd94a-4308-590a-90c1-8c0459ad019a",
        "service_id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3",
        "content_id": "56ba82c6-98ef-5d13-a432-cb2f39fe7769",
        "provider_id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf",
        "producer_part": "site:510d5b90-483e-5ae1-87c1-1fa70a17041b",
        "client_ref": "A-001",
        "start": "2016-03-01",
        "end": "2016-03-31",
        "reason": "Asiakas oli sairaalassa 10.–14.3.2016",
        "status": "recorded",
        "days": [{"day": "2016-03-01", "day_number": 1, "percentage": "100"}],
        "segments": [
            {
                "start": "2016-03-01",
                "end": "2016-03-31",
                "units": "31",
                "unit_price": "150.00",
                "tenant_share_per_unit": "140.00",
                "co_payment_per_unit": "10.00",
                "percentage": "100",
                "amount_tenant": "4340.00",
                "amount_co_payment": "310.00",
            },
        ],
        "amount_tenant": "4340.00",
        "amount_co_payment": "310.00",
        "settled": True,
        "credited": False,
        "approval": "pending",
        "decision_reason": "",
    }]})
    id: str
    booking_id: str
    voucher_id: str
    service_id: str
    content_id: str
    provider_id: str
    producer_part: str | None
    client_ref: str
    start: date
    end: date | None
    reason: str
    status: str
    days: list[InterruptionDay] | None
    segments: list[SegmentOut] | None
    amount_tenant: Decimal | None
    amount_co_payment: Decimal | None
    settled: bool = False
    credited: bool = False
    approval: Literal["pending", "approved", "rejected"] | None = Field(
        default=None, description="None: the tenant approves no interruptions (sent to settlement once finalised)"
    )
    decision_reason: str | None = None
    decision: Literal["approve", "reject"] | None = Field(
        default=None, description="the officer's decision, kept also when void (made after the approval step was "
                                  "turned off: see released_at)")
    decided_at: datetime | None = None
    released_at: datetime | None = Field(
        default=None, description="approved by the approval step turned off, not by the officer: when that was "
                                  "stated (a decision made after it is void)")


class InterruptionPage(Page[InterruptionOut]):
    pass  # the kernel's page, under the schema name the API has always published


class FeedbackIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "provider_id": "p-paivansade",
                    "kind": "complaint",
                    "text": "Ateria oli kylmä",
                    "event_id": None,
                }
            ]
        }
    )
    provider_id: str
    kind: Literal["thanks", "criticism", "complaint"]
    text: Lines = Field(min_length=1, max_length=4000)
    event_id: str | None = None
    service_id: str | None = None
    needs_reply: bool = False


class ReplyIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"text": "Pahoittelemme, korjaamme asian."}]})
    text: Lines = Field(min_length=1, max_length=4000)


class FeedbackOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "e2c815b5-4daa-54ea-ba1f-27a54bbef571",
        "kind": "voucher",
        "provider_id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf",
        "producer_part": "site:510d5b90-483e-5ae1-87c1-1fa70a17041b",
        "service_id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3",
        "event_id": "ce5c29c5-2a0a-51cd-953a-77cb527aa686",
        "needs_reply": False,
        "text": "Palvelu oli hyvää, kiitos.",
        "reply": "Kiitos palautteesta",
        "replied_at": "2016-03-31T09:15:00Z",
        "created_at": "2016-03-01T08:30:00Z",
    }]})
    id: str
    kind: str
    provider_id: str
    producer_part: str | None
    service_id: str
    event_id: str | None
    needs_reply: bool
    text: str
    reply: str | None
    replied_at: datetime | None
    created_at: datetime


class FeedbackPage(Page[FeedbackOut]):
    pass  # the kernel's page, under the schema name the API has always published


# ---- approvals, credits, corrections and the auto-recording run (api_decisions.py) -------------


class DecisionIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"decision": "approve"},
                {"decision": "reject", "reason": "Yli myönnetyn määrän"},
                {"decision": "approve_and_credit", "reason": "Ylitys laskutetaan asiakkaalta"},
            ]
        }
    )
    decision: Literal["approve", "reject", "approve_and_credit"]
    reason: Lines = Field(default="", max_length=2000)


class InterruptionDecisionIn(BaseModel):
    """The officer's decision on an interruption waiting for approval (004 §4.3.5.2)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"decision": "approve"}, {"decision": "reject", "reason": "Paluupäivä on väärin"}]
        }
    )
    decision: Literal["approve", "reject"]
    reason: Lines = Field(default="", max_length=2000)


class CreditIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"event_id": "…", "reason": "Asiakas oli sairaalassa"}]})
    event_id: str
    reason: Lines = Field(min_length=1, max_length=2000)


class CreditOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "1a4be438-5a45-5314-85f7-aa965e35f7d7",
        "event_id": "ce5c29c5-2a0a-51cd-953a-77cb527aa686",
        "kind": "event",
        "provider_id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf",
        "producer_part": "site:510d5b90-483e-5ae1-87c1-1fa70a17041b",
        "client_ref": "A-001",
        "content_id": "56ba82c6-98ef-5d13-a432-cb2f39fe7769",
        "service_id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3",
        "amount": "150.00",
        "reason": "Asiakas oli sairaalassa 10.–14.3.2016",
        "month": "2016-03",
        "created_at": "2016-03-01T08:30:00Z",
        "deducted_month": None,
        "deducted_run_id": None,
        "carried_month": "2016-03",
        "carried_amount": "-40.00",
    }]})
    id: str
    event_id: str  # the event's id, or (kind interruption) the interruption's
    kind: Literal["event", "interruption"] = "event"
    provider_id: str
    producer_part: str | None
    client_ref: str
    content_id: str
    service_id: str
    amount: Decimal
    reason: str
    month: str = Field(description="the settlement month planned to deduct it when it was made")
    created_at: datetime
    deducted_month: str | None = Field(default=None, description="the month of the run that deducted it, once "
                                       "settlement has said so")
    deducted_run_id: str | None = Field(default=None, description="the run that deducted it")
    carried_month: str | None = Field(default=None, description="not deducted yet: the month of the latest run "
                                      "that carried it over to the next run (its payee without billing "
                                      "information, or its total negative)")
    carried_amount: Decimal | None = Field(default=None, description="of a credit carried over: the part still to "
                                           "deduct, the rest recovered from another payee's payment of the "
                                           "provider by a set-off (null: all of it, or not told)")


class CreditPage(Page[CreditOut]):
    pass  # the kernel's page, under the schema name the API has always published


class AutoRecordIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"month": "2016-03"}, {}]})
    month: str | None = Field(default=None, pattern=MONTH_PATTERN)


class AutoRecordOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "month": "2016-03",
        "created": 1,
        "skipped": [{"booking_id": "0d0b7a52-3c1e-5d2f-9e4a-2016030100c3", "start": "2016-03-01",
                     "reason": "Palveluseteli ei ole voimassa"}],
    }]})
    month: str
    created: int
    skipped: list[dict[str, Any]]


class InterruptionCreditIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "Asiakas oli kotona"}]})
    reason: Lines = Field(min_length=1, max_length=2000)


class CorrectionIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "kind": "event", "target_id": "3f0c…", "reason": "Asiakas oli sairaalassa 3.–5.3., kirjattu vahingossa"}]})
    kind: Literal["event", "interruption"] = "event"
    target_id: str = Field(min_length=1, max_length=36)
    reason: Lines = Field(min_length=1, max_length=2000)


class CorrectionAnswerIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"decision": "credit", "reason": ""}]})
    decision: Literal["credit", "decline"]
    reason: Lines = Field(default="", max_length=2000, description="required to decline; a credit's own reason")


class CorrectionOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "1c92e80f-4fd5-5ae4-86bd-d64e2b26a6c0",
        "kind": "event",
        "target_id": "50449680-1a19-50c7-8c8e-702f44052845",
        "provider_id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf",
        "service_id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3",
        "content_id": "56ba82c6-98ef-5d13-a432-cb2f39fe7769",
        "client_ref": "A-001",
        "start": "2016-03-01",
        "end": "2016-03-31",
        "amount": "150.00",
        "reason": "Asiakas oli sairaalassa 10.–14.3.2016",
        "state": "open",
        "answer": "Korjattu",
        "credit_id": "1a4be438-5a45-5314-85f7-aa965e35f7d7",
        "created_at": "2016-03-01T08:30:00Z",
        "answered_at": "2016-03-31T09:15:00Z",
    }]})
    id: str
    kind: Literal["event", "interruption"]
    target_id: str
    provider_id: str
    service_id: str
    content_id: str
    client_ref: str
    start: date
    end: date
    amount: Decimal
    reason: str
    state: Literal["open", "credited", "declined", "removed"] = Field(
        description='"removed": the voucher ended before the entry, which was removed and what was paid for it is '
                    'taken back by settlement; nothing is left to credit')
    answer: str | None
    credit_id: str | None
    created_at: datetime
    answered_at: datetime | None
    valid_until: date | None = Field(
        None, description='"removed": the last valid day of the voucher (its booking, the content) the entry lay '
                          'beyond')
    removed_cause: Literal["voucher", "death", "booking", "service"] | None = Field(
        None, description='"removed": which end made that day: the voucher\'s (closed, used up or expired), the '
                          "client's death, the booking's, or the booked content of the service ended by the tenant; "
                          "none on requests removed before it was kept")


class CorrectionPage(Page[CorrectionOut]):
    pass


class CoPaymentLineOut(BaseModel):
    kind: Literal["event", "interruption"] | str
    source_id: str
    content_id: str
    content_name: str
    voucher_number: str
    start: date
    end: date
    units: Decimal
    unit_price: Decimal
    voucher_value: Decimal | None = Field(description="the voucher's value per unit; null for a content the "
                                                      "client pays")
    tenant_share_per_unit: Decimal
    co_payment_per_unit: Decimal
    percentage: Decimal
    amount_tenant: Decimal
    amount_co_payment: Decimal
    status: str
    client_pays: bool


class CoPaymentOut(BaseModel):
    """The client's co-payment breakdown (004 §4.3.7): per line what the municipality pays and what the
    client pays, with the totals; amounts in euros as decimal strings."""
    model_config = ConfigDict(populate_by_name=True, json_schema_extra={"examples": [{
        "client_id": "9ab86260-d245-58f2-b74a-71c1b7085731",
        "service_id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3",
        "service_name": "Ikääntyneiden tehostettu palveluasuminen",
        "from": "2016-03-01",
        "to": "2016-03-31",
        "lines": [{
            "kind": "event", "source_id": "407f8a47-9a3b-5d06-8623-59d2e83c251a",
            "content_id": "56ba82c6-98ef-5d13-a432-cb2f39fe7769", "content_name": "Hoiva ja huolenpito",
            "voucher_number": "12345678903", "start": "2016-03-01", "end": "2016-03-31", "units": "31",
            "unit_price": "150.00", "voucher_value": "140.00", "tenant_share_per_unit": "140.00",
            "co_payment_per_unit": "10.00", "percentage": "100", "amount_tenant": "4340.00",
            "amount_co_payment": "310.00", "status": "approved", "client_pays": True,
        }],
        "amount_tenant": "4340.00",
        "amount_co_payment": "310.00",
        "awaiting_approval_co_payment": "0.00",
    }]})

    client_id: str
    service_id: str
    service_name: str
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    lines: list[CoPaymentLineOut]
    amount_tenant: Decimal
    amount_co_payment: Decimal
    awaiting_approval_co_payment: Decimal = Field(description="co-payment of entries still awaiting approval")
