"""early event facts: the tenant's decision on an over-limit event heard before its recording

Vouchers counted an over-limit event waiting for the tenant's decision, and kept counting it once rejected:
a balance voucher was closed as used up by a charge the tenant never accepted. Vouchers now follows
`events.event.approved` and `events.event.rejected`; a decision heard before the event's recording is kept
here (its decision and the revision decided) for that recording.

Revision ID: c8f4b0e6a3d9
Revises: b7e3a9d5c2f8
Create Date: 2026-12-06 07:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c8f4b0e6a3d9"
down_revision = "b7e3a9d5c2f8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("early_event_facts", sa.Column("decision", sa.String(length=30), nullable=True))
    op.add_column("early_event_facts", sa.Column("decision_revision", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("early_event_facts") as batch:
        batch.drop_column("decision_revision")
        batch.drop_column("decision")
