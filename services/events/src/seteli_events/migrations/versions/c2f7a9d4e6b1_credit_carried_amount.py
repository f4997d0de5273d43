"""credits: the part of a carried credit still to deduct, as settlement states it

A credit partly recovered from another payee's payment of the same provider (a set-off) is carried over for the
rest: ``settlement.events.settled`` now names that rest per carried credit (``carried_credit_amounts``), so the
provider's credits page says what was deducted and what moved on. Rows and messages of before know nothing of it
(null): the whole credit is shown as carried, as before.

Revision ID: c2f7a9d4e6b1
Revises: b8e4d1a7c3f2
Create Date: 2026-12-07 14:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c2f7a9d4e6b1"
down_revision = "b8e4d1a7c3f2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("carried_amount", sa.Numeric(12, 2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("credits", schema=None) as batch_op:
        batch_op.drop_column("carried_amount")
