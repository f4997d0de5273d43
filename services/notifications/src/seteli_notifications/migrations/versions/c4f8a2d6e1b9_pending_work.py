"""pending work: what the daily digest lists besides the held notices

`pending_work` (events' latest daily summary per tenant and provider) with `pending_work_days` (the day of
each tenant's latest summary), `provider_attachments` (from
registry.attachment.*: the attachments that run out) and `new_bookings` (from vouchers.booking.made: the
bookings made since the last digest). The tenant tables get row-level security like the others.

Revision ID: c4f8a2d6e1b9
Revises: e1a7c3d5f6b8
Create Date: 2026-12-05 12:55:00
"""

import sqlalchemy as sa
from alembic import op
from seteli_common.tenancy import enable_row_level_security

revision = "c4f8a2d6e1b9"
down_revision = "e1a7c3d5f6b8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_work",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("provider_id", sa.String(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("drafts", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("awaiting_approval", sa.Integer(), nullable=False),
        sa.Column("open_interruptions", sa.Integer(), nullable=False),
        sa.Column("feedback_awaiting_reply", sa.Integer(), nullable=False),
        sa.Column("corrections_open", sa.Integer(), nullable=False),
        sa.Column("corrections_answered", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "provider_id", name=op.f("pk_pending_work")),
    )
    op.create_table(
        "pending_work_days",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_pending_work_days")),
    )
    op.create_table(
        "provider_attachments",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("provider_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_attachments")),
    )
    op.create_index(op.f("ix_provider_attachments_provider_id"), "provider_attachments", ["provider_id"])
    op.create_table(
        "new_bookings",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("booking_id", sa.String(length=64), nullable=False),
        sa.Column("provider_id", sa.String(length=36), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "booking_id", name=op.f("pk_new_bookings")),
    )
    op.create_index(op.f("ix_new_bookings_provider_id"), "new_bookings", ["provider_id"])
    enable_row_level_security(op, "notifications", ["pending_work", "pending_work_days", "new_bookings"])


def downgrade() -> None:
    op.drop_index(op.f("ix_new_bookings_provider_id"), table_name="new_bookings")
    op.drop_table("new_bookings")
    op.drop_index(op.f("ix_provider_attachments_provider_id"), table_name="provider_attachments")
    op.drop_table("provider_attachments")
    op.drop_table("pending_work_days")
    op.drop_table("pending_work")
