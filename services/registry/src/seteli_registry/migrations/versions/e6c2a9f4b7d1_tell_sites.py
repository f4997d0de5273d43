"""outbox: tell the sites there already are (issues 19/20)

Vouchers names a booked site ("site:<id>") by what `registry.site.added/changed` told it; sites entered before
vouchers listened to them were never told, so their bookings showed the site's id for its name. Each site is
written to the outbox once here as `registry.site.added`, with its name, notification address, phone and
billing information as they are now, stated at the epoch so that any change heard later is newer (vouchers,
settlement and the others keep the newer fact). Nothing to undo on downgrade: what was told stays told.

Revision ID: e6c2a9f4b7d1
Revises: d9b4e6a2c8f1
Create Date: 2026-12-05 15:50:00
"""

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "e6c2a9f4b7d1"
down_revision = "d9b4e6a2c8f1"
branch_labels = None
depends_on = None

STATED_AT = datetime(1970, 1, 1, tzinfo=UTC)

sites = sa.table("sites", sa.column("id", sa.String), sa.column("provider_id", sa.String),
                 sa.column("name", sa.String), sa.column("notification_email", sa.String),
                 sa.column("phone", sa.String), sa.column("billing", sa.JSON))
outbox = sa.table("outbox", sa.column("event_id", sa.String), sa.column("type", sa.String),
                  sa.column("version", sa.Integer), sa.column("tenant_id", sa.String),
                  sa.column("occurred_at", sa.DateTime(timezone=True)), sa.column("correlation_id", sa.String),
                  sa.column("payload", sa.JSON), sa.column("headers", sa.JSON))


def _message(payload: dict[str, Any]) -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), "type": "registry.site.added", "version": 1, "tenant_id": None,
            "occurred_at": STATED_AT, "correlation_id": uuid.uuid4().hex, "payload": payload, "headers": {}}


def _billing(billing: dict[str, Any] | None) -> dict[str, Any] | None:
    """As the registry publishes it (events.BillingInfo): every field, the defaults where none is kept."""
    return {"reference": None, "email": None, "pdf_by_email": True, **billing} if billing else None


def upgrade() -> None:
    connection = op.get_bind()
    messages = [
        _message({"provider_id": row.provider_id, "site_id": row.id, "name": row.name,
                  "notification_email": row.notification_email, "phone": row.phone, "billing": _billing(row.billing)})
        for row in connection.execute(sa.select(sites).order_by(sites.c.id))
    ]
    if messages:
        op.bulk_insert(outbox, messages)


def downgrade() -> None:
    pass
