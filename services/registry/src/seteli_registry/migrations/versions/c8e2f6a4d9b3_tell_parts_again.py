"""outbox: tell the sites, units and employees there are once more, for the events service

The events service now refuses a care event or an interruption naming a producer part that is not one of the
booking's company's ("site:<id>", "unit:<name>", "employee:<id>"); it keeps them from `registry.site.*`,
`registry.provider.units_changed` and `registry.employee.*`, which it did not listen to before. So that it knows
the parts entered before, each is written to the outbox once more here as it is now: every site as
`registry.site.added` (as e6c2a9f4b7d1 did), each company's units as `registry.provider.units_changed` and
each employee as `registry.employee.added`, or `.removed` with its removal (as b9e4c7a1d3f5 did, now with the
address and site). Stated at the epoch, so that any change heard later is newer and the services that know
these parts already (vouchers, notifications, settlement, applications) keep what they hold: for them this is
an old, equal fact. Nothing to undo on downgrade: what was told stays told.

Revision ID: c8e2f6a4d9b3
Revises: e5a9c3f7b1d2
Create Date: 2026-12-06 18:45:00
"""

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "c8e2f6a4d9b3"
down_revision = "e5a9c3f7b1d2"
branch_labels = None
depends_on = None

STATED_AT = datetime(1970, 1, 1, tzinfo=UTC)

sites = sa.table("sites", sa.column("id", sa.String), sa.column("provider_id", sa.String),
                 sa.column("name", sa.String), sa.column("notification_email", sa.String),
                 sa.column("phone", sa.String), sa.column("billing", sa.JSON))
providers = sa.table("providers", sa.column("id", sa.String), sa.column("units", sa.JSON))
employees = sa.table("employees", sa.column("id", sa.String), sa.column("provider_id", sa.String),
                     sa.column("site_id", sa.String), sa.column("name", sa.String), sa.column("email", sa.String),
                     sa.column("removed_at", sa.DateTime(timezone=True)))
outbox = sa.table("outbox", sa.column("event_id", sa.String), sa.column("type", sa.String),
                  sa.column("version", sa.Integer), sa.column("tenant_id", sa.String),
                  sa.column("occurred_at", sa.DateTime(timezone=True)), sa.column("correlation_id", sa.String),
                  sa.column("payload", sa.JSON), sa.column("headers", sa.JSON))


def _message(event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), "type": event_type, "version": 1, "tenant_id": None,
            "occurred_at": STATED_AT, "correlation_id": uuid.uuid4().hex, "payload": payload, "headers": {}}


def _billing(billing: dict[str, Any] | None) -> dict[str, Any] | None:
    """As the registry publishes it (events.BillingInfo): every field, the defaults where none is kept."""
    return {"reference": None, "email": None, "pdf_by_email": True, **billing} if billing else None


def upgrade() -> None:
    connection = op.get_bind()
    messages = [
        _message("registry.site.added", {
            "provider_id": row.provider_id, "site_id": row.id, "name": row.name,
            "notification_email": row.notification_email, "phone": row.phone, "billing": _billing(row.billing)})
        for row in connection.execute(sa.select(sites).order_by(sites.c.id))
    ]
    messages += [
        _message("registry.provider.units_changed",
                 {"provider_id": row.id, "units": list(row.units), "changed_at": STATED_AT.isoformat()})
        for row in connection.execute(sa.select(providers.c.id, providers.c.units).order_by(providers.c.id))
        if row.units
    ]
    for row in connection.execute(sa.select(employees).order_by(employees.c.id)):
        removed_at = row.removed_at.isoformat() if row.removed_at else None
        messages.append(_message("registry.employee.removed" if removed_at else "registry.employee.added", {
            "provider_id": row.provider_id, "employee_id": row.id, "name": row.name, "removed_at": removed_at,
            "email": row.email or "", "site_id": row.site_id}))
    if messages:
        op.bulk_insert(outbox, messages)


def downgrade() -> None:
    pass
