"""Events the registry publishes. Consumers keep their own copies of what they need."""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict
from seteli_common.messaging.envelope import EventPayload


class BillingInfo(BaseModel):
    model_config = ConfigDict(frozen=True)
    iban: str
    bic: str
    reference: str | None = None
    email: str | None = None
    pdf_by_email: bool = True


class TenantCreated(EventPayload):
    event_type = "registry.tenant.created"
    tenant_id: str
    name_fi: str
    name_sv: str
    business_id: str
    languages: list[str]
    payer_iban: str
    payer_bic: str


class TenantChanged(EventPayload):
    """The tenant admin changed the municipality's settings: its languages, the payer account the
    payment material carries (settlement writes the next payment file with it), and whether finalised
    interruptions need the municipality's approval before settlement (events)."""

    event_type = "registry.tenant.changed"
    tenant_id: str
    languages: list[str]
    payer_iban: str
    payer_bic: str
    interruptions_need_approval: bool = False  # events holds finalised interruptions for the officer


class SiteInfo(BaseModel):
    model_config = ConfigDict(frozen=True)
    site_id: str
    name: str
    notification_email: str
    billing: BillingInfo | None = None


class ProviderRegistered(EventPayload):
    event_type = "registry.provider.registered"
    provider_id: str
    business_id: str
    name: str
    language: str
    email: str
    sites: list[SiteInfo]
    billing: BillingInfo | None = None


class BillingChanged(EventPayload):
    event_type = "registry.provider.billing_changed"
    provider_id: str
    site_id: str | None = None  # None: the company's billing information
    billing: BillingInfo | None


class ProviderRenamed(EventPayload):
    """The company's name changed: what settlement pays to and prints on the specification from now on."""

    event_type = "registry.provider.renamed"
    provider_id: str
    name: str


class ProviderEmailChanged(EventPayload):
    """The company gave, changed or removed its own address ("" none): where its notices go from now on (none:
    to its main user)."""

    event_type = "registry.provider.email_changed"
    provider_id: str
    email: str


class ProviderApproved(EventPayload):
    event_type = "registry.provider.approved"
    provider_id: str


class SiteAdded(EventPayload):
    event_type = "registry.site.added"
    provider_id: str
    site_id: str
    name: str
    notification_email: str
    phone: str | None = None
    billing: BillingInfo | None = None


class SiteChanged(SiteAdded):
    event_type = "registry.site.changed"


class UnitsChanged(EventPayload):
    """The company's units (names: a name is the unit's id, "unit:<name>" in price lists and bookings), the
    whole list as it is now; `changed_at` orders two changes that arrive out of order."""

    event_type = "registry.provider.units_changed"
    provider_id: str
    units: list[str]
    changed_at: datetime


class AreasChanged(EventPayload):
    """The company's operating areas as it writes them (a name is the area's id in an application's operating
    areas step), the whole list as it is now; `changed_at` orders two changes that arrive out of order."""

    event_type = "registry.provider.areas_changed"
    provider_id: str
    areas: list[str]
    changed_at: datetime


class EmployeeAdded(EventPayload):
    """An employee ("employee:<id>" in price lists and bookings); removal is soft, the id stays. `email` is
    the employee's contact address ("" when none is given): a notice about a booking, an event or feedback
    of this producer part goes there (domain: "an employee: their contact email"); `site_id` the site the
    employee works at, whose address is used when the employee has none."""

    event_type = "registry.employee.added"
    provider_id: str
    employee_id: str
    name: str
    removed_at: datetime | None = None
    email: str = ""
    site_id: str | None = None


class EmployeeChanged(EmployeeAdded):
    event_type = "registry.employee.changed"


class EmployeeRemoved(EmployeeAdded):
    event_type = "registry.employee.removed"


class SubcontractorAdded(EventPayload):
    """A subcontractor listed, or one removed listed again (restored with its papers); `removed_at` set in
    `registry.subcontractor.removed`. A removed subcontractor's attachments and liability checks stay in the
    registry as evidence, so no `attachment.removed` follows: this fact is what tells the others that they no
    longer count (an application's required papers, the digest's papers running out), and a restoration that
    they count again. `changed_at` orders two facts of one subcontractor heard out of order."""

    event_type = "registry.subcontractor.added"
    provider_id: str
    subcontractor_id: str
    business_id: str
    name: str
    removed_at: datetime | None = None
    changed_at: datetime


class SubcontractorRemoved(SubcontractorAdded):
    event_type = "registry.subcontractor.removed"


class AttachmentAdded(EventPayload):
    event_type = "registry.attachment.added"
    attachment_id: str
    provider_id: str
    level: str  # company | site | subcontractor
    owner_id: str
    type: str
    valid_from: date | None = None
    valid_until: date | None = None


class AttachmentRemoved(AttachmentAdded):
    event_type = "registry.attachment.removed"


class AttachmentExpired(AttachmentAdded):
    event_type = "registry.attachment.expired"


class LiabilityChecked(EventPayload):
    event_type = "registry.liability.checked"
    provider_id: str
    subject_business_id: str
    overall_state: str
    checked_on: date


class UserCreated(EventPayload):
    event_type = "registry.user.created"
    user_id: str
    email: str
    role: str
    tenant_id: str | None = None
    provider_id: str | None = None
    language: str


class UserRoleChanged(EventPayload):
    """A tenant admin gave a member of the tenant's staff another role (tenant_admin or tenant_officer): the
    tenant's notices go to its admins as they are now."""

    event_type = "registry.user.role_changed"
    user_id: str
    email: str
    role: str
    tenant_id: str
    language: str


class UserPassivated(EventPayload):
    event_type = "registry.user.passivated"
    user_id: str


class UserActivated(EventPayload):
    """A passivated user activated again (back from a leave, or passivated by mistake), with the role, tenant or
    company and address they have: their mail is sent again, a tenant admin gets the tenant's notices again."""

    event_type = "registry.user.activated"
    user_id: str
    email: str
    role: str
    tenant_id: str | None = None
    provider_id: str | None = None
    language: str


class SessionRevoked(EventPayload):
    """Sessions ended (logout, passivation, lock-out, new password): every service refuses their access
    tokens at once (seteli_common.revocation) and may forget them after `until`, when those have expired."""

    event_type = "registry.session.revoked"
    user_id: str | None
    session_ids: list[str]
    reason: str  # logout | passivated | locked | password_changed
    revoked_at: datetime
    until: datetime


class ConfirmationRequested(EventPayload):
    event_type = "registry.registration.confirmation_requested"
    secret_fields = ("link",)  # the link is the password: blanked in the outbox once sent
    user_id: str
    email: str
    language: str
    link: str
    expires_at: datetime


class AssociationInvited(EventPayload):
    event_type = "registry.association.invited"
    secret_fields = ("link",)  # the link is the password: blanked in the outbox once sent
    email: str
    language: str
    link: str


class PasswordResetRequested(EventPayload):
    event_type = "registry.password_reset.requested"
    secret_fields = ("link",)  # the link is the password: blanked in the outbox once sent
    email: str
    language: str
    link: str
    expires_at: datetime


class RegistrationDecided(EventPayload):
    event_type = "registry.registration.decided"
    provider_id: str | None  # None when a request is rejected before any company record exists
    decision: str  # approved | rejected
    reason: str | None = None
    request_id: str | None = None
    email: str | None = None  # the applicant, so that the decision can be mailed
    language: str | None = None


class RegistrationMoreRequested(EventPayload):
    """The tenant admin sent a registration request back: the company is mailed the message and a link
    to answer (and correct its details)."""
    event_type = "registry.registration.more_requested"
    secret_fields = ("link",)  # the link is the password: blanked in the outbox once sent
    request_id: str
    company_name: str
    email: str  # the applicant
    language: str
    message: str
    link: str


class RegistrationAnswered(EventPayload):
    """The company answered: the request waits for the tenant's decision again."""
    event_type = "registry.registration.answered"
    request_id: str
    company_name: str
    business_id: str
    reply: str
    changed: list[str] = []  # the details the company corrected


class Recipient(BaseModel):
    model_config = ConfigDict(frozen=True)
    organisation_id: str
    name: str
    email: str
    language: str


class ContactDetails(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    message: str | None = None


class ContactRequested(EventPayload):
    """Deliberate disclosure: the organisations must be able to reach the resident, so the contact
    details (given with consent) travel to the notifications service; the registry logs each disclosure
    in `disclosure_log`. `summary` carries no personal data."""

    event_type = "registry.contact.requested"
    contact_request_id: str
    organisation_ids: list[str]
    tenant_id: str | None = None
    recipients: list[Recipient]
    summary: str
    language: str
    contact: ContactDetails
