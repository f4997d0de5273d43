"""The payloads this service reads from other services' events: only the fields used here (unknown
fields are ignored). tests/contracts checks each model against the producer's payload model."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from seteli_common.messaging.consumer import Inbound, not_sent

# --- read models: recipients and their languages --------------------------------------------------

class Billing(Inbound):
    email: str | None = None
    pdf_by_email: bool = True


class TenantCreated(Inbound):
    tenant_id: str
    name_fi: str
    name_sv: str
    languages: list[str]
    notification_email: str | None = not_sent(why="the registry does not send it (yet)")


class TenantChanged(Inbound):
    tenant_id: str
    languages: list[str]


class Site(Inbound):
    site_id: str
    name: str
    notification_email: str
    billing: Billing | None = None


class ProviderRenamed(Inbound):
    provider_id: str
    name: str


class ProviderEmailChanged(Inbound):
    provider_id: str
    email: str  # "" none: the company's notices go to its main user


class ProviderRegistered(Inbound):
    provider_id: str
    name: str
    language: str = "fi"
    email: str
    sites: list[Site] = []
    billing: Billing | None = None
    daily_digest: bool | None = not_sent(why="the registry does not send it (yet): the default stays")


class BillingChanged(Inbound):
    provider_id: str
    site_id: str | None = None
    billing: Billing | None = None


class UserCreated(Inbound):
    user_id: str
    email: str
    role: str
    tenant_id: str | None = None
    provider_id: str | None = None
    language: str = "fi"


class SiteChanged(Inbound):
    provider_id: str
    site_id: str
    name: str
    notification_email: str
    billing: Billing | None = None


class EmployeeChanged(Inbound):
    """registry.employee.added, .changed and .removed: where notices of this producer part go."""

    provider_id: str
    employee_id: str
    name: str
    removed_at: datetime | None = None
    email: str = ""  # none given, or told before the registry sent it
    site_id: str | None = None


class UserRoleChanged(Inbound):
    user_id: str
    email: str
    role: str
    tenant_id: str
    language: str = "fi"


class UserPassivated(Inbound):
    user_id: str


class UserActivated(Inbound):
    """registry.user.activated: a passivated user activated again, with the role and address they have."""

    user_id: str
    email: str
    role: str
    tenant_id: str | None = None
    provider_id: str | None = None
    language: str = "fi"


class ServiceDefined(Inbound):
    service_id: str
    name_fi: str
    name_sv: str


# --- settlement's facts ---------------------------------------------------------------------------

class PaymentComputed(Inbound):
    payment_id: str
    month: str
    provider_id: str
    site_id: str | None = None
    payee_name: str | None = None
    amount: Decimal
    language: str | None = None
    email: str | None = None


class PaymentCarriedOver(Inbound):
    run_id: str
    month: str
    provider_id: str
    site_id: str | None = None
    payee_name: str | None = None
    amount: Decimal
    line_count: int = 0
    reason: str | None = None


class SpecifiedClient(Inbound):
    provider_id: str
    client_ref: str


class SpecificationReady(Inbound):
    payment_id: str
    provider_id: str
    site_id: str | None = None
    language: str | None = None
    email: str | None = None
    pdf_base64: str
    month: str
    payee_name: str | None = not_sent(why="settlement does not send it: the provider's name")
    pdf_by_email: bool | None = not_sent(why="settlement does not send it: the billing information here decides")
    clients: list[SpecifiedClient] = []  # whom the PDF names (none from a settlement of before: nothing to log)


# --- registry's facts -----------------------------------------------------------------------------

class ConfirmationRequested(Inbound):
    user_id: str | None = None
    email: str
    language: str = "fi"
    link: str
    expires_at: datetime | None = None


class AssociationInvited(Inbound):
    email: str
    language: str = "fi"
    link: str


class PasswordResetRequested(Inbound):
    email: str
    language: str = "fi"
    link: str
    expires_at: datetime | None = None


class RegistrationDecided(Inbound):
    provider_id: str | None = None  # None: a request rejected before any company record existed
    decision: str  # approved | rejected
    reason: str | None = None
    email: str | None = None  # the applicant
    language: str | None = None


class RegistrationMoreRequested(Inbound):
    request_id: str
    company_name: str = ""
    email: str  # the applicant
    language: str = "fi"
    message: str
    link: str


class RegistrationAnswered(Inbound):
    request_id: str
    company_name: str = ""
    business_id: str = ""
    reply: str
    changed: list[str] = []


class ContactDetails(Inbound):
    # What the resident chose to give (with consent); all optional, shown as given.
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    message: str | None = None


class Recipient(Inbound):
    organisation_id: str
    name: str = ""
    email: str
    language: str = "fi"


class ContactRequested(Inbound):
    contact_request_id: str
    organisation_ids: list[str] = []
    tenant_id: str | None = None
    # The registry resolves each organisation (provider or association) to an address and language;
    # without that list the provider read model is used.
    recipients: list[Recipient] | None = None
    contact: ContactDetails | None = None
    # the contact given flat, as before `contact`
    name: str | None = not_sent(why="the flat form before contact")
    phone: str | None = not_sent(why="the flat form before contact")
    email: str | None = not_sent(why="the flat form before contact")
    message: str | None = not_sent(why="the flat form before contact")


# --- daily operations -----------------------------------------------------------------------------

class ServiceChanged(Inbound):
    service_id: str
    name_fi: str
    name_sv: str
    provider_ids: list[str]
    changes: list[dict[str, Any]]
    effective_from: str | None = None  # an ISO date: a change scheduled for that day
    cancelled: bool = False  # the scheduled change of effective_from was withdrawn


class BookingEnded(Inbound):
    booking_id: str
    provider_id: str
    ended_on: date
    reason: str
    # False: the provider (or an officer) ended it, `reason` its free text; None: from before vouchers told it
    voucher_closed: bool | None = None
    by_tenant: bool = False  # the tenant's staff ended it (not the provider): told, with the tenant as its cause
    client_ref: str | None = None
    service_id: str | None = None
    producer_part: str | None = None


class BookingRestored(Inbound):
    """vouchers.booking.restored: the voucher closed as used up is open again and the booking its close ended
    goes on."""
    booking_id: str
    provider_id: str
    ended_on: date  # the end undone
    reason: str
    client_ref: str
    service_id: str
    producer_part: str | None = None


class ProviderPendingWork(Inbound):
    provider_id: str
    drafts: int
    deadline: date | None
    awaiting_approval: int
    open_interruptions: int
    feedback_awaiting_reply: int
    corrections_open: int
    corrections_answered: int


class PendingWorkSummarised(Inbound):
    """events' daily summary of a tenant: every provider with pending work there (one absent has none)."""

    day: date
    providers: list[ProviderPendingWork]


class AttachmentFact(Inbound):
    """registry.attachment.added / removed / expired: what the digest says of an attachment that runs out."""

    attachment_id: str
    provider_id: str
    type: str
    valid_until: date | None = None
    level: str | None = None
    owner_id: str | None = None


class SubcontractorFact(Inbound):
    """registry.subcontractor.added / removed: a removed subcontractor's papers are no longer listed."""

    provider_id: str
    subcontractor_id: str
    removed_at: datetime | None = None
    changed_at: datetime


class BookingMade(Inbound):
    booking_id: str
    provider_id: str


class ReminderDue(Inbound):
    provider_id: str
    month: str
    drafts: int
    open_interruptions: int
    deadline: date


class InterruptionRejected(Inbound):
    """events.interruption.rejected: the municipality did not approve a finalised interruption (issue 19). Every
    later fact about that rejection names the same stay and reason (DecidedInterruptionRejection)."""

    interruption_id: str
    reason: str
    provider_id: str
    client_ref: str
    start: date
    end: date
    service_id: str


class DecidedInterruptionRejection(InterruptionRejected):
    """A change to a rejection the provider was told of: the stay, the reason and when the officer decided."""

    decided_at: datetime


class InterruptionRejectionVoided(DecidedInterruptionRejection):
    """events.interruption.rejection_voided: a rejection made after the approval step was turned off (heard later)
    is void; the interruption is paid as recorded."""

    amount_tenant: Decimal
    released_at: datetime | None = None  # the "off" that voids it (an older publisher does not say)


class InterruptionRejectionRestored(DecidedInterruptionRejection):
    """events.interruption.rejection_restored: a voided rejection stands again (a later statement heard)."""

    voided_by: datetime
    approval: str = "rejected"


class EventRejected(Inbound):
    event_id: str
    reason: str = ""
    provider_id: str | None = not_sent(why="older events.event.rejected facts carry only the event and reason")
    client_ref: str | None = None
    start: date | None = None
    end: date | None = None
    service_id: str | None = None


class ApplicationFact(Inbound):
    application_id: str
    service_id: str
    provider_id: str
    reason: str | None = not_sent(why="sent with a rejection only")
    missing: list[Any] = not_sent([], why="sent with a return only")


class PurchaseBooked(Inbound):
    booking_id: str
    commitment_number: str
    provider_id: str
    producer_part: str | None = None
    notification_email: str | None = None


class FeedbackGiven(Inbound):
    feedback_id: str
    kind: str  # thanks | criticism | complaint
    provider_id: str
    producer_part: str | None = None
    needs_reply: bool = False
    notify_provider: bool = False
    notify_tenant: bool = False
    notification_email: str | None = not_sent(why="events does not send it: the site's or company's address")


class EventAwaitingApproval(Inbound):
    event_id: str
    provider_id: str
    revision: int = 1
    status: str = "awaiting_approval"


class CreditRequested(Inbound):
    credit_id: str
    provider_id: str
    amount: Decimal
    reason: str | None = None
    month: str | None = None  # the run that deducts it ("2026-11"); older events name none
