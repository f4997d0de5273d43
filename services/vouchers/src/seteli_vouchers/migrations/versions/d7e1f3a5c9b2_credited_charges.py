"""credited charges: an event the tenant credited charges the voucher nothing

`recorded_events.credited`, from `events.credit.requested` (set) and `events.credit.withdrawn` (cleared): the amount
left of a voucher content no longer counts an event whose whole value the tenant took back. Events credited before
this migration are not known here; the next credit or correction of their voucher is.

Revision ID: d7e1f3a5c9b2
Revises: a9c5e3f7b1d4
Create Date: 2026-12-06 02:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "d7e1f3a5c9b2"
down_revision = "a9c5e3f7b1d4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("recorded_events", sa.Column("credited", sa.Boolean(), server_default="0", nullable=False))


def downgrade() -> None:
    op.drop_column("recorded_events", "credited")
