"""outbox: tell each subcontractor, listed or removed

Applications and notifications count a subcontractor's attachments only while it is listed; they learn of it
from `registry.subcontractor.added` / `.removed` (a removed one's papers stay in the registry as evidence, so no
`registry.attachment.removed` tells them). The subcontractors there are were never told: each is written to the
outbox once here, as it is now, stated at the epoch so that any later change is newer. Nothing to undo on
downgrade: what was told stays told.

Revision ID: c4e8a2f6d1b9
Revises: a9c5e1f7b3d8
Create Date: 2026-12-06 12:30:00
"""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "c4e8a2f6d1b9"
down_revision = "a9c5e1f7b3d8"
branch_labels = None
depends_on = None

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

subcontractors = sa.table("subcontractors", sa.column("id", sa.String), sa.column("provider_id", sa.String),
                          sa.column("business_id", sa.String), sa.column("name", sa.String),
                          sa.column("removed_at", sa.DateTime(timezone=True)))
outbox = sa.table("outbox", sa.column("event_id", sa.String), sa.column("type", sa.String),
                  sa.column("version", sa.Integer), sa.column("tenant_id", sa.String),
                  sa.column("occurred_at", sa.DateTime(timezone=True)), sa.column("correlation_id", sa.String),
                  sa.column("payload", sa.JSON), sa.column("headers", sa.JSON))


def upgrade() -> None:
    connection = op.get_bind()
    messages = [
        {"event_id": str(uuid.uuid4()),
         "type": "registry.subcontractor.removed" if row.removed_at else "registry.subcontractor.added",
         "version": 1, "tenant_id": None, "occurred_at": datetime.now(UTC), "correlation_id": uuid.uuid4().hex,
         "headers": {},
         "payload": {"provider_id": row.provider_id, "subcontractor_id": row.id, "business_id": row.business_id,
                     "name": row.name, "removed_at": row.removed_at.isoformat() if row.removed_at else None,
                     "changed_at": EPOCH.isoformat()}}
        for row in connection.execute(sa.select(subcontractors).order_by(subcontractors.c.id))
    ]
    if messages:
        op.bulk_insert(outbox, messages)


def downgrade() -> None:
    pass
