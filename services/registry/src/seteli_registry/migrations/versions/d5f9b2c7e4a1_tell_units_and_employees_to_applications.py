"""outbox: tell the units and employees there are once more, for the applications service

The applications service now takes into an application's units and employees steps only the company's own; it
keeps them from `registry.provider.units_changed` and `registry.employee.*`, which it did not listen to before.
So that it knows those entered before, each company's units are written to the outbox once more as
`registry.provider.units_changed` and each employee as `registry.employee.added`, or `.removed` with its removal,
as c8e2f6a4d9b3 did. Stated at the epoch, so that any change heard later is newer and the services that know
these parts already (events, vouchers, notifications, settlement) keep what they hold: for them this is an old,
equal fact. Nothing to undo on downgrade: what was told stays told.

Revision ID: d5f9b2c7e4a1
Revises: c8e2f6a4d9b3
Create Date: 2026-12-07 18:00:00
"""

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "d5f9b2c7e4a1"
down_revision = "c8e2f6a4d9b3"
branch_labels = None
depends_on = None

STATED_AT = datetime(1970, 1, 1, tzinfo=UTC)

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


def upgrade() -> None:
    connection = op.get_bind()
    messages = [
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
