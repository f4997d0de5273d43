"""units and employees: the registry's units and employees of each company, so a booking may name them

`provider_units` (the names listed now and every name ever listed) from `registry.provider.units_changed`;
`provider_employees` from `registry.employee.added/changed/removed`. No tenant_id: like providers and sites
they are the company's, across tenants.

Revision ID: c5a1e7f3b9d2
Revises: b8d4f0a2c3e5
Create Date: 2026-12-05 15:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c5a1e7f3b9d2"
down_revision = "b8d4f0a2c3e5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provider_units",
        sa.Column("provider_id", sa.String(length=36), nullable=False),
        sa.Column("units", sa.JSON(), nullable=False),
        sa.Column("ever", sa.JSON(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provider_id"),
    )
    op.create_table(
        "provider_employees",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("provider_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("named_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_provider_employees_provider_id", "provider_employees", ["provider_id"])


def downgrade() -> None:
    op.drop_index("ix_provider_employees_provider_id", table_name="provider_employees")
    op.drop_table("provider_employees")
    op.drop_table("provider_units")
