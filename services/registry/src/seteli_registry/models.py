"""Registry tables. Tenant-owned tables carry tenant_id first in keys and indexes."""

from seteli_common.db import make_metadata
from seteli_common.messaging.outbox import add_messaging_tables
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = make_metadata()
add_messaging_tables(metadata)

tenants = Table(
    "tenants", metadata,
    Column("id", String(64), primary_key=True),  # a slug such as "kouvola", used in URLs
    Column("name_fi", String(200), nullable=False),
    Column("name_sv", String(200), nullable=False),
    Column("business_id", String(9), nullable=False, unique=True),
    Column("languages", JSON, nullable=False),  # ["fi"], ["sv"] or ["fi", "sv"]
    Column("payer_iban", String(34), nullable=False),
    Column("payer_bic", String(11), nullable=False),
    # finalised interruptions wait for an officer's approval before settlement (004 §4.3.5.2, issue 19)
    Column("interruptions_need_approval", Boolean, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

providers = Table(
    "providers", metadata,
    Column("id", String(36), primary_key=True),
    # one company, however many tenants; an association without a business ID has none
    Column("business_id", String(9), unique=True),
    Column("kind", String(20), nullable=False, server_default="company"),  # company | association
    Column("name", String(200), nullable=False),
    Column("language", String(2), nullable=False),
    Column("email", String(254), nullable=False),
    Column("phone", String(40), nullable=False, server_default=""),
    Column("street_address", String(200), nullable=False, server_default=""),
    Column("postal_code", String(5), nullable=False, server_default=""),
    Column("city", String(100), nullable=False, server_default=""),
    Column("hide_address", Boolean, nullable=False, server_default="0"),
    # registered (self-registered, awaiting approval) | approved | unconfirmed (link not yet confirmed)
    Column("status", String(20), nullable=False),
    Column("billing", JSON),  # {iban, bic, reference, email, pdf_by_email}
    Column("contact_person", String(200), nullable=False, server_default=""),
    Column("description", Text, nullable=False, server_default=""),
    Column("extra_info", Text, nullable=False, server_default=""),  # searchable extra information
    Column("website", String(300), nullable=False, server_default=""),
    Column("operating_areas", JSON, nullable=False, server_default="[]"),
    Column("units", JSON, nullable=False, server_default="[]"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Catalog facets of a provider (need, support type, area, language) as rows, so that filters are
# plain EXISTS queries on PostgreSQL and SQLite alike.
provider_tags = Table(
    "provider_tags", metadata,
    Column("provider_id", String(36), ForeignKey("providers.id"), primary_key=True),
    Column("kind", String(20), primary_key=True),  # need | support | area | language
    Column("value", String(100), primary_key=True),
    Index("ix_provider_tags_kind_value", "kind", "value"),
)

sites = Table(
    "sites", metadata,
    Column("id", String(36), primary_key=True),
    Column("provider_id", String(36), ForeignKey("providers.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("provider_code", String(50), nullable=False, server_default=""),
    Column("notification_email", String(254), nullable=False),
    Column("street_address", String(200), nullable=False, server_default=""),
    Column("postal_code", String(5), nullable=False, server_default=""),
    Column("city", String(100), nullable=False, server_default=""),
    Column("extra_info", Text, nullable=False, server_default=""),
    Column("phone", String(40)),  # None: not given (domain.normalise_phone's rule)
    Column("billing", JSON),  # a site may have billing information of its own
    Column("created_at", DateTime(timezone=True), nullable=False),
)

employees = Table(
    "employees", metadata,
    Column("id", String(36), primary_key=True),
    Column("provider_id", String(36), ForeignKey("providers.id"), nullable=False, index=True),
    Column("site_id", String(36), ForeignKey("sites.id")),
    Column("name", String(200), nullable=False),
    Column("title", String(200), nullable=False, server_default=""),
    Column("email", String(254), nullable=False, server_default=""),
    Column("phone", String(40), nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # soft removal: decided applications and price lists ("employee:<id>") keep pointing at the id
    Column("removed_at", DateTime(timezone=True)),
)

subcontractors = Table(
    "subcontractors", metadata,
    Column("id", String(36), primary_key=True),
    Column("provider_id", String(36), ForeignKey("providers.id"), nullable=False),
    Column("business_id", String(9), nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # soft removal: the id stays in decided applications; adding the business id again restores the row
    Column("removed_at", DateTime(timezone=True)),
    UniqueConstraint("provider_id", "business_id"),
)

attachments = Table(
    "attachments", metadata,
    Column("id", String(36), primary_key=True),
    Column("provider_id", String(36), ForeignKey("providers.id"), nullable=False, index=True),
    Column("level", String(20), nullable=False),  # company | site | subcontractor
    Column("owner_id", String(36), nullable=False),  # provider, site or subcontractor id
    Column("type", String(50), nullable=False),
    Column("filename", String(200), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("blob_key", String(200), nullable=False),
    Column("valid_from", Date),
    Column("valid_until", Date),
    Column("liability_state", String(20)),  # filled by a contractor-liability check
    Column("liability_checked_on", Date),
    Column("expired_notified", Boolean, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

liability_reports = Table(
    "liability_reports", metadata,
    Column("id", String(36), primary_key=True),
    Column("provider_id", String(36), ForeignKey("providers.id"), nullable=False, index=True),
    Column("subject_business_id", String(9), nullable=False),
    Column("subcontractor_id", String(36)),
    Column("overall_state", String(20), nullable=False),  # ok | attention | investigate | unavailable
    Column("fetched_on", Date, nullable=False),
    Column("checks", JSON, nullable=False),  # [{check, state, evidence_date, source}]
    Column("created_at", DateTime(timezone=True), nullable=False),
)

users = Table(
    "users", metadata,
    Column("id", String(36), primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(30), nullable=False),
    Column("tenant_id", String(64), ForeignKey("tenants.id")),
    Column("provider_id", String(36), ForeignKey("providers.id")),
    Column("language", String(2), nullable=False, server_default="fi"),
    Column("status", String(20), nullable=False),  # active | passive | unconfirmed
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("locked_until", DateTime(timezone=True)),
    Column("must_change_password", Boolean, nullable=False, server_default="0"),
    Column("password_changed_at", DateTime(timezone=True)),
    Column("teams", JSON, nullable=False),  # ["<tenant>:<service>", ...]
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("tenant_id", "email"),
)

login_log = Table(
    "login_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user_id", String(36)),
    Column("outcome", String(30), nullable=False),  # success | failure | locked | unlocked | ...
    Column("detail", String(200), nullable=False, server_default=""),
)

# Refresh tokens: one row per login session; revoking the row ends the session.
user_sessions = Table(
    "user_sessions", metadata,
    Column("id", String(36), primary_key=True),
    Column("user_id", String(36), ForeignKey("users.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Emailed links: confirmation, password reset, association invitation. Only a hash of the secret is kept.
link_tokens = Table(
    "link_tokens", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("purpose", String(30), nullable=False),  # confirm | reset | association | registration_answer
    Column("subject_id", String(36), nullable=False),  # user id or provider id
    Column("expires_at", DateTime(timezone=True)),  # None: valid until revoked (association edit link)
    Column("used_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

registration_requests = Table(
    "registration_requests", metadata,
    Column("tenant_id", String(64), ForeignKey("tenants.id"), primary_key=True),
    Column("id", String(36), primary_key=True),
    Column("business_id", String(9), nullable=False),
    Column("data", JSON, nullable=False),  # company and main-user details (no password)
    Column("password_hash", String(200), nullable=False),
    Column("status", String(20), nullable=False),  # pending | more_requested | approved | rejected
    Column("reason", Text),
    Column("provider_id", String(36)),
    Column("decided_by", String(36)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # every "ask for more" and the company's answer: {action, at, by, text, changed}
    Column("history", JSON, nullable=False, server_default="[]"),
    Column("answered_at", DateTime(timezone=True)),  # the company answered the latest question: waiting again
)

# A strong identification in progress: the mandates already fetched, never the identity code.
strong_logins = Table(
    "strong_logins", metadata,
    Column("id", String(36), primary_key=True),
    Column("state", String(64), nullable=False, unique=True),
    Column("person_name", String(200), nullable=False, server_default=""),
    Column("person", String(64), nullable=False, server_default=""),  # pseudonym, never the identity code
    Column("organisations", JSON, nullable=False, server_default="[]"),
    Column("status", String(20), nullable=False),  # started | identified | done
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# Who signed up for a company with strong identity (by pseudonym): signing in that way again finds
# their account instead of making another.
strong_identities = Table(
    "strong_identities", metadata,
    Column("person", String(64), primary_key=True),
    Column("provider_id", String(36), ForeignKey("providers.id"), primary_key=True),
    Column("user_id", String(36), ForeignKey("users.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Signing an application with strong identity (signing.py). The identity code is never stored: only a
# keyed pseudonym of it, the person's name and the mandate session of the running step.
signing_sessions = Table(
    "signing_sessions", metadata,
    Column("id", String(36), primary_key=True),
    Column("state", String(64), nullable=False, unique=True),
    Column("user_id", String(36), nullable=False),
    Column("provider_id", String(36), nullable=False),
    Column("business_id", String(9), nullable=False),
    # the application's tenant: an attribute, not the owner (the session belongs to the provider's user)
    Column("application_tenant", String(64), nullable=False),
    Column("application_id", String(36), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("status", String(20), nullable=False),  # started | identified | signed
    Column("person_name", String(200), nullable=False, server_default=""),
    Column("person_ref", String(64), nullable=False, server_default=""),
    Column("level_of_assurance", String(20), nullable=False, server_default=""),
    Column("mandate_session", String(100), nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# --- Public catalog read models (from the applications service) ---------------------------------

catalog_services = Table(
    "catalog_services", metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("service_id", String(64), primary_key=True),
    Column("name_fi", String(200), nullable=False),
    Column("name_sv", String(200), nullable=False),
    Column("kind", String(20), nullable=False, server_default="voucher"),
    Column("contents", JSON, nullable=False, server_default="[]"),
    # when applications stated this definition: an older one heard later changes nothing
    Column("stated_at", DateTime(timezone=True)),
)

catalog_approvals = Table(
    "catalog_approvals", metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("service_id", String(64), primary_key=True),
    Column("provider_id", String(36), primary_key=True),
    Column("application_id", String(64), nullable=False),
    Column("site_ids", JSON, nullable=False),
    # when applications stated the approval (a change republishes every site): an older one heard later is ignored
    Column("stated_at", DateTime(timezone=True)),
)

catalog_price_lists = Table(
    "catalog_price_lists", metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("price_list_id", String(64), primary_key=True),
    Column("service_id", String(64), nullable=False),
    Column("provider_id", String(36), nullable=False),
    Column("producer_part", String(64)),  # a site id, or None for the whole company
    Column("name", String(200), nullable=False),
    Column("start", Date, nullable=False),
    Column("prices", JSON, nullable=False),  # [{content_id, unit_price}] with unit_price as a string
    Column("additional_info", Text, nullable=False, server_default=""),
    Column("info_changed_at", String(40)),  # of the latest pricelist.info_changed applied (ISO date-time)
    Index("ix_catalog_price_lists_tenant_service", "tenant_id", "service_id", "provider_id"),
)

contact_requests = Table(
    "contact_requests", metadata,
    Column("id", String(36), primary_key=True),
    Column("tenant_id", String(64)),
    Column("organisation_ids", JSON, nullable=False),
    Column("name", String(200), nullable=False, server_default=""),
    Column("phone", String(40)),
    Column("email", String(254)),
    Column("message", Text),
    Column("language", String(2), nullable=False),
    Column("sent_by_professional", Boolean, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Each disclosure of a resident's contact details to an organisation (who received what, when, why).
disclosure_log = Table(
    "disclosure_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("contact_request_id", String(36), nullable=False),
    Column("recipient_provider_id", String(36), nullable=False),
    Column("fields", String(100), nullable=False),
    Column("purpose", String(100), nullable=False),
)

course_windows = Table(
    "course_windows", metadata,
    Column("tenant_id", String(64), ForeignKey("tenants.id"), primary_key=True),
    Column("year", Integer, primary_key=True),  # the course year the window collects
    Column("opens_on", Date, nullable=False),
    Column("closes_on", Date, nullable=False),
)

courses = Table(
    "courses", metadata,
    Column("tenant_id", String(64), ForeignKey("tenants.id"), primary_key=True),
    Column("id", String(36), primary_key=True),
    Column("provider_id", String(36), ForeignKey("providers.id"), nullable=False),
    Column("service_id", String(64)),
    Column("year", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("contact_persons", JSON, nullable=False),
    Column("status", String(20), nullable=False),  # draft | published
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_courses_tenant_year", "tenant_id", "year"),
)

# The tenants a provider works with (providers.relate). The provider register itself is shared, but a
# tenant's staff read a company's people, attachments, liability checks and courses only when the company
# works with that tenant: it registered through the tenant, a tenant admin approved or invited it, or it
# applied to one of the tenant's services (applications.application.submitted / approved).
tenant_providers = Table(
    "tenant_providers", metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("provider_id", String(36), primary_key=True),
    Column("via", String(20), nullable=False),  # registration | approval | invitation | application
    Column("since", DateTime(timezone=True), nullable=False),
    Index("ix_tenant_providers_provider", "provider_id"),
)

# Resident sign-in (resident.py). The read model of vouchers' clients, by person pseudonym only: which
# tenants know the person as which client (from vouchers.client.registered / vouchers.client.died).
resident_clients = Table(
    "resident_clients", metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("client_id", String(36), primary_key=True),
    Column("person", String(64), nullable=False),  # seteli_common.pseudonym, never the identity code
    Column("deceased", Boolean, nullable=False, server_default="0"),
    Index("ix_resident_clients_person", "person"),
)

# A resident's sign-in between the identity provider's callback and the token: the state, then (when
# the person is a client of several tenants) the pseudonym and name until they choose a tenant.
resident_sign_ins = Table(
    "resident_sign_ins", metadata,
    Column("state", String(64), primary_key=True),
    Column("status", String(20), nullable=False),  # started | identified
    Column("person", String(64), nullable=False, server_default=""),
    Column("person_name", String(200), nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
