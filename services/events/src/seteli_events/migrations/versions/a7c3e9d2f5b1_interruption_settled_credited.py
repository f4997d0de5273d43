"""interruptions: settled (by a run), credited and revision, like events; credits name what they credit

An interruption is corrected or removed until settlement has paid it, and credited after; a credit's
``kind`` says whether ``event_id`` is an event's or an interruption's id. ``revision`` counts the
interruption's published facts (finalised, corrected, deleted), so each correction is a new message.

Revision ID: a7c3e9d2f5b1
Revises: e4d8c3f6ea05
Create Date: 2026-12-05 00:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a7c3e9d2f5b1"
down_revision = "e4d8c3f6ea05"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interruptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("settled", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("settled_run_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("credited", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("credits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=20), server_default="event", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("credits", schema=None) as batch_op:
        batch_op.drop_column("kind")
    with op.batch_alter_table("interruptions", schema=None) as batch_op:
        batch_op.drop_column("revision")
        batch_op.drop_column("credited")
        batch_op.drop_column("settled_run_id")
        batch_op.drop_column("settled")
