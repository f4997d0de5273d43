"""an event's last day in the events read model: the provider's 3 years of seeing a client run from it

Revision ID: d5e1a7c3b9f2
Revises: c8f4b0e6a3d9
Create Date: 2026-12-06 09:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "d5e1a7c3b9f2"
down_revision = "c8f4b0e6a3d9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows already here never carried their end: their first day stands in for it (as the rule read them
    # before), until a correction of the event brings its end.
    op.add_column("recorded_events", sa.Column("end", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("recorded_events", "end")
