"""Events the vouchers service publishes. No personal data: clients appear by id or reference only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict
from seteli_common.messaging.envelope import EventPayload


class GrantedContent(BaseModel):
    model_config = ConfigDict(frozen=True)
    voucher_content_id: str
    content_id: str
    unit: str
    granted_amount: Decimal
    period: str
    voucher_value: Decimal | None = None  # None for a purchased service


class VoucherGranted(EventPayload):
    event_type = "vouchers.voucher.granted"
    voucher_id: str
    number: str
    service_id: str
    client_id: str
    valid_from: date
    valid_until: date
    contents: list[GrantedContent]
    kind: str = "voucher"  # voucher | purchased (the service's kind)


class VoucherOpened(EventPayload):
    event_type = "vouchers.voucher.opened"
    voucher_id: str
    opened_by_event_id: str


class VoucherClosed(EventPayload):
    event_type = "vouchers.voucher.closed"
    voucher_id: str
    valid_until: date
    reason: str  # used_up | expired | officer | death


class BookingMade(EventPayload):
    event_type = "vouchers.booking.made"
    booking_id: str
    voucher_id: str
    voucher_content_id: str
    service_id: str
    content_id: str
    provider_id: str
    producer_part: str | None
    client_id: str
    client_ref: str
    kind: Literal["voucher", "purchased"]


class BookingEnded(EventPayload):
    event_type = "vouchers.booking.ended"
    booking_id: str
    voucher_id: str
    provider_id: str
    ended_on: date
    reason: str  # the voucher's close reason (used_up | expired | officer | death), else the ender's free text
    # True: the voucher's close ended the booking (`reason` is the close's); False: the provider (or an officer)
    # ended it, with any text as its reason. Absent from messages published before it was told.
    voucher_closed: bool = False
    # True: the tenant's staff ended it (e.g. moved a purchased-service client to another provider): the provider
    # is told, as of a voucher's close; False: the provider ended it itself
    by_tenant: bool = False
    # what the provider's notice names: its own number for the client, the service, the producer part
    client_ref: str | None = None
    service_id: str | None = None
    producer_part: str | None = None


class BookingRestored(EventPayload):
    """A booking its voucher's close ended goes on again: the voucher closed as used up is open again (a charge
    deleted, credited or rejected gave a balance back). `ended_on` and `reason` are the end undone, as
    `vouchers.booking.ended` told them; the booking has no end from now on."""

    event_type = "vouchers.booking.restored"
    booking_id: str
    voucher_id: str
    provider_id: str
    ended_on: date
    reason: str  # the close reason undone (used_up)
    # what the provider's notice names, as in BookingEnded
    client_ref: str
    service_id: str
    producer_part: str | None = None


class ClientNumberChanged(EventPayload):
    """The provider's own number for a client, given or changed (at a booking or later): events and settlement
    name the client by it from now on, also on what they hold already. `previous_refs` are the names the
    provider knew the client by until now (the client's reference, the number before), which their rows may
    carry. Of two changes the one stated last (the envelope's `occurred_at`) wins, whatever the order they
    arrive in."""

    event_type = "vouchers.client_number.changed"
    provider_id: str
    client_id: str
    client_ref: str
    previous_refs: list[str]


class PurchaseBooked(EventPayload):
    """Attention notification for a purchased service: the producer part's address gets the commitment."""

    event_type = "vouchers.purchase.booked"
    booking_id: str
    commitment_number: str
    service_id: str
    provider_id: str
    producer_part: str | None
    notification_email: str | None = None
    language: str = "fi"


class ClientRegistered(EventPayload):
    """A client of the tenant, by the person pseudonym (never the identity code): the registry lets the
    person sign in as this client."""
    event_type = "vouchers.client.registered"
    client_id: str
    person: str  # seteli_common.pseudonym.person_pseudonym of the identity code


class ClientDied(EventPayload):
    event_type = "vouchers.client.died"
    client_id: str
    date_of_death: date
    valid_until: date
