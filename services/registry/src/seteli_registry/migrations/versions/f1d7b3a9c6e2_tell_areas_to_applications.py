"""outbox: tell each company's operating areas, for the applications service

The applications service now takes into an application's operating areas step only the company's own; it keeps
them from `registry.provider.areas_changed`, which was not told before. So that it knows the areas entered
before, each company's areas are written to the outbox once as that fact, as d5f9b2c7e4a1 did for the units.
Stated at the epoch, so that any change heard later is newer. Nothing to undo on downgrade: what was told stays
told.

Revision ID: f1d7b3a9c6e2
Revises: d5f9b2c7e4a1
Create Date: 2026-12-07 20:10:00
"""

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "f1d7b3a9c6e2"
down_revision = "d5f9b2c7e4a1"
branch_labels = None
depends_on = None

STATED_AT = datetime(1970, 1, 1, tzinfo=UTC)

providers = sa.table("providers", sa.column("id", sa.String), sa.column("operating_areas", sa.JSON))
outbox = sa.table("outbox", sa.column("event_id", sa.String), sa.column("type", sa.String),
                  sa.column("version", sa.Integer), sa.column("tenant_id", sa.String),
                  sa.column("occurred_at", sa.DateTime(timezone=True)), sa.column("correlation_id", sa.String),
                  sa.column("payload", sa.JSON), sa.column("headers", sa.JSON))


def _message(payload: dict[str, Any]) -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), "type": "registry.provider.areas_changed", "version": 1,
            "tenant_id": None, "occurred_at": STATED_AT, "correlation_id": uuid.uuid4().hex, "payload": payload,
            "headers": {}}


def upgrade() -> None:
    connection = op.get_bind()
    query = sa.select(providers.c.id, providers.c.operating_areas).order_by(providers.c.id)
    messages = [_message({"provider_id": row.id, "areas": list(row.operating_areas),
                          "changed_at": STATED_AT.isoformat()})
                for row in connection.execute(query) if row.operating_areas]
    if messages:
        op.bulk_insert(outbox, messages)


def downgrade() -> None:
    pass
