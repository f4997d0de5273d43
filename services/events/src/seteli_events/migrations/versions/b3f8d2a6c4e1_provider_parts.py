"""provider parts: the sites, units and employees of each company, as the registry tells them

A care event or an interruption names a producer part of its booking's company ("site:<id>", "unit:<name>",
"employee:<id>"); one that is not the company's is refused (service/producer_parts.py). The table is kept from
`registry.provider.registered`, `registry.site.added/changed`, `registry.provider.units_changed` and
`registry.employee.*`; the parts there were before are told once more by the registry's migration
c8e2f6a4d9b3. No tenant_id: the registry's facts of a company name no tenant.

Revision ID: b3f8d2a6c4e1
Revises: f3c8a1d6e2b7
Create Date: 2026-12-06 18:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b3f8d2a6c4e1"
down_revision = "f3c8a1d6e2b7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provider_parts",
        sa.Column("provider_id", sa.String(length=64), nullable=False),
        sa.Column("part", sa.String(length=100), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("stated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provider_id", "part"),
    )


def downgrade() -> None:
    op.drop_table("provider_parts")
