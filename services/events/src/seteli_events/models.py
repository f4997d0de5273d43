"""Events tables (SQLAlchemy Core). Every table is tenant-owned (tenant_id first in keys and indexes), but the
providers' parts (the registry's facts of a company, which name no tenant).

Read models (tenants, services, price_lists, vouchers, voucher_contents, bookings) are copies of
other services' events; the rest is this service's own data.
"""

from seteli_common.db import make_metadata
from seteli_common.messaging.outbox import add_messaging_tables
from seteli_common.revocation import revocation_table
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    text,
)

metadata = make_metadata()
add_messaging_tables(metadata)
revocation_table(metadata)  # sessions the registry ended (seteli_common.revocation)

ID = 64
MONEY = Numeric(12, 2)
PER_UNIT = Numeric(14, 4)  # unit prices and voucher values; amounts are always cents
UNITS = Numeric(16, 6)  # hours as decimals (10 min = 0.166667 h is stored rounded; amounts use exact)

# ---- read models -------------------------------------------------------------------------------

tenants = Table(
    "tenants",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name_fi", String(200), nullable=False),
    Column("name_sv", String(200), nullable=False),
    # registry.tenant.changed: finalised interruptions wait for an officer's approval (004 §4.3.5.2)
    Column("interruptions_need_approval", Boolean, nullable=False, server_default="0"),
    # when the registry stated that setting: an older change heard later is ignored
    Column("setting_changed_at", DateTime(timezone=True), nullable=True),
)

# every statement of the approval step heard (registry.tenant.changed), by the instant it was stated: an interruption
# waits or not by the statements around it, whatever order they are heard in (migration c7e2a9f4d1b8)
approval_statements = Table(
    "approval_statements",
    metadata,
    Column("tenant_id", String(ID), primary_key=True),
    Column("stated_at", DateTime(timezone=True), primary_key=True),
    Column("need_approval", Boolean, nullable=False),
)

services = Table(
    "services",
    metadata,
    Column("tenant_id", String(ID), primary_key=True),
    Column("id", String(ID), primary_key=True),
    Column("name_fi", String(200), nullable=False),
    Column("name_sv", String(200), nullable=False),
    Column("kind", String(20), nullable=False),  # voucher | purchased
    Column("auto_recording", Boolean, nullable=False),
    Column("contents", JSON, nullable=False),  # [{content_id, name_fi, name_sv, unit, client_pays}]
    # all versions [{valid_from, reasons: {reason: {bands: [...], return_day_percentage}}}]; old rows: one dict
    Column("interruption_rule", JSON),
    Column("calendar", JSON),
    # the service's scheduled versions (applications' `scheduled`): [{effective_from, contents}] by date; the
    # contents of a day are those of the latest version from on or before it, else `contents`
    Column("versions", JSON),
    # when applications stated this definition: an older one heard later changes nothing
    Column("defined_at", DateTime(timezone=True)),
)

price_lists = Table(
    "price_lists",
    metadata,
    Column("tenant_id", String(ID), primary_key=True),
    Column("id", String(ID), primary_key=True),
    Column("service_id", String(ID), nullable=False),
    Column("provider_id", String(ID), nullable=False),
    Column("producer_part", String(100)),  # None = company level
    Column("name", String(200), nullable=False),
    Column("start", Date, nullable=False),
    Column("prices", JSON, nullable=False),  # {content_id: "unit price"}
    Index("ix_price_lists_tenant_service_provider", "tenant_id", "service_id", "provider_id"),
)

vouchers = Table(
    "vouchers",
    metadata,
    Column("tenant_id", String(ID), primary_key=True),
    Column("id", String(ID), primary_key=True),
    Column("number", String(50), nullable=False),
    Column("service_id", String(ID), nullable=False),
    Column("client_id", String(ID), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date),
    # the reason of the close that made valid_until (vouchers.voucher.closed): "death" names the client's death
    Column("closed_reason", String(30)),
)

voucher_contents = Table(
    "voucher_contents",
    metadata,
    Column("tenant_id", String(ID), primary_key=True),
    Column("id", String(ID), primary_key=True),
    Column("voucher_id", String(ID), nullable=False),
    Column("content_id", String(ID), nullable=False),
    Column("unit", String(20), nullable=False),
    Column("granted_amount", UNITS),
    Column("period", String(20)),  # week | month | balance | validity
    Column("voucher_value", PER_UNIT),  # None: purchased service, the tenant pays the price
    Index("ix_voucher_contents_tenant_voucher", "tenant_id", "voucher_id"),
)

bookings = Table(
    "bookings",
    metadata,
    Column("tenant_id", String(ID), primary_key=True),
    Column("id", String(ID), primary_key=True),
    Column("voucher_id", String(ID), nullable=False),
    Column("voucher_content_id", String(ID), nullable=False),
    Column("service_id", String(ID), nullable=False),
    Column("content_id", String(ID), nullable=False),
    Column("provider_id", String(ID), nullable=False),
    Column("producer_part", String(100)),
    Column("client_id", String(ID), nullable=False),
    Column("client_ref", String(100), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("ended_on", Date),  # last day of the booking (vouchers.booking.ended); None = open
    # the voucher's close reason when its close ended the booking on that day; None for a booking's own end (ends
    # heard before vouchers said which made them keep the free text the provider gave)
    Column("end_reason", String(30)),
    Index("ix_bookings_tenant_provider", "tenant_id", "provider_id"),
    Index("ix_bookings_tenant_client", "tenant_id", "client_id"),
)

# The ends vouchers lifted (vouchers.booking.restored: a used-up voucher open again), each with when the lift was
# stated: that end, heard only afterwards (retried while the booking was not known), must not end the booking again,
# unless stated after the lift (the voucher used up once more).
lifted_ends = Table(
    "lifted_ends",
    metadata,
    Column("tenant_id", String(ID), primary_key=True),
    Column("booking_id", String(ID), primary_key=True),
    Column("ended_on", Date, primary_key=True),
    Column("reason", String(30), primary_key=True),
    Column("lifted_at", DateTime(timezone=True), nullable=False),
)

# The provider's own number for a client (vouchers.client_number.changed), as stated last: bookings, events,
# interruptions and credits of the client carry it, also a booking heard after the number.
client_numbers = Table(
    "client_numbers",
    metadata,
    Column("tenant_id", String(ID), primary_key=True),
    Column("provider_id", String(ID), primary_key=True),
    Column("client_id", String(ID), primary_key=True),
    Column("client_ref", String(100), nullable=False),
    Column("stated_at", DateTime(timezone=True), nullable=False),
)

# The producer parts of each company as the registry tells them (registry.provider.registered, site.added/changed,
# provider.units_changed, employee.*): "site:<id>", "unit:<name>", "employee:<id>". A care event or interruption
# names one of its booking's company (service/producer_parts.py). Not tenant-owned: a company works for many
# tenants and the registry's facts of it carry none. `listed` false: a unit no longer listed, a removed employee
# (and "unit:", which keeps when the company's list of units was stated). `stated_at`: the newest fact kept wins.
provider_parts = Table(
    "provider_parts",
    metadata,
    Column("provider_id", String(ID), primary_key=True),
    Column("part", String(100), primary_key=True),  # as events.producer_part
    Column("listed", Boolean, nullable=False),
    Column("stated_at", DateTime(timezone=True), nullable=False),
)

# ---- own data ----------------------------------------------------------------------------------

events = Table(
    "events",
    metadata,
    Column("tenant_id", String(ID), primary_key=True),
    Column("id", String(36), primary_key=True),
    Column("booking_id", String(ID), nullable=False),
    Column("voucher_id", String(ID), nullable=False),
    Column("voucher_content_id", String(ID), nullable=False),
    Column("service_id", String(ID), nullable=False),
    Column("content_id", String(ID), nullable=False),
    Column("unit", String(20), nullable=False),
    Column("provider_id", String(ID), nullable=False),
    Column("producer_part", String(100)),
    Column("client_id", String(ID), nullable=False),
    Column("client_ref", String(100), nullable=False),
    Column("start", Date, nullable=False),
    Column("end", Date, nullable=False),
    Column("start_time", Time),
    Column("end_time", Time),
    Column("units", UNITS, nullable=False),
    Column("recorder", String(ID), nullable=False),
    Column("performer", String(200), nullable=False),
    Column("text", Text, nullable=False, server_default=""),
    Column("status", String(20), nullable=False),  # draft | recorded | deleted
    # None for drafts; payable | awaiting_approval | approved | rejected
    Column("approval", String(30)),
    Column("decision_reason", Text),
    Column("revision", Integer, nullable=False, server_default="0"),  # last published revision
    Column("amount_tenant", MONEY, nullable=False),
    Column("amount_co_payment", MONEY, nullable=False),
    Column("auto_month", String(7)),  # set on drafts made by auto-recording
    Column("settled", Boolean, nullable=False, server_default="0"),
    Column("settled_run_id", String(ID)),
    Column("credited", Boolean, nullable=False, server_default="0"),
    Column("idempotency_key", String(200)),
    # sha256 of the request the key was first used for: the same key with another request is refused
    Column("idempotency_fingerprint", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_events_tenant_provider_start", "tenant_id", "provider_id", "start"),
    Index("ix_events_tenant_client", "tenant_id", "client_id"),
    # The approval queue and its number (migration d9a3f6c1e8b2): only the waiting events, not a scan of the
    # tenant's events; a payable event or a draft adds no entry.
    Index("ix_events_awaiting_approval", "tenant_id", "start", "created_at", "id",
          postgresql_where=text("status = 'recorded' AND approval = 'awaiting_approval'")),
    # Only events with a key (NULLs never conflict); on SQLite (embedded) still the earlier unique constraint.
    Index("uq_events_idempotency", "tenant_id", "provider_id", "idempotency_key", unique=True,
          postgresql_where=text("idempotency_key IS NOT NULL")),
    # Two concurrent auto-recording runs cannot both create the same draft. Its prefix (tenant_id,
    # voucher_content_id, start) is the index of every query by content (migration c4e8a2d6f1b9).
    UniqueConstraint("tenant_id", "voucher_content_id", "start", "auto_month", name="uq_events_auto"),
)

event_segments = Table(
    "event_segments",
    metadata,
    Column("tenant_id", String(ID), primary_key=True),
    Column("event_id", String(36), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("start", Date, nullable=False),
    Column("end", Date, nullable=False),
    Column("units", UNITS, nullable=False),
    Column("unit_price", PER_UNIT, nullable=False),
    Column("tenant_share_per_unit", PER_UNIT, nullable=False),
    Column("co_payment_per_unit", PER_UNIT, nullable=False),
    Column("percentage", Numeric(7, 4), nullable=False),
    Column("amount_tenant", MONEY, nullable=False),
    Column("amount_co_payment", MONEY, nullable=False),
    # No foreign key to events (migration e2f7b4c9a1d3; SQLite keeps it): written only here, with their event,
    # and an event's row is never removed; its check was a third of PostgreSQL's CPU of writing a draft.
)

interruptions = Table(
    "interruptions",
    metadata,
    Column("tenant_id", String(ID), primary_key=True),
    Column("id", String(36), primary_key=True),
    Column("booking_id", String(ID), nullable=False),
    Column("voucher_id", String(ID), nullable=False),
    Column("voucher_content_id", String(ID), nullable=False),
    Column("service_id", String(ID), nullable=False),
    Column("content_id", String(ID), nullable=False),
    Column("provider_id", String(ID), nullable=False),
    Column("producer_part", String(100)),
    Column("client_id", String(ID), nullable=False),
    Column("client_ref", String(100), nullable=False),
    Column("start", Date, nullable=False),
    Column("end", Date),  # None: a draft, not settled
    Column("reason", String(20), nullable=False),
    Column("status", String(20), nullable=False),  # draft | finalised
    Column("days", JSON),  # [{day, day_number, percentage}] once finalised
    Column("segments", JSON),
    Column("amount_tenant", MONEY),
    Column("amount_co_payment", MONEY),
    Column("settled", Boolean, nullable=False, server_default="0"),  # paid by a run: only a credit corrects it
    Column("settled_run_id", String(ID)),
    Column("credited", Boolean, nullable=False, server_default="0"),
    Column("revision", Integer, nullable=False, server_default="0"),  # last published revision
    # None: published once finalised (the tenant approves no interruptions) | pending | approved | rejected
    Column("approval", String(20)),
    Column("decision_reason", Text),
    # when it was finalised (first, or again after a rejection) and the approval step decided whether it waits, and
    # the "on" known then (migration f3c8a1d6e2b7); whether it waits is decided again by every statement of the step
    # heard later (domain/approval_step.py), until it is settled. (None: finalised before held_at was kept.)
    Column("held_at", DateTime(timezone=True)),
    Column("held_under", DateTime(timezone=True)),
    # the officer's decision (approve | reject) and when it was made; a decision made after an "off" was stated is
    # void once the "off" is heard (migration c7e2a9f4d1b8)
    Column("decision", String(10)),
    Column("decided_at", DateTime(timezone=True)),
    # approval "approved" by the step turned off, not by the officer: when that "off" was stated
    Column("released_at", DateTime(timezone=True)),
    Column("recorder", String(ID), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_interruptions_tenant_content", "tenant_id", "voucher_content_id", "start"),
    # a client's interruptions on its other vouchers of a content (a day is paid once; migration e7b3d1f5a9c2)
    Index("ix_interruptions_tenant_client", "tenant_id", "client_id"),
)

settled_months = Table(
    "settled_months",
    metadata,
    Column("tenant_id", String(ID), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("run_id", String(ID), nullable=False),
)

credits = Table(
    "credits",
    metadata,
    Column("tenant_id", String(ID), primary_key=True),
    Column("id", String(36), primary_key=True),
    Column("event_id", String(36), nullable=False),  # the event's or (kind interruption) the interruption's id
    Column("kind", String(20), nullable=False, server_default="event"),  # event | interruption
    Column("provider_id", String(ID), nullable=False),
    Column("producer_part", String(100)),
    Column("client_ref", String(100), nullable=False),
    Column("content_id", String(ID), nullable=False),
    Column("service_id", String(ID), nullable=False),
    Column("amount", MONEY, nullable=False),  # negative
    Column("reason", Text, nullable=False),
    Column("month", String(7), nullable=False),  # the settlement month planned to deduct it, when made
    # What settlement's runs stated (settlement.events.settled): the month and run that deducted it (the earliest,
    # should two say so), else the month of the latest run that carried it over to the next run.
    Column("deducted_month", String(7)),
    Column("deducted_run_id", String(ID)),
    Column("carried_month", String(7)),
    Column("carried_amount", MONEY),  # of the latest carry-over: the part still to deduct (null: all of it)
    Column("requested_by", String(ID), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("tenant_id", "event_id", name="uq_credits_event"),  # an event is credited once
    Index("ix_credits_tenant_provider", "tenant_id", "provider_id"),
)

# A provider asks the tenant to correct a paid event or interruption (004 §4.3.4, §4.3.8): the officer
# answers with a credit (deducted in the next run) or declines with a reason.
correction_requests = Table(
    "correction_requests",
    metadata,
    Column("tenant_id", String(ID), primary_key=True),
    Column("id", String(36), primary_key=True),
    Column("kind", String(20), nullable=False),  # event | interruption
    Column("target_id", String(36), nullable=False),  # the event's or the interruption's id
    Column("provider_id", String(ID), nullable=False),
    Column("service_id", String(ID), nullable=False),
    Column("content_id", String(ID), nullable=False),
    Column("client_ref", String(100), nullable=False),
    # whom it is about, kept here: a removed interruption's row is gone, its request's reads are still logged
    Column("client_id", String(ID)),
    Column("start", Date, nullable=False),
    Column("end", Date, nullable=False),
    Column("amount", MONEY, nullable=False),  # what the tenant paid for it
    Column("reason", Text, nullable=False),  # the provider's
    Column("state", String(20), nullable=False),  # open | credited | declined | removed (validity ended)
    Column("answer", Text),  # the officer's reason
    Column("credit_id", String(36)),
    Column("requested_by", String(ID), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("answered_by", String(ID)),
    Column("answered_at", DateTime(timezone=True)),
    # "removed": the last valid day (of the voucher, booking or content) the care lay beyond; the provider reads it
    Column("valid_until", Date),
    # which end made that day: voucher | death | booking | service (domain.event_days.ended_by); None before it was kept
    Column("removed_cause", String(16)),
    Index("ix_correction_requests_tenant_state", "tenant_id", "state"),
    Index("ix_correction_requests_tenant_provider", "tenant_id", "provider_id"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("tenant_id", String(ID), primary_key=True),
    Column("id", String(36), primary_key=True),
    Column("kind", String(20), nullable=False),  # thanks | criticism | complaint
    Column("client_id", String(ID), nullable=False),
    Column("author", String(ID), nullable=False),
    Column("provider_id", String(ID), nullable=False),
    Column("producer_part", String(100)),
    Column("service_id", String(ID), nullable=False),
    Column("event_id", String(36)),
    Column("needs_reply", Boolean, nullable=False),
    Column("text", Text, nullable=False),
    Column("reply", Text),
    Column("replied_by", String(ID)),
    Column("replied_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_feedback_tenant_provider", "tenant_id", "provider_id"),
)

# The reminder on the 1st (jobs.remind_open_work): sent once per provider and month.
reminders = Table(
    "reminders",
    metadata,
    Column("tenant_id", String(ID), primary_key=True),
    Column("provider_id", String(ID), primary_key=True),
    Column("month", String(7), primary_key=True),  # the month whose work was open
    Column("sent_at", DateTime(timezone=True), nullable=False),
)

# The daily summary of each provider's pending work (service/pending_work.py): published once per tenant and day.
pending_work_summaries = Table(
    "pending_work_summaries",
    metadata,
    Column("tenant_id", String(ID), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("sent_at", DateTime(timezone=True), nullable=False),
)

auto_record_runs = Table(
    "auto_record_runs",
    metadata,
    Column("tenant_id", String(ID), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("created", Integer, nullable=False),
    Column("ran_at", DateTime(timezone=True), nullable=False),
)
