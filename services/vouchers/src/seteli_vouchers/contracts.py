"""The payloads this service reads from other services' events: only the fields used here (unknown
fields are ignored). tests/contracts checks each model against the producer's payload model."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from seteli_common.messaging.consumer import Inbound, not_sent


class TenantFact(Inbound):
    """A tenant-owned fact: the tenant is the envelope's (older publishers also put it in the payload)."""

    tenant_id: str | None = not_sent(why="older publishers put the tenant in the payload; the envelope's comes first")


class TenantCreatedIn(TenantFact):
    name_fi: str
    name_sv: str


class SiteIn(Inbound):
    site_id: str
    name: str
    notification_email: str | None = None


class ProviderRenamedIn(Inbound):
    provider_id: str
    name: str


class ProviderRegisteredIn(Inbound):
    provider_id: str
    name: str
    email: str | None = None
    language: str | None = None
    sites: list[SiteIn] = []


class SiteChangedIn(Inbound):
    """registry.site.added and registry.site.changed."""

    provider_id: str
    site_id: str
    name: str
    notification_email: str | None = None


class UnitsChangedIn(Inbound):
    provider_id: str
    units: list[str]
    changed_at: datetime


class EmployeeIn(Inbound):
    """registry.employee.added, .changed and .removed."""

    provider_id: str
    employee_id: str
    name: str
    removed_at: datetime | None = None
    email: str = ""  # the employee's contact address: where notices of its bookings go
    site_id: str | None = None  # the site it works at: its address when the employee has none


class ContentIn(Inbound):
    content_id: str
    name_fi: str
    name_sv: str
    unit: str
    client_pays: bool = False
    ended_from: str | None = None  # an ISO date: the content is ended from this day on


class ServiceDefinedIn(TenantFact):
    service_id: str
    name_fi: str
    name_sv: str
    kind: str
    auto_recording: bool = False
    contents: list[ContentIn] = []


class ApplicationApprovedIn(TenantFact):
    application_id: str
    service_id: str
    provider_id: str
    site_ids: list[str] | None = None


class PriceIn(Inbound):
    content_id: str
    unit_price: str


class PriceListApprovedIn(TenantFact):
    price_list_id: str
    service_id: str
    provider_id: str
    producer_part: str | None = None
    name: str = ""
    start: str  # an ISO date
    prices: list[PriceIn] = []


class EventRecordedIn(TenantFact):
    event_id: str
    revision: int | None = None
    voucher_id: str | None = None  # an event of a purchased service opens no voucher
    provider_id: str
    content_id: str | None = None
    client_ref: str | None = None
    start: date
    end: date | None = None
    units: Decimal | None = None
    amount_tenant: Decimal | None = None
    status: str | None = None


class EventDeletedIn(TenantFact):
    event_id: str
    revision: int | None = None


class EventDecidedIn(TenantFact):
    """events.event.approved and events.event.rejected: the tenant's decision on an over-limit event, at its
    revision."""

    event_id: str
    revision: int | None = None


class CreditIn(TenantFact):
    """events.credit.requested and events.credit.withdrawn: the credit of an event's (or an interruption's) whole
    value, or its withdrawal."""

    credit_id: str
    event_id: str
    kind: str = "event"


class ClientDataReadIn(TenantFact):
    """Who read client data in another service, and why (the access log)."""

    actor: str | None = None
    actor_name: str | None = None
    actor_role: str | None = None
    actor_org: str | None = None
    what: str | None = None
    why: str | None = None
    at: datetime | None = None


class EventsClientDataReadIn(ClientDataReadIn):
    client_ids: list[str] | None = None


class ClientRefIn(Inbound):
    provider_id: str
    client_ref: str


class SettlementClientDataReadIn(ClientDataReadIn):
    clients: list[ClientRefIn] | None = None


class ClientDataDisclosedIn(ClientDataReadIn):
    """A mail that named clients went out (notifications: a payment specification PDF to the provider)."""

    clients: list[ClientRefIn] | None = None
