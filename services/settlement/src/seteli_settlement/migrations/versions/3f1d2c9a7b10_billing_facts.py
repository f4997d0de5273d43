"""billing facts: the newest billing information per company and site, kept even before the site is known

Settlement learned billing only together with a provider registered or through a billing change of a
provider or site it already knew; a site added later was never learnt and its billing change was
dead-lettered. Billing facts are now kept per (provider, site) whatever arrives first, ordered by when
the registry stated them. Existing billing information is copied over.

Revision ID: 3f1d2c9a7b10
Revises: e5e9d4a7fb16
Create Date: 2026-12-05 00:10:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '3f1d2c9a7b10'
down_revision = 'e5e9d4a7fb16'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('billing_facts',
    sa.Column('provider_id', sa.String(length=64), nullable=False),
    sa.Column('site_id', sa.String(length=64), nullable=False),
    sa.Column('billing', sa.JSON(), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('provider_id', 'site_id', name=op.f('pk_billing_facts'))
    )
    # What is known now counts as stated at the epoch: any fact heard from now on is newer.
    epoch = "'1970-01-01 00:00:00+00'" if op.get_bind().dialect.name == "postgresql" else "'1970-01-01 00:00:00.000000'"
    op.execute(
        "INSERT INTO billing_facts (provider_id, site_id, billing, occurred_at) "
        f"SELECT id, '', billing, {epoch} FROM providers"
    )
    op.execute(
        "INSERT INTO billing_facts (provider_id, site_id, billing, occurred_at) "
        f"SELECT provider_id, id, billing, {epoch} FROM sites"
    )


def downgrade() -> None:
    op.drop_table('billing_facts')
