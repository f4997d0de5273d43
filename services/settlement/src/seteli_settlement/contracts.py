"""The payloads this service reads from other services' events: only the fields used here (unknown
fields are ignored). tests/contracts checks each model against the producer's payload model."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from seteli_common.messaging.consumer import Inbound, not_sent


class TenantFact(Inbound):
    """A tenant-owned fact: the tenant is the envelope's (older publishers also put it in the payload)."""

    tenant_id: str | None = not_sent(why="older publishers put the tenant in the payload; the envelope's comes first")


# --- the directory (registry, applications) ---------------------------------------------------------------

class TenantCreatedIn(Inbound):
    tenant_id: str
    name_fi: str
    name_sv: str
    business_id: str
    languages: list[str] | None = None
    payer_iban: str
    payer_bic: str


class TenantChangedIn(Inbound):
    tenant_id: str
    languages: list[str]
    payer_iban: str
    payer_bic: str


class BillingIn(Inbound):
    iban: str | None = None
    bic: str | None = None
    reference: str | None = None
    email: str | None = None
    pdf_by_email: bool | None = True


class SiteIn(Inbound):
    site_id: str
    name: str
    notification_email: str | None = None
    billing: BillingIn | None = None


class ProviderRegisteredIn(Inbound):
    provider_id: str
    business_id: str
    name: str
    language: str | None = None
    email: str | None = None
    sites: list[SiteIn] | None = None
    billing: BillingIn | None = None


class ProviderRenamedIn(Inbound):
    provider_id: str
    name: str


class SiteChangedIn(SiteIn):
    """registry.site.added and registry.site.changed."""

    provider_id: str


class BillingChangedIn(Inbound):
    provider_id: str
    site_id: str | None = None
    billing: BillingIn | None = None


class ServiceDefinedIn(TenantFact):
    service_id: str
    name_fi: str | None = None
    name_sv: str | None = None
    contents: list[dict[str, Any]] | None = None  # kept whole (client_pays decides what is never paid)
    calendar: dict[str, Any] | None = None


# --- the ledger (events) ------------------------------------------------------------------------------

class SegmentIn(Inbound):
    """One settlement line of an event or interruption; a missing day falls back to the source's."""

    start: date | None = None
    end: date | None = None
    units: Decimal | None = None
    unit_price: Decimal | None = None
    tenant_share_per_unit: Decimal | None = None
    co_payment_per_unit: Decimal | None = None
    percentage: Decimal | None = None
    amount_tenant: Decimal | None = None
    amount_co_payment: Decimal | None = None


class ClientNumberChangedIn(TenantFact):
    """vouchers.client_number.changed: the provider's number for the client from now on, and the names the
    provider knew the client by until then."""

    provider_id: str
    client_ref: str
    previous_refs: list[str] = []


class EventRecordedIn(TenantFact):
    """events.event.recorded and events.event.corrected."""

    event_id: str
    revision: int | None = None
    service_id: str
    provider_id: str
    producer_part: str | None = None
    client_ref: str | None = None
    content_id: str
    unit: str | None = None
    start: date
    end: date
    units: Decimal | None = None
    status: str | None = "payable"
    segments: list[SegmentIn] | None = None
    amount_tenant: Decimal | None = None
    amount_co_payment: Decimal | None = None
    client_pays: bool | None = None  # by the contents of the event's first day; older publishers: not sent
    reason: str | None = not_sent(why="an event has no reason of its own")


class EventDeletedIn(TenantFact):
    event_id: str
    revision: int | None = None


class EventDecidedIn(TenantFact):
    """events.event.approved and events.event.rejected."""

    event_id: str
    revision: int | None = None  # the revision decided (None from an older publisher: the current one)


class InterruptionFinalisedIn(TenantFact):
    interruption_id: str
    revision: int | None = None
    service_id: str
    provider_id: str
    producer_part: str | None = None
    client_ref: str | None = None
    content_id: str
    unit: str | None = not_sent(why="an interruption is counted in days")
    start: date
    end: date
    reason: str | None = None
    segments: list[SegmentIn] | None = None
    amount_tenant: Decimal | None = None
    amount_co_payment: Decimal | None = None
    client_pays: bool | None = None  # by the contents of its departure day; older publishers: not sent


class InterruptionDeletedIn(TenantFact):
    interruption_id: str
    revision: int | None = None  # (events sends it: a later revision brings the interruption back)


class CreditRequestedIn(TenantFact):
    credit_id: str
    event_id: str | None = None
    service_id: str
    provider_id: str
    producer_part: str | None = None
    client_ref: str | None = None
    content_id: str
    month: str
    amount: Decimal
    # The credited entry's co-payment, taken back too (negative); an older publisher does not say: none.
    amount_co_payment: Decimal | None = None
    reason: str | None = None


class CreditWithdrawnIn(TenantFact):
    credit_id: str
