"""notifications: an attachment that names clients says whom (a payment specification PDF: its client numbers)

When the mail that carries it goes out, the sender tells vouchers (`notifications.client_data.disclosed`), which
writes the disclosure into each client's access log. Attachments from before name nobody (none, as before).

Revision ID: c7a3e9f5b1d8
Revises: b3d7f1a5c9e2
Create Date: 2026-12-07 10:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c7a3e9f5b1d8"
down_revision = "b3d7f1a5c9e2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attachments") as batch_op:
        batch_op.add_column(sa.Column("discloses", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attachments") as batch_op:
        batch_op.drop_column("discloses")
