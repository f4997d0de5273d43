"""run jobs keep their payees' accounts

A run's job pays each payee to the account (IBAN, BIC, reference, payee name) as it stood when the run started, the
one the officer's preview showed and the lock checked: `run_jobs.payees` keeps the provider's and its sites' names
and billing information of that moment. Jobs started before (null) pay the billing information known when they run.

Revision ID: c8e4a2f6b0d1
Revises: b9d2e6f4a1c3
Create Date: 2026-12-07 21:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c8e4a2f6b0d1"
down_revision = "b9d2e6f4a1c3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("run_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payees", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("run_jobs", schema=None) as batch_op:
        batch_op.drop_column("payees")
