"""credits: the run that deducted a credit, or the latest that carried it over, as settlement states it

A credit's ``month`` is the run planned when it was made; a payee without billing information or with a negative
total is carried over, so the credit is deducted later. ``settlement.events.settled`` now names the credits a run
deducted and those it carried: the provider's credits page shows that instead of the plan. Rows made before know
neither (null): the page shows the planned month as waiting.

Revision ID: b8e4d1a7c3f2
Revises: b6e3f9a2c8d4
Create Date: 2026-12-07 13:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b8e4d1a7c3f2"
down_revision = "b6e3f9a2c8d4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deducted_month", sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column("deducted_run_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("carried_month", sa.String(length=7), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("credits", schema=None) as batch_op:
        batch_op.drop_column("carried_month")
        batch_op.drop_column("deducted_run_id")
        batch_op.drop_column("deducted_month")
