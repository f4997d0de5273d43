"""event credits: each credit of an event's whole value as heard, so that its request and its withdrawal count in
either order

A withdrawal heard before its request (a recording being retried, a redelivery) was undone by the request: the
charge stayed credited and the client's balance too large. `event_credits` keeps each credit; an event is credited
while one of its credits is requested and not withdrawn. Credits heard before this migration stay as their events'
`credited` (and early facts') say.

Revision ID: d8a3f1c6e2b7
Revises: c5d2e8f4a7b1
Create Date: 2026-12-06 16:00:00
"""

import sqlalchemy as sa
from alembic import op
from seteli_common.tenancy import disable_row_level_security, enable_row_level_security

revision = "d8a3f1c6e2b7"
down_revision = "c5d2e8f4a7b1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_credits",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("credit_id", sa.String(64), primary_key=True),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), server_default="0", nullable=False),
    )
    op.create_index("ix_event_credits_event", "event_credits", ["tenant_id", "event_id"])
    enable_row_level_security(op, "vouchers", ["event_credits"])


def downgrade() -> None:
    disable_row_level_security(op, ["event_credits"])
    op.drop_index("ix_event_credits_event", table_name="event_credits")
    op.drop_table("event_credits")
