"""lifted_ends: the booking ends vouchers lifted (vouchers.booking.restored), with when

An end heard after the restore that lifted it (retried while the booking was not known) no longer ends the booking
again; an end stated after the lift (the voucher used up once more) still does.

Revision ID: d8f3b1e6a2c9
Revises: c2f7a9d4e6b1
Create Date: 2026-12-07 23:50:00
"""

import sqlalchemy as sa
from alembic import op
from seteli_common.tenancy import enable_row_level_security

revision = "d8f3b1e6a2c9"
down_revision = "c2f7a9d4e6b1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lifted_ends",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("booking_id", sa.String(length=64), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "booking_id", "ended_on", "reason", name=op.f("pk_lifted_ends")),
    )
    enable_row_level_security(op, "events", ["lifted_ends"])


def downgrade() -> None:
    op.drop_table("lifted_ends")
