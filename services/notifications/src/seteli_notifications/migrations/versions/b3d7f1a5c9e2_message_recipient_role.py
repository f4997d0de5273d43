"""notifications: a message remembers the role its recipient filled (company, company_billing, tenant)

A notice queued to a company's main user or a tenant admin who is passivated before it goes out goes to whoever
fills the role then (sender.py); `notice_key` gives that copy the Message-ID the notice has to its new recipient, so
nobody gets it twice. Messages from before have neither and are not followed elsewhere (as before).

Revision ID: b3d7f1a5c9e2
Revises: a8c4e2f6b0d9
Create Date: 2026-12-06 18:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b3d7f1a5c9e2"
down_revision = "a8c4e2f6b0d9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch_op:
        batch_op.add_column(sa.Column("recipient_role", sa.String(20), nullable=True))
        batch_op.add_column(sa.Column("notice_key", sa.String(255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch_op:
        batch_op.drop_column("notice_key")
        batch_op.drop_column("recipient_role")
