"""set_offs.kind: a deduction given back when the credit it recovered is withdrawn

`set_off` is a deduction made in a run. When a credit whose open part was set off is withdrawn, what was deducted
for it goes back: a `withdrawn` row takes it off the debtor's open total (negative) and a `repaid` row, whose
from_* columns name the payee that bore the deduction, adds it to that payee's next payment.

Revision ID: b9d2e6f4a1c3
Revises: e7a1c3b5d9f2
Create Date: 2026-12-07 01:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b9d2e6f4a1c3"
down_revision = "e7a1c3b5d9f2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("set_offs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=10), server_default="set_off", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("set_offs", schema=None) as batch_op:
        batch_op.drop_column("kind")
