"""lines awaiting the tenant's approval, found without reading the ledger

The preview warns that events of the month still await the tenant's approval (they are not in the run until
approved): a partial index holds only those lines, a handful, however long the ledger grows.

Revision ID: b7e2d9f1c3a8
Revises: f3a7c1d9e2b4
Create Date: 2026-12-06 09:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b7e2d9f1c3a8"
down_revision = "f3a7c1d9e2b4"
branch_labels = None
depends_on = None

WAITING = sa.text("status = 'awaiting_approval'")


def upgrade() -> None:
    op.create_index("ix_ledger_awaiting_approval", "ledger", ["tenant_id", "month"],
                    postgresql_where=WAITING, sqlite_where=WAITING)


def downgrade() -> None:
    op.drop_index("ix_ledger_awaiting_approval", table_name="ledger")
