"""correction_requests.removed_cause: which end cut the care of a request closed as "removed"

The provider was told the last valid day but not whether the voucher, the booking or the booked service had ended
(or the client had died). The cause is kept when the request is removed: from the voucher's close reason
(vouchers.closed_reason, of the close that shortened its validity), the booking's end reason (bookings.end_reason)
or the service's content end. Rows removed before keep none: the provider's page says the neutral text.

Revision ID: b6e3f9a2c8d4
Revises: a5d2e8c4f1b7
Create Date: 2026-12-07 13:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b6e3f9a2c8d4"
down_revision = "a5d2e8c4f1b7"
branch_labels = None
depends_on = None

_COLUMNS = (("correction_requests", "removed_cause", 16), ("vouchers", "closed_reason", 30),
            ("bookings", "end_reason", 30))


def upgrade() -> None:
    for table, column, length in _COLUMNS:
        op.add_column(table, sa.Column(column, sa.String(length), nullable=True))


def downgrade() -> None:
    for table, column, _ in _COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
