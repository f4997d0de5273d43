"""Registry tables. Tenant-owned tables carry tenant_id first in keys and indexes."""

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Integer, String, Table, UniqueConstraint

from seteli_common.db import make_metadata
from seteli_common.messaging.outbox import add_messaging_tables

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
    Column("created_at", DateTime(timezone=True), nullable=False),
)

providers = Table(
    "providers", metadata,
    Column("id", String(36), primary_key=True),
    Column("business_id", String(9), nullable=False, unique=True),  # one company, however many tenants
    Column("name", String(200), nullable=False),
    Column("language", String(2), nullable=False),
    Column("email", String(254), nullable=False),
    Column("street_address", String(200), nullable=False, server_default=""),
    Column("postal_code", String(5), nullable=False, server_default=""),
    Column("city", String(100), nullable=False, server_default=""),
    Column("hide_address", Boolean, nullable=False, server_default="0"),
    Column("status", String(20), nullable=False),  # registered | approved
    Column("billing", JSON),  # {iban, bic, reference, email, pdf_by_email}
    Column("created_at", DateTime(timezone=True), nullable=False),
)

sites = Table(
    "sites", metadata,
    Column("id", String(36), primary_key=True),
    Column("provider_id", String(36), ForeignKey("providers.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("provider_code", String(50), nullable=False, server_default=""),
    Column("notification_email", String(254), nullable=False),
    Column("billing", JSON),  # a site may have billing information of its own
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
    Column("status", String(20), nullable=False),  # active | passive
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("locked_until", DateTime(timezone=True)),
    Column("must_change_password", Boolean, nullable=False, server_default="0"),
    Column("teams", JSON, nullable=False),  # ["<tenant>:<service>", ...]
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("tenant_id", "email"),
)

login_log = Table(
    "login_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user_id", String(36)),
    Column("outcome", String(30), nullable=False),  # success | failure | locked | unlocked
    Column("detail", String(200), nullable=False, server_default=""),
)
