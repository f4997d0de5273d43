"""Vouchers tables. Tenant-owned tables carry tenant_id first in keys and indexes.

Read models (tenants, providers, sites, services, contents, approvals, price lists, recorded events)
are copies of other services' facts, filled by consumers.py; the rest is owned here.
"""

from seteli_common.db import BigIntId, make_metadata
from seteli_common.messaging.outbox import add_messaging_tables
from seteli_common.revocation import revocation_table
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = make_metadata()
add_messaging_tables(metadata)
revocation_table(metadata)  # sessions the registry ended (seteli_common.revocation)

# --- read models ------------------------------------------------------------------------------

tenants = Table(
    "tenants",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name_fi", String(200), nullable=False),
    Column("name_sv", String(200), nullable=False),
)

providers = Table(
    "providers",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("email", String(254), nullable=False, server_default=""),
    Column("language", String(2), nullable=False, server_default="fi"),
    Column("named_at", DateTime(timezone=True)),  # when the name was stated: a late older one changes nothing
)

sites = Table(
    "sites",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("provider_id", String(36), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("notification_email", String(254), nullable=False, server_default=""),
    Column("named_at", DateTime(timezone=True)),  # when the registry stated it (None: before this was kept)
)

# The company's units (names: "unit:<name>" in bookings) and employees ("employee:<id>"), from the
# registry's events: what a booking of a unit or an employee is checked against and named by.
provider_units = Table(
    "provider_units",
    metadata,
    Column("provider_id", String(36), primary_key=True),
    Column("units", JSON, nullable=False),  # the names listed now
    Column("ever", JSON, nullable=False),  # every name ever listed (a removed or renamed unit's bookings)
    Column("changed_at", DateTime(timezone=True), nullable=False),  # the newest list's time
)

provider_employees = Table(
    "provider_employees",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("provider_id", String(36), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("named_at", DateTime(timezone=True), nullable=False),  # when the registry published the name
    Column("removed_at", DateTime(timezone=True)),
    # where a purchased-service booking of the employee is announced: its address, else its site's
    Column("email", String(254), nullable=False, server_default=""),
    Column("site_id", String(36)),
)

services = Table(
    "services",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("name_fi", String(200), nullable=False),
    Column("name_sv", String(200), nullable=False),
    Column("kind", String(20), nullable=False),  # voucher | purchased
    Column("auto_recording", Boolean, nullable=False, server_default="0"),
    # when applications stated this definition: an older one heard later changes nothing
    Column("defined_at", DateTime(timezone=True)),
)

service_contents = Table(
    "service_contents",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("service_id", String(64), primary_key=True),
    Column("content_id", String(64), primary_key=True),
    Column("name_fi", String(200), nullable=False),
    Column("name_sv", String(200), nullable=False),
    Column("unit", String(30), nullable=False),
    Column("client_pays", Boolean, nullable=False, server_default="0"),
    Column("ended_from", Date),  # the tenant admin ended the content from this day: no new voucher grants it
)

approvals = Table(
    "approvals",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("service_id", String(64), primary_key=True),
    Column("provider_id", String(36), primary_key=True),
    Column("application_id", String(64), nullable=False),
    Column("site_ids", JSON, nullable=False),
    # when applications stated the approval (a change republishes every site): an older one heard later is ignored
    Column("approved_at", DateTime(timezone=True)),
)

price_lists = Table(
    "price_lists",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("service_id", String(64), nullable=False),
    Column("provider_id", String(36), nullable=False),
    Column("producer_part", String(100)),  # None: the company
    Column("name", String(200), nullable=False),
    Column("start", Date, nullable=False),
    Column("prices", JSON, nullable=False),  # [{content_id, unit_price}]
    Index("ix_price_lists_lookup", "tenant_id", "service_id", "provider_id", "start"),
)

recorded_events = Table(
    "recorded_events",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("revision", Integer, nullable=False, server_default="0"),
    Column("voucher_id", String(36), nullable=False),
    Column("provider_id", String(36), nullable=False),
    Column("content_id", String(64)),
    Column("client_ref", String(64)),
    Column("start", Date, nullable=False),
    # the last day: the provider sees the client for 3 years after it (rows from before it was kept: filled by
    # migration b3f9d5e7a1c4 from their days)
    Column("end", Date),
    Column("units", Numeric(12, 4), nullable=False, server_default="0"),
    Column("amount_tenant", Numeric(12, 2), nullable=False, server_default="0"),
    Column("status", String(30), nullable=False, server_default="recorded"),
    # the tenant credited its whole value (events.credit.requested; cleared when the credit is withdrawn)
    Column("credited", Boolean, nullable=False, server_default="0"),
    Index("ix_recorded_events_provider", "tenant_id", "provider_id", "voucher_id", "start"),
    Index("ix_recorded_events_voucher", "tenant_id", "voucher_id", "content_id"),
)

# What reached vouchers about an event before the event's recording did (a recording being retried lets the
# messages after it pass): its deletion or its credit, applied when the recording arrives.
early_event_facts = Table(
    "early_event_facts",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("deleted", Boolean, nullable=False, server_default="0"),
    Column("credited", Boolean, nullable=False, server_default="0"),
    # the tenant's decision on the over-limit event ("payable" approved, "rejected"), at `decision_revision`
    Column("decision", String(30)),
    Column("decision_revision", Integer),
)

# each credit of an event's whole value as heard (events.credit.requested / .withdrawn, in either order): the event
# is credited while one of its credits is requested and not withdrawn
event_credits = Table(
    "event_credits",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("credit_id", String(64), primary_key=True),
    Column("event_id", String(64), nullable=False),
    Column("withdrawn", Boolean, nullable=False, server_default="0"),
    Index("ix_event_credits_event", "tenant_id", "event_id"),
)

# --- owned ------------------------------------------------------------------------------------

clients = Table(
    "clients",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("id", String(36), primary_key=True),
    Column("reference", String(20), nullable=False),  # internal reference, shown where a name may not be
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("identity_code", String(11), nullable=False),  # stored and compared whole
    Column("email", String(254)),
    Column("phone", String(40)),
    Column("language", String(2), nullable=False),
    Column("proxy", JSON),  # {name, email?, phone?, relation?}
    Column("date_of_death", Date),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("tenant_id", "identity_code"),
    UniqueConstraint("tenant_id", "reference"),
    Index("ix_clients_name", "tenant_id", "last_name", "first_name"),
)

vouchers = Table(
    "vouchers",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("id", String(36), primary_key=True),
    Column("number", String(20), nullable=False, unique=True),
    Column("verification_code", String(16), nullable=False),
    Column("client_id", String(36), nullable=False),
    Column("service_id", String(64), nullable=False),
    Column("granted_on", Date, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("state", String(10), nullable=False),  # granted | open | closed
    Column("closed_reason", String(30)),  # used_up | expired | officer | death
    Column("closed_note", Text),
    Column("opened_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Column("granted_by", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    ForeignKeyConstraint(["tenant_id", "client_id"], ["clients.tenant_id", "clients.id"]),
    Index("ix_vouchers_client", "tenant_id", "client_id"),
)

voucher_contents = Table(
    "voucher_contents",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("id", String(36), primary_key=True),
    Column("voucher_id", String(36), nullable=False),
    Column("content_id", String(64), nullable=False),
    Column("unit", String(30), nullable=False),
    Column("granted_amount", Numeric(12, 2), nullable=False),
    Column("period", String(10), nullable=False),  # week | month | balance | validity
    Column("voucher_value", Numeric(12, 2)),  # None for a purchased service (the tenant pays the price)
    ForeignKeyConstraint(["tenant_id", "voucher_id"], ["vouchers.tenant_id", "vouchers.id"]),
    UniqueConstraint("tenant_id", "voucher_id", "content_id"),
)

bookings = Table(
    "bookings",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("id", String(36), primary_key=True),
    Column("kind", String(10), nullable=False),  # voucher | purchased
    Column("voucher_id", String(36), nullable=False),
    Column("voucher_content_id", String(36), nullable=False),
    Column("service_id", String(64), nullable=False),
    Column("content_id", String(64), nullable=False),
    Column("client_id", String(36), nullable=False),
    Column("provider_id", String(36), nullable=False),
    Column("producer_part", String(100)),  # None: the company; "site:<id>", "unit:<name>", "employee:<id>"
    Column("info", Text),
    Column("terms_accepted_at", DateTime(timezone=True)),
    Column("commitment_number", String(20)),
    Column("notification_email", String(254)),
    Column("booked_by", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("ended_on", Date),
    Column("end_reason", String(30)),
    # A content has one active booking (not one a month): the database enforces it even under concurrent
    # bookings; after a booking ends (e.g. the client changes provider) the content can be booked again.
    Index(
        "uq_bookings_active_content",
        "tenant_id",
        "voucher_content_id",
        unique=True,
        postgresql_where=text("ended_on IS NULL"),
        sqlite_where=text("ended_on IS NULL"),
    ),
    Index("ix_bookings_provider", "tenant_id", "provider_id", "client_id"),
    Index("ix_bookings_voucher", "tenant_id", "voucher_id"),
)

provider_client_numbers = Table(
    "provider_client_numbers",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("provider_id", String(36), primary_key=True),
    Column("client_id", String(36), primary_key=True),
    Column("client_number", String(40), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("provider_id", "client_number"),  # unique per provider
)

# Every number a provider has given a client, kept after the client got another: reports, specifications and
# settlement's renaming name a client by its numbers over the months, so a number stays its first client's
# (the client may take it back; another client of the provider may not).
provider_client_number_history = Table(
    "provider_client_number_history",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("provider_id", String(36), primary_key=True),
    Column("client_number", String(40), primary_key=True),
    Column("client_id", String(36), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

access_log = Table(
    "access_log",
    metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64), nullable=False),
    Column("client_id", String(36), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(100), nullable=False),  # token subject, or "voucher-holder"
    Column("actor_name", String(200)),  # the person's name as their token gave it at the time (None: not known)
    Column("actor_role", String(30), nullable=False),
    Column("actor_org", String(64)),  # the tenant or provider the actor works for
    Column("what", String(100), nullable=False),  # e.g. "client.details", "voucher.by_number"
    Column("why", String(200), nullable=False),
    Index("ix_access_log_client", "tenant_id", "client_id", "at"),
)

lookup_attempts = Table(
    "lookup_attempts",
    metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64), nullable=False),
    Column("number", String(20), nullable=False),
    Column("source", String(64), nullable=False),  # the caller's address
    Column("at", DateTime(timezone=True), nullable=False),
    Column("success", Boolean, nullable=False),
    Index("ix_lookup_attempts_number", "tenant_id", "number", "at"),
    Index("ix_lookup_attempts_source", "source", "at"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("scope", String(200), primary_key=True),  # the caller and the operation
    Column("key", String(100), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("body", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
