"""Notifications tables: outgoing messages, their delivery log, and the read models that give
recipients and languages (kept from other services' events; never fetched synchronously)."""

from seteli_common.db import BigIntId, make_metadata
from seteli_common.messaging.outbox import add_messaging_tables
from seteli_common.revocation import revocation_table
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

metadata = make_metadata()
add_messaging_tables(metadata)
revocation_table(metadata)  # sessions the registry ended (seteli_common.revocation)

# --- read models -------------------------------------------------------------------------------

tenants = Table(
    "tenants", metadata,
    Column("id", String(64), primary_key=True),
    Column("name_fi", String(200), nullable=False),
    Column("name_sv", String(200), nullable=False),
    Column("languages", JSON, nullable=False),  # ["fi"], ["sv"] or ["fi", "sv"]
    # The tenant's own setting; when empty, tenant notices go to its tenant admins.
    Column("notification_email", String(254)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

tenant_admins = Table(
    "tenant_admins", metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("user_id", String(36), primary_key=True),
    Column("email", String(254), nullable=False),
    Column("language", String(2), nullable=False),
    # False: the user's role stated last is not tenant admin (kept, so that an older fact heard later, e.g. the
    # creation as admin, cannot make them a recipient again)
    Column("is_admin", Boolean, nullable=False, server_default="1"),
    Column("stated_at", DateTime(timezone=True)),  # when the registry stated the role kept
)

# Users the registry passivated (registry.user.passivated, a fact of no tenant): kept so that their creation,
# heard later or handled side by side, never makes them a recipient again. An activation (registry.user.activated)
# keeps the row with `passive` false; of the two facts the one stated last counts, whatever order they come in.
passive_users = Table(
    "passive_users", metadata,
    Column("user_id", String(36), primary_key=True),
    Column("passive", Boolean, nullable=False, server_default="1"),
    Column("stated_at", DateTime(timezone=True)),  # None: passivated before the registry could activate anyone
)

# Every user's address (registry.user.created, .role_changed): mail queued to a user passivated before it went
# out is not sent (sender.py), whoever's notice it was. A company's users also say whose they are and whether
# they are its main user: a company without an address of its own has its notices sent to its main user who
# was created first (the person who registered it), until it gives one (repository.get_provider).
users = Table(
    "users", metadata,
    Column("user_id", String(36), primary_key=True),
    Column("email", String(254), nullable=False),  # lower-cased, as the sender compares it
    Column("provider_id", String(36)),  # a company's user (None: another's, or heard before this was kept)
    Column("role", String(30)),
    Column("created_at", DateTime(timezone=True)),  # when the registry stated the user's creation
    Index("ix_users_email", "email"),
    Index("ix_users_provider", "provider_id"),
)

providers = Table(
    "providers", metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("language", String(2), nullable=False),
    Column("email", String(254), nullable=False),
    Column("billing_email", String(254)),
    Column("pdf_by_email", Boolean, nullable=False, server_default="1"),
    # Pending-action notices collected into one mail a day instead of one mail per item.
    Column("daily_digest", Boolean, nullable=False, server_default="0"),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # when the registry stated the billing address and PDF choice kept: an older change heard later is ignored
    Column("billing_stated_at", DateTime(timezone=True)),
    # when the registry stated the company's own address kept ("" none: its main user gets its notices)
    Column("email_stated_at", DateTime(timezone=True)),
)

sites = Table(
    "sites", metadata,
    Column("id", String(36), primary_key=True),
    Column("provider_id", String(36), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("notification_email", String(254), nullable=False),
    # A site's own billing information, when it has one (None = the company's is used).
    Column("billing_email", String(254)),
    Column("pdf_by_email", Boolean),
    # when the registry stated what is kept: an older statement heard later changes nothing
    Column("stated_at", DateTime(timezone=True)),
)

# A company's employees ("employee:<id>" as a producer part): a notice of that part goes to the employee's
# contact address, else to its site's (domain: "an employee: their contact email").
employees = Table(
    "employees", metadata,
    Column("id", String(36), primary_key=True),
    Column("provider_id", String(36), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("email", String(254), nullable=False, server_default=""),
    Column("site_id", String(36)),
    Column("removed_at", DateTime(timezone=True)),
    Column("stated_at", DateTime(timezone=True), nullable=False),  # the fact's time: an older one changes nothing
)

services = Table(
    "services", metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("service_id", String(64), primary_key=True),
    Column("name_fi", String(200), nullable=False),
    Column("name_sv", String(200), nullable=False),
    Column("defined_at", DateTime(timezone=True)),  # when stated: an older definition heard late changes nothing
)

# The provider's pending work, for the daily digest (digest.py): events' latest daily summary per tenant,
# the attachments that run out (registry.attachment.*), and bookings made since the last digest.
pending_work = Table(
    "pending_work", metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("provider_id", String(36), primary_key=True),
    Column("day", Date, nullable=False),  # the summary's day
    Column("drafts", Integer, nullable=False),
    Column("deadline", Date),
    Column("awaiting_approval", Integer, nullable=False),
    Column("open_interruptions", Integer, nullable=False),
    Column("feedback_awaiting_reply", Integer, nullable=False),
    Column("corrections_open", Integer, nullable=False),
    Column("corrections_answered", Integer, nullable=False),
)

# The day of each tenant's latest summary: an older one delivered late never replaces it.
pending_work_days = Table(
    "pending_work_days", metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("day", Date, nullable=False),
)

provider_attachments = Table(
    "provider_attachments", metadata,
    Column("id", String(64), primary_key=True),
    Column("provider_id", String(36), nullable=False, index=True),
    Column("type", String(100), nullable=False),
    Column("valid_until", Date),
    # removed in the registry: kept as a mark so that its addition (or expiry) heard later does not bring it back
    Column("removed", Boolean, nullable=False, server_default="0"),
    # whose paper it is (company | site | subcontractor, and its id); none for one heard before they were kept
    Column("level", String(20)),
    Column("owner_id", String(64)),
)

# registry.subcontractor.*: a removed subcontractor's papers stay in the registry (evidence, no attachment.removed)
# but are no longer the company's to renew: the digest leaves them out. The newer fact (`changed_at`) holds.
subcontractors = Table(
    "subcontractors", metadata,
    Column("id", String(36), primary_key=True),
    Column("provider_id", String(36), nullable=False),
    Column("removed_at", DateTime(timezone=True)),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

new_bookings = Table(
    "new_bookings", metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("booking_id", String(64), primary_key=True),
    Column("provider_id", String(36), nullable=False, index=True),
    Column("made_on", Date, nullable=False),
)

# The booking ends vouchers lifted (vouchers.booking.restored), with when the lift was stated: that end, heard only
# afterwards (retried while the provider was not known here), is not told; one stated after the lift is.
lifted_booking_ends = Table(
    "lifted_booking_ends", metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("booking_id", String(64), primary_key=True),
    Column("ended_on", Date, primary_key=True),
    Column("reason", String(30), primary_key=True),
    Column("lifted_at", DateTime(timezone=True), nullable=False),
)

# --- outgoing mail -----------------------------------------------------------------------------

# state: queued -> sent | failed; skipped (no recipient / opted out / refused by the identity-code
# guard); held (waits for the provider's daily digest) -> digested, or queued when the provider turns the digest off.
messages = Table(
    "messages", metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64)),  # None for platform-level mail (registration, password reset)
    # Derived from the causing event, so a re-delivered event maps onto the same row and header.
    Column("message_id", String(255), nullable=False, unique=True),
    Column("kind", String(60), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("provider_id", String(36)),
    Column("recipient", String(254), nullable=False),
    # Where the recipient came from when it was a person filling a role, not an address the fact gave: "company"
    # (its notice address, none given: its main user), "company_billing" (its billing address, else as "company"),
    # "tenant" (its notice address, none given: its tenant admins). Passivated before the message went out, the
    # message goes to whoever the role is then (sender.py); None: an address given, never followed elsewhere.
    Column("recipient_role", String(20)),
    # The notice's own key (the fact's dedup key, else its event id): a copy to another recipient of the same
    # notice gets the Message-ID the notice would have had to them, so nobody gets it twice.
    Column("notice_key", String(255)),
    Column("language", String(5), nullable=False),  # fi | sv | fi+sv (bilingual, Finnish first)
    Column("subject", String(500), nullable=False),
    Column("body_text", Text, nullable=False),
    Column("body_html", Text, nullable=False),
    Column("state", String(12), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("digest_of", JSON),  # a digest: the ids of the messages it collects
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Index("ix_messages_tenant_created", "tenant_id", "created_at"),
    Index("ix_messages_tenant_recipient", "tenant_id", "recipient"),
    Index("ix_messages_state_due", "state", "next_attempt_at"),
    Index("ix_messages_provider_state", "provider_id", "state"),
)

attachments = Table(
    "attachments", metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    Column("message_pk", BigInteger, ForeignKey("messages.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("filename", String(200), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("content", LargeBinary, nullable=False),
    # whose data the file holds: {what, why, clients: [{provider_id, client_ref}]}; told to their access log when the
    # mail goes out (sender.py). None: it names no client.
    Column("discloses", JSON),
)

# One row per thing that happened to a message: queued, each attempt (sent / retry / failed), skipped.
delivery_log = Table(
    "delivery_log", metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64)),
    Column("message_pk", BigInteger, ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("outcome", String(12), nullable=False),  # queued | sent | retry | failed | skipped | held
    Column("attempt", Integer, nullable=False, server_default="0"),
    Column("detail", Text),
    Index("ix_delivery_log_tenant_message", "tenant_id", "message_pk"),
)
