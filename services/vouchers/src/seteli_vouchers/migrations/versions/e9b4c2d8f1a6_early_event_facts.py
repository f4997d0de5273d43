"""early event facts: a deletion or a credit that reaches vouchers before the event's recording

`early_event_facts` keeps them until the recording arrives (a recording being retried lets the messages after it
pass): the amount left then counts the event as deleted or credited, not as charged.

Revision ID: e9b4c2d8f1a6
Revises: d7e1f3a5c9b2
Create Date: 2026-12-06 03:55:00
"""

import sqlalchemy as sa
from alembic import op
from seteli_common.tenancy import enable_row_level_security

revision = "e9b4c2d8f1a6"
down_revision = "d7e1f3a5c9b2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "early_event_facts",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("deleted", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("credited", sa.Boolean(), server_default="0", nullable=False),
    )
    enable_row_level_security(op, "vouchers", ["early_event_facts"])


def downgrade() -> None:
    op.drop_table("early_event_facts")
