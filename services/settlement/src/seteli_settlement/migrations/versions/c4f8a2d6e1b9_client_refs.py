"""client_refs: the names a provider knew a client by and the number it stated last for the client

A client number given or changed after care was recorded (vouchers.client_number.changed) names the client on
every ledger line and interruption, also on those heard after the change, so a report shows one row per client.

Revision ID: c4f8a2d6e1b9
Revises: b7e2d9f1c3a8
Create Date: 2026-12-06 12:30:00
"""

import sqlalchemy as sa
from alembic import op
from seteli_common.tenancy import enable_row_level_security

revision = "c4f8a2d6e1b9"
down_revision = "b7e2d9f1c3a8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_refs",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=False),
        sa.Column("client_ref", sa.String(length=64), nullable=False),
        sa.Column("current_ref", sa.String(length=64), nullable=False),
        sa.Column("stated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "provider_id", "client_ref", name=op.f("pk_client_refs")),
    )
    enable_row_level_security(op, "settlement", ["client_refs"])


def downgrade() -> None:
    op.drop_table("client_refs")
