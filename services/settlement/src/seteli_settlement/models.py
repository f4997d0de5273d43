"""Settlement tables. Tenant-owned tables carry tenant_id first in their keys and indexes.

The ledger is append-only for money paid: a correction or deletion never edits a paid line, it adds a
reversal line (an unpaid line is just marked superseded). A run pays the payable,
unpaid lines; `paid_lines` has one row per paid ledger line, and its primary key is what makes
"never paid twice" a database fact rather than a hope.
"""

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
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = make_metadata()
add_messaging_tables(metadata)
revocation_table(metadata)  # sessions the registry ended (seteli_common.revocation)

Money = Numeric(12, 2)
PerUnit = Numeric(14, 6)  # per-unit values and units keep their exact scale (e.g. 2.25 h, 45.555 €)

# --- read models of other services' data ------------------------------------------------------

tenants = Table(
    "tenants",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name_fi", String(200), nullable=False),
    Column("name_sv", String(200), nullable=False),
    Column("business_id", String(9), nullable=False),
    Column("languages", JSON, nullable=False),
    Column("payer_iban", String(34), nullable=False),
    Column("payer_bic", String(11), nullable=False),
    # when the registry stated the settings kept (registry.tenant.changed): an older change heard later is ignored
    Column("changed_at", DateTime(timezone=True), nullable=True),
)

# A provider company exists once across tenants (registry keys it by business ID).
providers = Table(
    "providers",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("business_id", String(9), nullable=False),
    Column("name", String(200), nullable=False),
    Column("language", String(2), nullable=False),
    Column("email", String(254), nullable=False),
    Column("billing", JSON),  # {iban, bic, reference, email, pdf_by_email} or null
    # when the registry stated the name kept (registration or rename): an older rename heard later is ignored
    Column("named_at", DateTime(timezone=True)),
)

sites = Table(
    "sites",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("provider_id", String(64), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("notification_email", String(254), nullable=False, server_default=""),
    Column("billing", JSON),  # own billing information; null = the company's is used
    # when the registry stated the name and address kept: an older statement heard later changes them not
    Column("named_at", DateTime(timezone=True)),
)

# Every billing fact heard (registry.provider.registered, .billing_changed, registry.site.added,
# .changed), newest per payee: a company (site_id '') or one of its sites. Kept even before the provider
# or site itself is known here (messages may arrive in any order), and ordered by when the registry
# stated them, so an older fact arriving late never overwrites a newer one. providers.billing and
# sites.billing always carry the newest fact.
billing_facts = Table(
    "billing_facts",
    metadata,
    Column("provider_id", String(64), nullable=False),
    Column("site_id", String(64), nullable=False),  # '' = the company's own billing information
    Column("billing", JSON),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("provider_id", "site_id"),
)

services = Table(
    "services",
    metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("id", String(64), nullable=False),
    Column("name_fi", String(200), nullable=False),
    Column("name_sv", String(200), nullable=False),
    Column("contents", JSON, nullable=False),  # [{content_id, name_fi, name_sv, unit, client_pays}]
    Column("calendar", JSON),  # {provider_deadline_day, approval_deadline_day, transfer_day}
    # when applications stated this definition: an older one heard later changes nothing
    Column("defined_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("tenant_id", "id"),
)

# The names a provider has known a client by (the client's reference, earlier numbers) and the number it
# stated last for the client (vouchers.client_number.changed): the ledger's lines and interruptions carry
# `current_ref`, also those heard after the change with an older name. Each name keeps the statement that
# named it last, so an older change heard late changes nothing.
client_refs = Table(
    "client_refs",
    metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("provider_id", String(64), nullable=False),
    Column("client_ref", String(64), nullable=False),
    Column("current_ref", String(64), nullable=False),
    Column("stated_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("tenant_id", "provider_id", "client_ref"),
)

# --- the ledger --------------------------------------------------------------------------------

# The newest known revision of each source (event, interruption, credit): orders corrections and
# deletions that arrive out of order, and is the row every change of one source locks.
sources = Table(
    "sources",
    metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("kind", String(20), nullable=False),  # event | interruption | credit
    Column("source_id", String(64), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False, server_default="0"),
    Column("fingerprint", String(64), nullable=False, server_default=""),
    PrimaryKeyConstraint("tenant_id", "kind", "source_id"),
)

ledger = Table(
    "ledger",
    metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64), nullable=False),
    Column("kind", String(20), nullable=False),  # event | interruption | credit
    Column("source_id", String(64), nullable=False),  # event, interruption or credit id
    Column("revision", Integer, nullable=False),
    Column("segment_no", Integer, nullable=False),
    Column("entry", String(10), nullable=False),  # line | reversal
    Column("reverses", BigInteger),  # the line a reversal cancels
    Column("event_id", String(64)),  # traceability: the event paid (or credited)
    Column("service_id", String(64), nullable=False),
    Column("provider_id", String(64), nullable=False),
    Column("producer_part", String(64)),
    Column("client_ref", String(64), nullable=False),
    Column("content_id", String(64), nullable=False),
    Column("unit", String(20), nullable=False),
    Column("start", Date, nullable=False),
    Column("end", Date, nullable=False),
    Column("units", PerUnit, nullable=False),
    Column("unit_price", PerUnit, nullable=False),
    Column("tenant_share_per_unit", PerUnit, nullable=False),
    Column("co_payment_per_unit", PerUnit, nullable=False),
    Column("percentage", Numeric(7, 2), nullable=False),
    Column("amount", Money, nullable=False),  # what the tenant pays, rounded once per line
    Column("co_payment", Money, nullable=False),
    Column("month", Date, nullable=False),  # first day of the earliest settlement month it belongs to
    Column("status", String(20), nullable=False),  # payable | awaiting_approval | rejected | superseded
    Column("reason", String(200)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("tenant_id", "kind", "source_id", "revision", "segment_no", "entry"),
    UniqueConstraint("tenant_id", "reverses"),
    Index("ix_ledger_source", "tenant_id", "kind", "source_id"),
    Index("ix_ledger_event", "tenant_id", "event_id"),
    # The few lines waiting for the tenant's approval, for the preview's warning (a partial index stays small).
    Index("ix_ledger_awaiting_approval", "tenant_id", "month",
          postgresql_where=text("status = 'awaiting_approval'"), sqlite_where=text("status = 'awaiting_approval'")),
)

# What a run may still pay: one row per payable ledger line not paid yet, with the line's immutable
# facts a run needs (payee, month, amount, what it settles). A run sums and pays from this narrow table
# alone: paying moves a line's row from here to paid_lines in one statement, so the wide ledger row is
# never rewritten (updating a flag on it touched the ledger's six indexes and cost several times the
# read of the lines), and the table holds only open lines however long the paid history grows.
# A line is open exactly when its status is payable and it has no paid_lines row (repository/open_queue.py keeps
# it so); paid_lines stays the guard against paying twice.
open_lines = Table(
    "open_lines",
    metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("line_id", BigInteger, nullable=False),
    Column("provider_id", String(64), nullable=False),
    Column("producer_part", String(64)),
    Column("month", Date, nullable=False),
    Column("amount", Money, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("source_id", String(64), nullable=False),
    Column("event_id", String(64)),
    # The run being paid when the line was opened: that run leaves it for the next, which pays it (a run pays
    # what was open at its lock). None: opened while no run was being paid.
    Column("held_by_run", String(36)),
    PrimaryKeyConstraint("tenant_id", "line_id"),
    Index("ix_open_lines_provider", "tenant_id", "provider_id", "month"),
)

interruptions = Table(
    "interruptions",
    metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("id", String(64), nullable=False),
    Column("service_id", String(64), nullable=False),
    Column("provider_id", String(64), nullable=False),
    Column("producer_part", String(64)),
    Column("client_ref", String(64), nullable=False),
    Column("content_id", String(64), nullable=False),
    Column("start", Date, nullable=False),
    Column("end", Date, nullable=False),
    Column("reason", String(40), nullable=False),
    Column("amount_tenant", Money, nullable=False),
    Column("amount_co_payment", Money, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    Index("ix_interruptions_service", "tenant_id", "service_id", "end"),
)

# --- runs ----------------------------------------------------------------------------------------

runs = Table(
    "runs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("month", Date, nullable=False),
    Column("state", String(20), nullable=False),  # running | completed
    Column("trigger", String(20), nullable=False),  # manual | scheduled
    Column("idempotency_key", String(100)),  # a retried POST returns the run it already started
    Column("total", Money),
    # Counted by each finishing job under the run row's lock: the last one (paid or parked as failed)
    # completes the run.
    Column("jobs_total", Integer, nullable=False, server_default="0"),
    Column("jobs_done", Integer, nullable=False, server_default="0"),
    Column("jobs_failed", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True)),
    Index("ix_runs_tenant_month", "tenant_id", "month"),
    UniqueConstraint("tenant_id", "idempotency_key"),
)

# One job per provider and run; any worker claims it (FOR UPDATE SKIP LOCKED) under a lease.
run_jobs = Table(
    "run_jobs",
    metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("run_id", String(36), nullable=False),
    Column("provider_id", String(64), nullable=False),
    # failed: parked after the attempts allowed (`job_max_attempts`); its provider's lines stay open for the next run
    Column("state", String(20), nullable=False),  # pending | running | done | failed
    Column("lease_token", String(36)),
    Column("leased_until", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, server_default="0"),  # claims so far, the one under way included
    # Why the last attempt failed: a short text for the officer (the error's kind and first line, never the
    # statement or its values, nor a traceback), kept from each failed attempt.
    Column("error", String(300)),
    Column("worker", String(100)),
    Column("finished_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("tenant_id", "run_id", "provider_id"),
    # The work queue across tenants: only open jobs are indexed, however many runs are done.
    Index(
        "ix_run_jobs_open",
        "leased_until",
        postgresql_where=text("state IN ('pending', 'running')"),
        sqlite_where=text("state IN ('pending', 'running')"),
    ),
)

payments = Table(
    "payments",
    metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64), nullable=False),
    Column("run_id", String(36), nullable=False),
    Column("payee_key", String(140), nullable=False),
    Column("provider_id", String(64), nullable=False),
    Column("site_id", String(64)),
    Column("payee_name", String(200), nullable=False),
    Column("iban", String(34), nullable=False),
    Column("bic", String(11)),
    Column("reference", String(40)),
    Column("email", String(254), nullable=False),
    Column("language", String(2), nullable=False),
    Column("pdf_by_email", Boolean, nullable=False),
    Column("amount", Money, nullable=False),
    Column("line_count", Integer, nullable=False),
    # The specification PDF is rendered after the payment, off the run's critical path:
    # none (not asked for) | pending | sent | failed (logged; printable on demand from the API).
    Column("spec_state", String(10), nullable=False, server_default="none"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("tenant_id", "run_id", "payee_key"),
    Index(
        "ix_payments_spec_pending",
        "spec_state",
        postgresql_where=text("spec_state = 'pending'"),
        sqlite_where=text("spec_state = 'pending'"),
    ),
)

paid_lines = Table(
    "paid_lines",
    metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("line_id", BigInteger, nullable=False),
    Column("run_id", String(36), nullable=False),
    Column("payment_id", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "line_id"),  # a ledger line is paid at most once, ever
    Index("ix_paid_lines_payment", "tenant_id", "payment_id"),
    Index("ix_paid_lines_run", "tenant_id", "run_id"),
)

carryovers = Table(
    "carryovers",
    metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64), nullable=False),
    Column("run_id", String(36), nullable=False),
    Column("provider_id", String(64), nullable=False),
    Column("site_id", String(64)),
    Column("payee_name", String(200), nullable=False),
    Column("amount", Money, nullable=False),
    Column("line_count", Integer, nullable=False),
    Column("reason", String(40), nullable=False),
    Index("ix_carryovers_run", "tenant_id", "run_id"),
)

# A provider is one debtor: a payee's negative total (credits) set off in a run against another payee of the same
# provider paid in that run (`domain.set_off`). `payment_id` is the payment it was deducted from. Until the
# debtor's own lines are paid (`settled_by`, the payment that paid them), the amount belongs to the open total of
# the debtor's producer part `from_part`, so a later run neither sets it off again nor forgets it.
set_offs = Table(
    "set_offs",
    metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64), nullable=False),
    Column("run_id", String(36), nullable=False),
    Column("provider_id", String(64), nullable=False),
    Column("from_site_id", String(64)),
    Column("from_name", String(200), nullable=False),
    Column("from_part", String(64)),
    Column("to_site_id", String(64)),
    Column("to_name", String(200), nullable=False),
    Column("payment_id", BigInteger, nullable=False),
    Column("amount", Money, nullable=False),
    Column("settled_by", BigInteger),
    # set_off: a deduction made in run `run_id`. A credit withdrawn while the deduction is open gives it back
    # (`ledger.withdraw_credit`): `withdrawn` (negative) takes it off the debtor's open total, `repaid` adds it
    # to the open total of the payee that bore it, whom its from_* columns name (to_*: the debtor). Both keep
    # the deduction's run_id and payment_id; each is settled by the payment that pays its from_part's payee.
    Column("kind", String(10), nullable=False, server_default="set_off"),
    Index("ix_set_offs_run", "tenant_id", "run_id"),
    Index("ix_set_offs_provider", "tenant_id", "provider_id"),
)

# The last preview per tenant and month, to show what changed since.
previews = Table(
    "previews",
    metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("month", Date, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("snapshot", JSON, nullable=False),
    Column("note", Text),
    PrimaryKeyConstraint("tenant_id", "month"),
)
