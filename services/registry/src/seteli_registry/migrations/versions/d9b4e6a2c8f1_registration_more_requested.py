"""registration_requests: history and answered_at (issue 19, tenant admin journey 3: "ask for more")

A tenant admin can send a registration request back with a message saying what is missing
(status more_requested); the company answers through a mailed link and the request waits again,
marked answered. `history` keeps every question and answer (what, when, by whom); existing requests
start with an empty history.

Revision ID: d9b4e6a2c8f1
Revises: b9e4c7a1d3f5
Create Date: 2026-12-05 15:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "d9b4e6a2c8f1"
down_revision = "b9e4c7a1d3f5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("registration_requests", sa.Column("history", sa.JSON(), server_default="[]", nullable=False))
    op.add_column("registration_requests", sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("registration_requests") as batch:
        batch.drop_column("answered_at")
        batch.drop_column("history")
