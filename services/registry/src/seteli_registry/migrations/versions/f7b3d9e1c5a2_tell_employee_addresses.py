"""outbox: tell each employee's address and site

A notice about a booking, an event or feedback of an employee ("employee:<id>") goes to the employee's contact
address (domain: "an employee: their contact email"), or the site the employee works at when the employee has
none; `registry.employee.*` now carry `email` and `site_id`. The employees there are were told without them:
each employee not removed is written to the outbox once here as `registry.employee.changed`, as it is now.
Stated at the time of this migration, not the epoch as the earlier backfills: vouchers and notifications keep an
employee's newest fact, and they already hold these employees from earlier (older) messages, which this one must
supersede; a change made after it is newer still. Nothing to undo on downgrade: what was told stays told.

Revision ID: f7b3d9e1c5a2
Revises: e6c2a9f4b7d1
Create Date: 2026-12-05 22:00:00
"""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "f7b3d9e1c5a2"
down_revision = "e6c2a9f4b7d1"
branch_labels = None
depends_on = None

employees = sa.table("employees", sa.column("id", sa.String), sa.column("provider_id", sa.String),
                     sa.column("site_id", sa.String), sa.column("name", sa.String), sa.column("email", sa.String),
                     sa.column("removed_at", sa.DateTime(timezone=True)))
outbox = sa.table("outbox", sa.column("event_id", sa.String), sa.column("type", sa.String),
                  sa.column("version", sa.Integer), sa.column("tenant_id", sa.String),
                  sa.column("occurred_at", sa.DateTime(timezone=True)), sa.column("correlation_id", sa.String),
                  sa.column("payload", sa.JSON), sa.column("headers", sa.JSON))


def upgrade() -> None:
    connection = op.get_bind()
    stated_at = datetime.now(UTC)
    messages = [
        {"event_id": str(uuid.uuid4()), "type": "registry.employee.changed", "version": 1, "tenant_id": None,
         "occurred_at": stated_at, "correlation_id": uuid.uuid4().hex, "headers": {},
         "payload": {"provider_id": row.provider_id, "employee_id": row.id, "name": row.name, "removed_at": None,
                     "email": row.email or "", "site_id": row.site_id}}
        for row in connection.execute(sa.select(employees).where(employees.c.removed_at.is_(None))
                                      .order_by(employees.c.id))
    ]
    if messages:
        op.bulk_insert(outbox, messages)


def downgrade() -> None:
    pass
