"""a client number once given stays its client's: every number a provider gave, kept after a change

Reports, payment specifications and settlement's renaming of a client's rows name the client by the provider's
numbers over the months; a number given to another client after its first client was renumbered showed both
clients under one number. The numbers given now are the history's first rows.

Revision ID: c5d2e8f4a7b1
Revises: b3f9d5e7a1c4
Create Date: 2026-12-06 15:30:00
"""

import sqlalchemy as sa
from alembic import op
from seteli_common.tenancy import disable_row_level_security, enable_row_level_security

revision = "c5d2e8f4a7b1"
down_revision = "b3f9d5e7a1c4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provider_client_number_history",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("provider_id", sa.String(36), primary_key=True),
        sa.Column("client_number", sa.String(40), primary_key=True),
        sa.Column("client_id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.execute(
        "INSERT INTO provider_client_number_history (tenant_id, provider_id, client_number, client_id, created_at) "
        "SELECT tenant_id, provider_id, client_number, client_id, created_at FROM provider_client_numbers"
    )
    enable_row_level_security(op, "vouchers", ["provider_client_number_history"])


def downgrade() -> None:
    disable_row_level_security(op, ["provider_client_number_history"])
    op.drop_table("provider_client_number_history")
