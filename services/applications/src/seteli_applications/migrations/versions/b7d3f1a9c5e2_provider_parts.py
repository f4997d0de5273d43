"""applications: the providers' units and employees (registry.provider.units_changed, registry.employee.*)

An application's units and employees steps took any id: another company's employee was read by the officer as
this company's. They now take only the company's own, kept here from the registry's news; the units and
employees there were before are told once more by the registry's migration d5f9b2c7e4a1.

Revision ID: b7d3f1a9c5e2
Revises: a4d8e2c6f1b3
Create Date: 2026-12-07 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b7d3f1a9c5e2"
down_revision = "a4d8e2c6f1b3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provider_parts",
        sa.Column("provider_id", sa.String(length=64), nullable=False),
        sa.Column("part", sa.String(length=100), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("stated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provider_id", "part", name=op.f("pk_provider_parts")),
    )


def downgrade() -> None:
    op.drop_table("provider_parts")
