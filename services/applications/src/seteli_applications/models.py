"""Applications tables. Tenant-owned tables carry tenant_id first in keys and indexes."""

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
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

metadata = make_metadata()
add_messaging_tables(metadata)
revocation_table(metadata)  # sessions the registry ended (seteli_common.revocation)

# --- read models fed by registry events ---------------------------------------------------------
tenants = Table(
    "tenants", metadata,
    Column("id", String(64), primary_key=True),
    Column("name_fi", String(200), nullable=False),
    Column("name_sv", String(200), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

providers = Table(
    "providers", metadata,
    Column("id", String(36), primary_key=True),
    Column("business_id", String(9), nullable=False),
    Column("name", String(200), nullable=False),
    Column("email", String(254), nullable=False),
    Column("language", String(2), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

provider_sites = Table(
    "provider_sites", metadata,
    Column("id", String(36), primary_key=True),
    Column("provider_id", String(36), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("notification_email", String(254), nullable=False),
)

# Attachments live in the registry; this copy only answers "does X have a valid attachment of type T".
attachments = Table(
    "attachments", metadata,
    Column("id", String(36), primary_key=True),
    Column("provider_id", String(36), nullable=False),
    Column("level", String(20), nullable=False),  # company | site | subcontractor
    Column("owner_id", String(64), nullable=False),
    Column("type", String(100), nullable=False),
    Column("valid_from", Date),
    Column("valid_until", Date),
    # removed in the registry: kept as a mark so that its addition heard later does not bring it back
    Column("removed", Boolean, nullable=False, server_default="0"),
    Index("ix_attachments_provider_level_owner", "provider_id", "level", "owner_id"),
)

# registry.subcontractor.*: a removed subcontractor's attachments stay in the registry (evidence) and here, but
# count for no application until it is listed again; of two facts heard out of order the newer (`changed_at`) holds
subcontractors = Table(
    "subcontractors", metadata,
    Column("id", String(36), primary_key=True),
    Column("provider_id", String(36), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("removed_at", DateTime(timezone=True)),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

# registry.provider.units_changed, .areas_changed and registry.employee.*: the companies' units ("unit:<name>"),
# operating areas ("area:<name>", a name of up to 100 characters) and employees ("employee:<id>"), so that an
# application's units, operating areas and employees steps take only the company's own. Each keeps the newest
# statement, whatever the order of arrival; a removed employee or a unit or area off the list is no longer listed.
provider_parts = Table(
    "provider_parts", metadata,
    Column("provider_id", String(64), nullable=False),
    Column("part", String(120), nullable=False),
    Column("listed", Boolean, nullable=False),
    Column("stated_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("provider_id", "part"),
)

# --- tenant services -----------------------------------------------------------------------------
services = Table(
    "services", metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("id", String(36), nullable=False),
    Column("name_fi", String(200), nullable=False),
    Column("name_sv", String(200), nullable=False),
    Column("kind", String(20), nullable=False),  # voucher | purchased
    Column("auto_recording", Boolean, nullable=False),
    Column("required_attachments", JSON, nullable=False),  # {company: [...], site: [...], subcontractor: [...]}
    Column("interruption_rule", JSON),  # list of rule versions by valid_from; rows from before: one rule
    Column("calendar", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
)

service_contents = Table(
    "service_contents", metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("id", String(36), nullable=False),
    Column("service_id", String(36), nullable=False),
    Column("position", Integer, nullable=False),
    Column("name_fi", String(200), nullable=False),
    Column("name_sv", String(200), nullable=False),
    Column("unit", String(20), nullable=False),  # day | month | hour | m2_month | piece
    Column("client_pays", Boolean, nullable=False),
    # the content is ended (not offered, nothing recorded) from this day on; never removed, price lists refer to it
    Column("ended_from", Date),
    PrimaryKeyConstraint("tenant_id", "id"),
    Index("ix_service_contents_tenant_service", "tenant_id", "service_id", "position"),
)

rulebook_versions = Table(
    "rulebook_versions", metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("id", String(36), nullable=False),
    Column("service_id", String(36), nullable=False),
    Column("version", Integer, nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("text", Text),
    Column("document_url", String(1000)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    Index("ix_rulebook_versions_tenant_service", "tenant_id", "service_id", "version", unique=True),
)

# A change of a service's names, auto-recording, contents, required attachments or calendar that takes effect
# on a later date (tenant_services.schedule_change): `changes` holds the fields as they will be from that date
# (contents whole, a new content with the id it will have); applied_at is set when the due-changes job has
# written it into the service (reads before that merge it by its date anyway).
scheduled_service_changes = Table(
    "scheduled_service_changes", metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("id", String(36), nullable=False),
    Column("service_id", String(36), nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("changes", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("applied_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("tenant_id", "id"),
    Index("ix_scheduled_service_changes_tenant_service", "tenant_id", "service_id", "effective_from"),
)

# --- applications --------------------------------------------------------------------------------
applications = Table(
    "applications", metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("id", String(36), nullable=False),
    Column("service_id", String(36), nullable=False),
    Column("provider_id", String(36), nullable=False),
    # draft | submitted | approved | rejected | returned
    Column("state", String(20), nullable=False),
    # A change of an approved application is an application of its own that amends the approved one.
    Column("amends_id", String(36)),
    Column("steps", JSON, nullable=False),  # {step name: saved data}
    Column("approved_site_ids", JSON, nullable=False),
    Column("rulebook_version_id", String(36)),
    Column("rulebook_version", Integer),
    Column("rulebook_accepted_at", DateTime(timezone=True)),
    Column("signature", JSON),
    Column("return_reason", Text),
    Column("return_missing", JSON),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("submitted_at", DateTime(timezone=True)),
    Column("decided_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("tenant_id", "id"),
    Index("ix_applications_tenant_state_submitted", "tenant_id", "state", "submitted_at"),
    Index("ix_applications_tenant_provider", "tenant_id", "provider_id", "service_id"),
)

# Every transition: who, when, why.
application_history = Table(
    "application_history", metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("id", String(36), nullable=False),
    Column("application_id", String(36), nullable=False),
    Column("seq", Integer, nullable=False),  # order of the transitions of one application
    Column("from_state", String(20)),
    Column("to_state", String(20), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("actor_role", String(30), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("reason", Text),
    Column("missing", JSON),
    PrimaryKeyConstraint("tenant_id", "id"),
    Index("ix_application_history_tenant_app", "tenant_id", "application_id", "seq", unique=True),
)

# --- price lists ---------------------------------------------------------------------------------
price_lists = Table(
    "price_lists", metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("id", String(36), nullable=False),
    Column("application_id", String(36), nullable=False),
    Column("service_id", String(36), nullable=False),
    Column("provider_id", String(36), nullable=False),
    Column("producer_part", String(80)),  # None = company; "site:<id>", "unit:<id>", "employee:<id>"
    Column("name", String(200), nullable=False),
    Column("start", Date, nullable=False),
    Column("state", String(20), nullable=False),  # pending | approved | rejected
    Column("additional_info", Text, nullable=False, server_default=""),
    Column("idempotency_key", String(100)),  # a repeated POST with the same key returns the first list
    Column("idempotency_fingerprint", String(64)),  # of the request the key came with: another one is refused
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("approved_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("tenant_id", "id"),
    Index("ix_price_lists_lookup", "tenant_id", "provider_id", "service_id", "producer_part", "start"),
    Index("ix_price_lists_tenant_application", "tenant_id", "application_id"),
    Index("ix_price_lists_idempotency", "tenant_id", "provider_id", "idempotency_key", unique=True),
)

price_list_prices = Table(
    "price_list_prices", metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("price_list_id", String(36), nullable=False),
    Column("content_id", String(36), nullable=False),
    Column("unit_price", Numeric(12, 2), nullable=False),
    PrimaryKeyConstraint("tenant_id", "price_list_id", "content_id"),
)

# Signature assertions already used to send an application: a replay is refused (signing.py).
used_signatures = Table(
    "used_signatures", metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("jti", String(64), nullable=False),
    Column("application_id", String(36), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("tenant_id", "jti"),
)
