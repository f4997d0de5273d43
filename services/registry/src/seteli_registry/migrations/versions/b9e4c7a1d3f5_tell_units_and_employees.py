"""outbox: tell the units and employees there already are (issue 20)

Vouchers now books a unit ("unit:<name>") or an employee ("employee:<id>") of a company and keeps them from
`registry.provider.units_changed` and `registry.employee.added/removed`, which the registry publishes from now
on. The units and employees entered before were never told: each is written to the outbox once here, stated
at the epoch, so that any change heard later is newer (vouchers keeps the newest list and name). Nothing to
undo on downgrade: what was told stays told.

Revision ID: b9e4c7a1d3f5
Revises: a7d3f9c2e1b8
Create Date: 2026-12-05 15:35:00
"""

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "b9e4c7a1d3f5"
down_revision = "a7d3f9c2e1b8"
branch_labels = None
depends_on = None

STATED_AT = datetime(1970, 1, 1, tzinfo=UTC)

providers = sa.table("providers", sa.column("id", sa.String), sa.column("units", sa.JSON))
employees = sa.table("employees", sa.column("id", sa.String), sa.column("provider_id", sa.String),
                     sa.column("name", sa.String), sa.column("removed_at", sa.DateTime(timezone=True)))
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
        messages.append(_message("registry.employee.removed" if removed_at else "registry.employee.added",
                                 {"provider_id": row.provider_id, "employee_id": row.id, "name": row.name,
                                  "removed_at": removed_at}))
    if messages:
        op.bulk_insert(outbox, messages)


def downgrade() -> None:
    pass
