"""Events the settlement service publishes (money to the cent, sent as strings with two decimals)."""

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel
from seteli_common.messaging.envelope import EventPayload


class RunCompleted(EventPayload):
    event_type = "settlement.run.completed"
    run_id: str
    month: str
    total: str
    payments: int
    carried_over: int = 0


class PaymentComputed(EventPayload):
    event_type = "settlement.payment.computed"
    payment_id: str
    run_id: str
    month: str
    provider_id: str
    site_id: str | None
    payee_name: str
    amount: Decimal  # to the cent; travels as its decimal string ("150.00"), as before
    language: str
    email: str
    pdf_by_email: bool
    lines: int = 0


class PaymentCarriedOver(EventPayload):
    """A payee not paid in this run: its amount moves to the next run (`reason` is the carry-over reason
    code, e.g. `no_billing_information`). Published only for a positive amount, so the provider can be
    told it was not paid and why."""

    event_type = "settlement.payment.carried_over"
    run_id: str
    month: str
    provider_id: str
    site_id: str | None
    payee_name: str
    amount: Decimal  # to the cent; travels as its decimal string ("150.00"), as before
    line_count: int
    reason: str


class EventsSettled(EventPayload):
    """Published per provider job, so one message stays small however big the tenant. It also names the
    provider's credits the run deducted (their lines paid, or wholly recovered from another payee's payment by a
    set-off) and those it carried over to the next run (their payee without billing information, or its total
    negative): the provider's credits page shows which run deducted a credit."""

    event_type = "settlement.events.settled"
    run_id: str
    month: str
    event_ids: list[str]
    provider_id: str | None = None
    interruption_ids: list[str] = []
    deducted_credit_ids: list[str] = []
    carried_credit_ids: list[str] = []
    # Per credit carried over, the part of it still to deduct (as negative as the credit; the rest was recovered from
    # another payee's payment by a set-off). A message without it (before this field): the whole credit is carried.
    carried_credit_amounts: dict[str, Decimal] = {}


class ClientRef(BaseModel):
    provider_id: str
    client_ref: str  # as the ledger knows the client: the provider's client number or an internal reference


class SpecificationReady(EventPayload):
    """The payment specification PDF for the notifications service to email (provider opted in)."""

    event_type = "settlement.specification.ready"
    payment_id: str
    run_id: str
    provider_id: str
    site_id: str | None
    language: str
    email: str
    month: str
    pdf_base64: str
    # the clients the PDF names: the mail that carries it discloses their data, so notifications logs it when sent
    clients: list[ClientRef] = []


class ClientDataRead(EventPayload):
    """Clients' data was shown in a report (Client Data Act 703/2023 §11): vouchers, which keeps the
    clients' access log and knows whom each reference names, writes one row per client."""

    event_type = "settlement.client_data.read"
    clients: list[ClientRef]
    actor: str  # the token subject
    actor_role: str
    actor_org: str | None  # the tenant the officer works for
    actor_name: str | None = None  # the person's name as their token gives it
    what: str  # e.g. "report.realisation.csv"
    why: str
    at: datetime
