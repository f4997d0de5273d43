"""resident sign-in: the read model of vouchers' clients by person pseudonym, and sign-in sessions

resident_clients is a tenant table: row-level security with the same policies as every other one
(seteli_common.tenancy, migration e1a5f0c3b7d2). resident_sign_ins has no tenant (the person may not have
chosen one yet) and holds no identity code.

Revision ID: f3c9d1e7a2b5
Revises: d5f2a8c1b9e4
Create Date: 2026-12-02 04:15:00
"""

import sqlalchemy as sa
from alembic import op
from seteli_common.tenancy import disable_row_level_security, enable_row_level_security

revision = "f3c9d1e7a2b5"
down_revision = "d5f2a8c1b9e4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resident_clients",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("person", sa.String(length=64), nullable=False),
        sa.Column("deceased", sa.Boolean(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "client_id", name=op.f("pk_resident_clients")),
    )
    op.create_index("ix_resident_clients_person", "resident_clients", ["person"], unique=False)
    op.create_table(
        "resident_sign_ins",
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("person", sa.String(length=64), server_default="", nullable=False),
        sa.Column("person_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state", name=op.f("pk_resident_sign_ins")),
    )
    enable_row_level_security(op, "registry", ["resident_clients"])


def downgrade() -> None:
    disable_row_level_security(op, ["resident_clients"])
    op.drop_table("resident_sign_ins")
    op.drop_index("ix_resident_clients_person", table_name="resident_clients")
    op.drop_table("resident_clients")
