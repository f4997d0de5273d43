"""The payloads this service reads from other services' events: only the fields used here (unknown
fields are ignored). tests/contracts checks each model against the producer's payload model."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from seteli_common.messaging.consumer import Inbound, not_sent


class TenantCreatedIn(Inbound):
    tenant_id: str | None = None
    name_fi: str = ""
    name_sv: str = ""


class TenantChangedIn(Inbound):
    """registry.tenant.changed: events uses only whether interruptions need the tenant's approval."""

    tenant_id: str | None = None
    interruptions_need_approval: bool = False


class ScheduledVersionIn(Inbound):
    effective_from: str  # an ISO date
    contents: list[dict[str, Any]] = []


class ServiceDefinedIn(Inbound):
    service_id: str
    name_fi: str = ""
    name_sv: str = ""
    kind: str = "voucher"
    auto_recording: bool = False
    contents: list[dict[str, Any]] = []  # kept whole in the read model
    interruption_rules: list[dict[str, Any]] | None = None
    interruption_rule: dict[str, Any] | None = None  # what older publishers send instead of the list
    calendar: dict[str, Any] | None = None
    scheduled: list[ScheduledVersionIn] = []  # versions from later dates (older publishers send none)


class PriceIn(Inbound):
    content_id: str
    unit_price: str


class PriceListApprovedIn(Inbound):
    price_list_id: str
    service_id: str
    provider_id: str
    producer_part: str | None = None
    name: str = ""
    start: str  # an ISO date
    prices: list[PriceIn] = []


class GrantedContentIn(Inbound):
    voucher_content_id: str
    content_id: str
    unit: str
    granted_amount: Decimal | None = None
    period: str | None = None
    voucher_value: Decimal | None = None


class VoucherGrantedIn(Inbound):
    voucher_id: str
    number: str = ""
    service_id: str
    client_id: str
    valid_from: date
    valid_until: date | None = None
    contents: list[GrantedContentIn] = []


class VoucherClosedIn(Inbound):
    voucher_id: str
    valid_until: date | None = None
    reason: str | None = None  # used_up | expired | officer | death


class BookingMadeIn(Inbound):
    booking_id: str
    voucher_id: str
    voucher_content_id: str
    service_id: str
    content_id: str
    provider_id: str
    producer_part: str | None = None
    client_id: str
    client_ref: str | None = None
    kind: str = "voucher"


class ClientNumberChangedIn(Inbound):
    provider_id: str
    client_id: str
    client_ref: str


class BookingEndedIn(Inbound):
    booking_id: str
    ended_on: date
    reason: str | None = None  # the voucher's close reason when its close ended the booking; else the ender's own
    # True: its voucher's close made the end; False: the provider's (or an officer's) own, `reason` free text;
    # None: a message from before vouchers told it (its reason read as a close's when it is one)
    voucher_closed: bool | None = None


class BookingRestoredIn(Inbound):
    booking_id: str
    ended_on: date  # the end undone, as vouchers.booking.ended told it
    reason: str  # the close reason of that end (used_up)


class EventsSettledIn(Inbound):
    run_id: str
    month: str | None = None  # the run's month: it has been made (a credit made now goes into a later run)
    event_ids: list[str] = []
    interruption_ids: list[str] | None = None
    deducted_credit_ids: list[str] = []  # credits the run deducted
    carried_credit_ids: list[str] = []  # credits the run carried over to the next run
    # per carried credit, the part still to deduct (the rest set off); absent in messages of before: all of it
    carried_credit_amounts: dict[str, Decimal] = {}


class RunCompletedIn(Inbound):
    run_id: str
    month: str
    # a run that lists what it paid locks it; today settlement.events.settled names them
    event_ids: list[str] | None = not_sent(why="settlement.events.settled names them")
    interruption_ids: list[str] | None = not_sent(why="settlement.events.settled names them")


class ProviderSiteIn(Inbound):
    site_id: str


class ProviderRegisteredIn(Inbound):
    """registry.provider.registered: events keeps only the company's sites (its first one is told here)."""

    provider_id: str
    sites: list[ProviderSiteIn] = []


class SiteIn(Inbound):
    """registry.site.added and registry.site.changed: a site of the company ("site:<id>")."""

    provider_id: str
    site_id: str


class UnitsChangedIn(Inbound):
    """registry.provider.units_changed: the company's whole list of units ("unit:<name>") as it is now."""

    provider_id: str
    units: list[str]
    changed_at: datetime


class EmployeeIn(Inbound):
    """registry.employee.added, .changed and .removed: an employee of the company ("employee:<id>")."""

    provider_id: str
    employee_id: str
    removed_at: datetime | None = None
