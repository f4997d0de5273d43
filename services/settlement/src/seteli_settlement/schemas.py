"""What the settlement API answers: one named model per response, so the OpenAPI document describes the
run, the result that matters, field by field (issue 22).

Amounts are strings with two decimals (euros, rounded once by the rule in domain/settling.py); dates are
ISO dates and timestamps ISO 8601 strings, answered as the use cases format them."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from seteli_common.pages import Page

Money = str  # "3690.00": euros, two decimals, never a float


class LineOut(BaseModel):
    line_id: int
    kind: str = Field(examples=["event"], description="event, interruption or credit")
    entry: str = Field(description="what the line is: a payment, a reversal of an earlier revision, a credit")
    source_id: str = Field(description="the event, interruption or credit it comes from")
    revision: int
    event_id: str | None
    service_id: str
    content_id: str
    client_ref: str = Field(description="the provider's own client number, never a name or identity code")
    producer_part: str | None
    start: date
    end: date
    units: str
    unit_price: Money
    percentage: str
    amount: Money
    co_payment: Money
    month: str = Field(examples=["2016-03"])
    reverses: int | None = Field(description="the line this one reverses")


class PaymentOut(BaseModel):
    payment_id: int | None = Field(description="null in a preview")
    provider_id: str
    site_id: str | None = Field(description="a site paid to its own account; null = the company's")
    payee_name: str
    amount: Money = Field(examples=["3690.00"])
    iban: str
    reference: str
    line_count: int
    event_ids: list[str]
    interruption_ids: list[str]
    credit_ids: list[str]
    lines: list[LineOut] | None = Field(default=None, description="with lines=true")


class CarriedOverOut(BaseModel):
    provider_id: str
    site_id: str | None
    payee_name: str
    amount: Money
    line_count: int
    reason: str = Field(examples=["no_billing"])
    reason_text: str
    iban: str | None = Field(default=None, description="the account that could not be paid, if any")
    reference: str | None = None
    event_ids: list[str] | None = None
    interruption_ids: list[str] | None = None
    credit_ids: list[str] | None = None
    lines: list[LineOut] | None = Field(default=None, description="with lines=true")


class JobsOut(BaseModel):
    total: int
    done: int


class WarningOut(BaseModel):
    code: str
    text: str
    provider_deadline: date
    count: int | None = Field(default=None, description="events_awaiting_approval: how many events wait")


class PayeeChangeOut(BaseModel):
    """A payee whose total, account or carry-over changed since the previous preview."""

    provider_id: str
    site_id: str | None
    before: Money
    after: Money
    difference: Money
    iban_before: str | None = Field(default=None, description="the account the previous preview paid to "
                                    "(null: none, or not known for a preview made before accounts were kept)")
    iban_after: str | None = Field(default=None, description="the account this preview pays to (null: none)")
    carried_over_before: str | None = Field(default=None, description="why the previous preview carried the "
                                            "payee over (null: it was paid)")
    carried_over_after: str | None = Field(default=None, description="why this preview carries the payee over "
                                           "(e.g. no_billing_information; null: it is paid)")


class ChangedLineOut(BaseModel):
    line_id: int
    payee: str
    amount: Money
    event_id: str | None
    source_id: str | None
    kind: str | None


class PreviewChangesOut(BaseModel):
    first_preview: bool
    added_lines: list[ChangedLineOut]
    removed_lines: list[ChangedLineOut]
    payees: list[PayeeChangeOut]
    since: str | None = Field(default=None, description="when the previous preview was made")


class LockOut(BaseModel):
    allowed: bool
    refusal: str | None
    refusal_text: str | None
    lockable_from: date
    provider_deadline: date
    warnings: list[WarningOut]


class CalendarOut(BaseModel):
    provider_deadline: date
    approval_deadline: date
    transfer_date: date
    today: date


class FailedJobOut(BaseModel):
    """A provider whose payment failed on every attempt and was left out of the run: nothing of it was paid, and
    its lines stay open for the next run."""
    provider_id: str
    provider_name: str
    attempts: int = Field(description="how many times the payment was tried")
    reason: str = Field(description="the last attempt's error, shortly (no statement, no personal data)",
                        examples=["StringDataRightTruncationError: value too long for type character varying(254)"])
    reason_text: str
    failed_at: str | None


class SetOffOut(BaseModel):
    """A payee's credits deducted from another payee of the same provider in the run (the provider is one debtor),
    or (kind `repaid`) a deduction of an earlier run that the run pays back to the payee that bore it, because the
    debtor's credit was withdrawn."""
    kind: Literal["set_off", "repaid"] = Field(default="set_off", description="set_off: deducted in the run; "
                                               "repaid: an earlier deduction paid back in the run")
    provider_id: str
    from_site_id: str | None = Field(description="set_off: the payee whose credits were set off; repaid: the payee "
                                     "paid back (null: the company)")
    from_payee_name: str
    to_site_id: str | None = Field(description="set_off: the payee whose payment they were deducted from; repaid: "
                                   "the payee whose credit was withdrawn (null: the company)")
    to_payee_name: str
    payment_id: int = Field(description="the payment they were deducted from (repaid: in the earlier run)")
    repaid_by_payment_id: int | None = Field(default=None, description="repaid: the run's payment that pays it back")
    amount: Money = Field(description="how much was deducted or paid back (positive)")


class RunOut(BaseModel):
    """A run (or, with dry_run, a preview): who is paid what, who is carried over and why."""
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "3f0c6a56-6a4e-4f7c-9d59-0d1f2b3c4d5e", "month": "2016-03", "state": "completed",
        "trigger": "manual", "dry_run": False, "total": "3690.00", "created_at": "2016-04-04T03:00:00+00:00",
        "completed_at": "2016-04-04T03:00:02+00:00", "jobs": {"total": 1, "done": 1}, "warnings": [],
        "payments": [{"payment_id": 12, "provider_id": "p-paivansade", "site_id": None,
                      "payee_name": "Hoivakoti Päivänsäde Oy", "amount": "3690.00", "iban": "FI2112345600000785",
                      "reference": "1234561", "line_count": 2, "event_ids": ["e-1", "e-2"],
                      "interruption_ids": [], "credit_ids": []}],
        "carried_over": []}]})

    id: str | None = Field(description="null in a preview")
    preview_digest: str | None = Field(default=None, description="a preview: what it pays whom, as a digest to "
                                       "send with the lock (`POST /runs` `preview_digest`)")
    month: str = Field(examples=["2016-03"])
    state: str = Field(examples=["completed"], description="running until every payment is made, then completed")
    trigger: str
    dry_run: bool
    total: Money | None
    created_at: str
    completed_at: str | None
    jobs: JobsOut
    failed_jobs: list[FailedJobOut] = Field(default=[], description="providers left out after failing: paid later")
    warnings: list[WarningOut]
    payments: list[PaymentOut]
    carried_over: list[CarriedOverOut]
    set_offs: list[SetOffOut] = Field(default=[], description="credits of one payee deducted from another payee "
                                      "of the same provider in the run")
    changes: PreviewChangesOut | None = Field(default=None, description="a preview: what changed since the last")
    lock: LockOut | None = Field(default=None, description="a preview: whether the month may be locked now")
    calendar: CalendarOut | None = Field(default=None, description="a preview: the month's deadlines")


class RunListItemOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "953f717a-b5b3-52c9-8540-22b4f3783fcb",
        "month": "2016-03",
        "state": "approved",
        "trigger": "manual",
        "total": "150.00",
        "created_at": "2016-03-01",
    }]})
    id: str
    month: str
    state: str
    trigger: str
    total: Money | None
    created_at: str
    failed_jobs: list[FailedJobOut] = Field(default=[], description="providers left out after failing: paid later")


class RunPage(Page[RunListItemOut]):
    pass


class TracedLineOut(LineOut):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "line_id": 1,
        "kind": "event",
        "entry": "payment",
        "source_id": "407f8a47-9a3b-5d06-8623-59d2e83c251a",
        "revision": 1,
        "event_id": "ce5c29c5-2a0a-51cd-953a-77cb527aa686",
        "service_id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3",
        "content_id": "56ba82c6-98ef-5d13-a432-cb2f39fe7769",
        "client_ref": "A-001",
        "producer_part": "site:510d5b90-483e-5ae1-87c1-1fa70a17041b",
        "start": "2016-03-01",
        "end": "2016-03-31",
        "units": "31",
        "unit_price": "150.00",
        "percentage": "100",
        "amount": "150.00",
        "co_payment": "150.00",
        "month": "2016-03",
        "reverses": 1,
        "status": "sent",
        "run_id": "f03f859b-c89d-5d49-ab3e-00d16aed5246",
        "payment_id": 1,
    }]})
    status: str = Field(description="open, paid or carried over")
    run_id: str | None
    payment_id: int | None


class TracedLinePage(Page[TracedLineOut]):
    pass


class StartedRunOut(BaseModel):
    tenant_id: str
    month: str
    run_id: str


class StartedRunsOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "started": [{"tenant_id": "kouvola", "month": "2016-03", "run_id": "f03f859b-c89d-5d49-ab3e-00d16aed5246"}],
    }]})
    started: list[StartedRunOut]


class PaymentListItemOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "payment_id": 1,
        "run_id": "f03f859b-c89d-5d49-ab3e-00d16aed5246",
        "month": "2016-03",
        "provider_id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf",
        "site_id": "510d5b90-483e-5ae1-87c1-1fa70a17041b",
        "payee_name": "Hoivakoti Päivänsäde Oy",
        "amount": "150.00",
        "reference": "1234561",
        "line_count": 1,
        "state": "approved",
        "specification_state": "ready",
        "created_at": "2016-03-01",
        "specification_url": "https://seteli.kouvola.fi/portal/",
    }]})
    payment_id: int
    run_id: str
    month: str
    provider_id: str
    site_id: str | None
    payee_name: str
    amount: Money
    reference: str
    line_count: int
    state: str
    specification_state: str | None
    created_at: str
    specification_url: str


class PaymentPage(Page[PaymentListItemOut]):
    pass


class RealisationRowOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "provider_id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf",
        "client_ref": "A-001",
        "content_id": "56ba82c6-98ef-5d13-a432-cb2f39fe7769",
        "content_name": "Hoiva ja huolenpito",
        "units_settled": "31",
        "amount_settled": "150.00",
        "co_payment": "150.00",
        "amount_unsettled": "150.00",
        "units_awaiting_approval": "0",
    }]})
    provider_id: str
    client_ref: str
    content_id: str
    content_name: str
    units_settled: str
    amount_settled: Money
    co_payment: Money
    amount_unsettled: Money
    units_awaiting_approval: str = Field(description="units of events still waiting for the tenant's approval: "
                                         "the unfinished units settlement knows of. Drafts and unconfirmed "
                                         "auto-recordings never reach settlement; the portal's report adds them "
                                         "to this as its unfinished units (004 §5)")


class RealisationPage(Page[RealisationRowOut]):
    pass


class InterruptionRowOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "interruption_id": "58954a46-3b7b-5460-a732-d8892ffbecaa",
        "service_id": "06b76dd5-48a1-5bcf-b466-5d20e85256b3",
        "provider_id": "33f6dcd6-febb-5481-8952-0dc9630cf1cf",
        "producer_part": "site:510d5b90-483e-5ae1-87c1-1fa70a17041b",
        "client_ref": "A-001",
        "content_id": "56ba82c6-98ef-5d13-a432-cb2f39fe7769",
        "start": "2016-03-01",
        "end": "2016-03-31",
        "days": 31,
        "reason": "hospital",
        "amount_tenant": "4340.00",
        "amount_co_payment": "310.00",
        "credit": False,
    }]})
    interruption_id: str
    service_id: str
    provider_id: str
    producer_part: str | None
    client_ref: str
    content_id: str
    start: date
    end: date | None
    days: int
    reason: Literal["hospital", "holiday", "other"] | str
    amount_tenant: Money
    amount_co_payment: Money
    credit: bool = Field(False, description="the row is only the credits settled in the period of an interruption "
                                            "that ended outside it (its amounts are those credits, negative)")


class InterruptionReportPage(Page[InterruptionRowOut]):
    pass
