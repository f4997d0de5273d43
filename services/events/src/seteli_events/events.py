"""Events this service publishes (decimals travel as strings, dates as ISO strings), and the building of
an event's payload from its stored row and segments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from seteli_common.messaging.envelope import EventPayload

from .domain.decimals import money, plain


class Segment(BaseModel):
    """One settlement line: consecutive days (or one non-day event) of equal price and percentage."""

    model_config = ConfigDict(frozen=True)
    start: date
    end: date
    units: Decimal
    unit_price: Decimal
    tenant_share_per_unit: Decimal
    co_payment_per_unit: Decimal
    percentage: Decimal
    amount_tenant: Decimal
    amount_co_payment: Decimal


class EventRecorded(EventPayload):
    event_type = "events.event.recorded"
    event_id: str
    revision: int
    service_id: str
    provider_id: str
    producer_part: str | None
    booking_id: str
    voucher_id: str
    client_ref: str
    content_id: str
    unit: str
    start: date
    end: date
    units: Decimal
    status: Literal["payable", "awaiting_approval"]  # an approved over-limit event is payable
    segments: list[Segment]
    amount_tenant: Decimal
    amount_co_payment: Decimal
    # the client pays the content by the service's contents on the event's first day (never settled by the tenant)
    client_pays: bool = False


class EventCorrected(EventRecorded):
    """The same payload as recorded, with the next revision; settlement replaces the earlier one."""

    event_type = "events.event.corrected"


class EventDeleted(EventPayload):
    event_type = "events.event.deleted"
    event_id: str
    revision: int


class EventApproved(EventPayload):
    event_type = "events.event.approved"
    event_id: str
    revision: int | None = None  # the revision decided: a later correction waits for a decision of its own


class EventRejected(EventPayload):
    """An over-limit event the officer rejected: the provider is told which and why."""

    event_type = "events.event.rejected"
    event_id: str
    reason: str = ""
    revision: int | None = None  # the revision decided (as for an approval)
    provider_id: str | None = None
    client_ref: str | None = None
    start: date | None = None
    end: date | None = None
    service_id: str | None = None


class InterruptionRejected(EventPayload):
    """A finalised interruption the officer rejected (the tenant approves interruptions, 004 §4.3.5.2):
    it is not paid; the provider is told which and why, and may correct it (it waits again) or delete it."""

    event_type = "events.interruption.rejected"
    interruption_id: str
    reason: str
    provider_id: str
    client_ref: str
    start: date
    end: date
    service_id: str


class DecidedInterruptionRejection(EventPayload):
    """What a change to the officer's rejection of a finalised interruption says of the stay and of the rejection
    (the fields, in this order, that begin InterruptionRejectionVoided and InterruptionRejectionRestored)."""

    interruption_id: str
    provider_id: str
    producer_part: str | None
    client_ref: str
    start: date
    end: date
    service_id: str
    reason: str  # the rejection's
    decided_at: datetime  # the rejection's


class InterruptionRejectionVoided(DecidedInterruptionRejection):
    """The officer's rejection of an interruption is void: the approval step had been turned off before the decision
    (heard only after it), which released the interruption, so it is paid as recorded (events.interruption.finalised
    goes to settlement beside this). The provider, told of the rejection, is told it no longer stands."""

    event_type = "events.interruption.rejection_voided"
    amount_tenant: Decimal
    # when the "off" that voids it was stated: voided, standing again (`InterruptionRejectionRestored`) and voided
    # again by another statement are each a change the provider is told of once
    released_at: datetime | None = None


class InterruptionRejectionRestored(DecidedInterruptionRejection):
    """A voided rejection stands again: a statement heard still later (an "on" stated after the "off" that voided
    it, before the interruption was finalised) puts the interruption back under the approval step, where the
    officer's rejection stands (`approval`), so it is not paid (taken back from settlement beside this). The
    provider, told the rejection was void, is told it stands again."""

    event_type = "events.interruption.rejection_restored"
    voided_by: datetime  # the "off" whose void this undoes: one notice per change
    approval: Literal["rejected", "pending"]


class InterruptionDayOut(BaseModel):
    model_config = ConfigDict(frozen=True)
    day: date
    day_number: int
    percentage: Decimal


class InterruptionFinalised(EventPayload):
    event_type = "events.interruption.finalised"
    interruption_id: str
    voucher_id: str
    booking_id: str
    provider_id: str
    producer_part: str | None
    client_ref: str
    content_id: str
    service_id: str
    start: date
    end: date
    reason: str
    days: list[InterruptionDayOut]
    segments: list[Segment]
    amount_tenant: Decimal
    amount_co_payment: Decimal
    revision: int = 1  # a correction before settlement is published again with the next revision
    client_pays: bool = False  # by the service's contents on the departure day: never settled by the tenant


class InterruptionDeleted(EventPayload):
    """A finalised interruption removed before it was settled: settlement drops its lines."""

    event_type = "events.interruption.deleted"
    interruption_id: str
    revision: int


class CreditRequested(EventPayload):
    event_type = "events.credit.requested"
    credit_id: str
    event_id: str
    provider_id: str
    producer_part: str | None
    client_ref: str
    content_id: str
    service_id: str
    amount: Decimal
    reason: str
    month: str
    kind: Literal["event", "interruption"] = "event"  # what event_id names
    # The credited entry's co-payment, negative: the client pays nothing for a wrong entry either.
    amount_co_payment: Decimal = Decimal("0.00")


class ReminderDue(EventPayload):
    """The day before the provider deadline (the 1st for the default, the 2nd): a provider still has last
    month's drafts or interruptions without an end, which are paid only when confirmed (ended) by `deadline`
    (the service calendar's `provider_deadline_day`). The notifications service mails the reminder."""

    event_type = "events.reminder.due"
    provider_id: str
    month: str  # YYYY-MM, the month whose work is open
    drafts: int
    open_interruptions: int
    deadline: date


class ProviderPendingWork(BaseModel):
    """One provider's pending work in a tenant, as its home page counts it (every count may be 0)."""

    provider_id: str
    drafts: int  # drafts to confirm
    deadline: date | None  # the provider deadline of the oldest draft's month (the service calendar's)
    awaiting_approval: int  # recorded events waiting for the tenant's approval (over a grant)
    open_interruptions: int  # interruptions without an end
    feedback_awaiting_reply: int  # complaints, and feedback whose client asked for a reply
    corrections_open: int  # the provider's correction requests the tenant has not answered yet
    corrections_answered: int  # correction requests the tenant answered since the previous summary


class PendingWorkSummarised(EventPayload):
    """Once a day per tenant: every provider with pending work there (one absent has none). The summary
    replaces the day before's; notifications lists it in the provider's daily digest."""

    event_type = "events.pending_work.summarised"
    day: date
    providers: list[ProviderPendingWork]


class CreditWithdrawn(EventPayload):
    """A credit taken back before settlement deducted it: its event was removed or clipped (the
    client's validity ended) before it was ever paid. Settlement drops the credit's lines (or, were it
    deducted already, reverses them)."""

    event_type = "events.credit.withdrawn"
    credit_id: str
    event_id: str
    kind: Literal["event", "interruption"] = "event"
    reason: str


class FeedbackGiven(EventPayload):
    event_type = "events.feedback.given"
    feedback_id: str
    kind: Literal["thanks", "criticism", "complaint"]
    provider_id: str
    producer_part: str | None
    service_id: str
    needs_reply: bool
    event_id: str | None = None
    notify_provider: bool = False  # a reply or corrective action is asked
    notify_tenant: bool = False  # every complaint


class FeedbackReplied(EventPayload):
    event_type = "events.feedback.replied"
    feedback_id: str
    provider_id: str
    producer_part: str | None
    service_id: str


class ClientDataRead(EventPayload):
    """A client's personal data was shown (Client Data Act 703/2023 §11): vouchers, which keeps the
    client's access log, writes one row per client (who, what, when, why)."""

    event_type = "events.client_data.read"
    client_ids: list[str]
    actor: str  # the token subject
    actor_role: str
    actor_org: str | None  # the provider or tenant the actor works for; a client: themself
    actor_name: str | None = None  # the person's name as their token gives it
    what: str  # e.g. "co_payment.breakdown.pdf"
    why: str
    at: datetime


# ---- payloads from stored rows ------------------------------------------------------------------


def segment_out(row: Mapping[str, Any]) -> Segment:
    return Segment(**segment_fields(row))


def segment_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored segment's fields as a Segment has them (a list of events shows them without building one)."""
    return {
        "start": row["start"],
        "end": row["end"],
        "units": plain(row["units"]),
        "unit_price": money(row["unit_price"]),
        "tenant_share_per_unit": money(row["tenant_share_per_unit"]),
        "co_payment_per_unit": money(row["co_payment_per_unit"]),
        "percentage": plain(row["percentage"]),
        "amount_tenant": money(row["amount_tenant"]),
        "amount_co_payment": money(row["amount_co_payment"]),
    }


def event_status(row: Mapping[str, Any]) -> str:
    """The status settlement needs: awaiting_approval, or payable (an approved event is payable)."""
    return "awaiting_approval" if row["approval"] == "awaiting_approval" else "payable"


def event_payload(
    row: Mapping[str, Any], segments: Sequence[Mapping[str, Any]], cls: type[EventRecorded], revision: int,
    client_pays: bool = False,
) -> EventRecorded:
    return cls(
        event_id=row["id"],
        revision=revision,
        service_id=row["service_id"],
        provider_id=row["provider_id"],
        producer_part=row["producer_part"],
        booking_id=row["booking_id"],
        voucher_id=row["voucher_id"],
        client_ref=row["client_ref"],
        content_id=row["content_id"],
        unit=row["unit"],
        start=row["start"],
        end=row["end"],
        units=plain(row["units"]),
        status=event_status(row),  # type: ignore[arg-type]
        segments=[segment_out(s) for s in segments],
        amount_tenant=money(row["amount_tenant"]),
        amount_co_payment=money(row["amount_co_payment"]),
        client_pays=client_pays,
    )
