"""events: one index fewer and no idempotency entry for events without a key (auto-recording writes 100,000s)

`ix_events_tenant_content_start` (tenant_id, voucher_content_id, start) is the prefix of `uq_events_auto` once
that constraint lists `start` before `auto_month`: a unique constraint is the same rule whatever the order of
its columns, and every query by content (its events, the day overlap, the auto-recording read) uses the prefix.
`uq_events_idempotency` becomes a unique index on the rows that have a key: NULL keys never conflicted, so the
rule is unchanged, and drafts and keyless events no longer add an entry. Measured on 22,000 drafts: the
events insert's backend CPU 380 -> 290 ms.

PostgreSQL only: SQLite (embedded) would have to rebuild the table for the constraints; its sizes do not need it.

Revision ID: c4e8a2d6f1b9
Revises: f1a6c3e9b2d4
Create Date: 2026-12-05 18:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c4e8a2d6f1b9"
down_revision = "f1a6c3e9b2d4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_constraint("uq_events_auto", "events", type_="unique")
    op.create_unique_constraint("uq_events_auto", "events", ["tenant_id", "voucher_content_id", "start", "auto_month"])
    op.drop_index("ix_events_tenant_content_start", table_name="events")
    op.drop_constraint("uq_events_idempotency", "events", type_="unique")
    op.create_index("uq_events_idempotency", "events", ["tenant_id", "provider_id", "idempotency_key"], unique=True,
                    postgresql_where=sa.text("idempotency_key IS NOT NULL"))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("uq_events_idempotency", table_name="events")
    op.create_unique_constraint("uq_events_idempotency", "events", ["tenant_id", "provider_id", "idempotency_key"])
    op.create_index("ix_events_tenant_content_start", "events", ["tenant_id", "voucher_content_id", "start"])
    op.drop_constraint("uq_events_auto", "events", type_="unique")
    op.create_unique_constraint("uq_events_auto", "events", ["tenant_id", "voucher_content_id", "auto_month", "start"])
