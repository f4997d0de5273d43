"""outbox: tell each company user once more, as created when they were

Notifications sends the notices of a company without an address of its own to the company's main user created
first; it learns whose a user is and their role from `registry.user.created`, but kept neither before its
migration f3b9d5e7a1c4, so the company users there were are told here once more: every active or passive
user of a company, as created, stated at their creation (the first main user stays first), a passive one also
as passivated. Unconfirmed registrations are told when confirmed. Nothing to undo on downgrade.

Revision ID: e5a9c3f7b1d2
Revises: c4e8a2f6d1b9
Create Date: 2026-12-06 15:30:00
"""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "e5a9c3f7b1d2"
down_revision = "c4e8a2f6d1b9"
branch_labels = None
depends_on = None

users = sa.table("users", sa.column("id", sa.String), sa.column("email", sa.String), sa.column("role", sa.String),
                 sa.column("tenant_id", sa.String), sa.column("provider_id", sa.String),
                 sa.column("language", sa.String), sa.column("status", sa.String),
                 sa.column("created_at", sa.DateTime(timezone=True)))
outbox = sa.table("outbox", sa.column("event_id", sa.String), sa.column("type", sa.String),
                  sa.column("version", sa.Integer), sa.column("tenant_id", sa.String),
                  sa.column("occurred_at", sa.DateTime(timezone=True)), sa.column("correlation_id", sa.String),
                  sa.column("payload", sa.JSON), sa.column("headers", sa.JSON))


def _message(event_type: str, occurred_at: datetime, payload: dict[str, object]) -> dict[str, object]:
    return {"event_id": str(uuid.uuid4()), "type": event_type, "version": 1, "tenant_id": None,
            "occurred_at": occurred_at, "correlation_id": uuid.uuid4().hex, "headers": {}, "payload": payload}


def upgrade() -> None:
    query = sa.select(users).where(users.c.provider_id.is_not(None), users.c.status.in_(("active", "passive"))) \
        .order_by(users.c.created_at, users.c.id)
    messages = []
    for row in op.get_bind().execute(query):
        messages.append(_message("registry.user.created", row.created_at, {
            "user_id": row.id, "email": row.email, "role": row.role, "tenant_id": None,
            "provider_id": row.provider_id, "language": row.language}))
        if row.status == "passive":
            messages.append(_message("registry.user.passivated", datetime.now(UTC), {"user_id": row.id}))
    if messages:
        op.bulk_insert(outbox, messages)


def downgrade() -> None:
    pass
