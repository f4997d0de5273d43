"""employees and subcontractors: removed_at (soft removal)

Applications already decided keep the employee and subcontractor ids they were decided with, and price
lists may be for "employee:<id>", so a removed one stays as a row with the time it was removed.

Revision ID: c2e7b9d4f1a6
Revises: a4d8e2f6c1b3
Create Date: 2026-12-02 07:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c2e7b9d4f1a6"
down_revision = "a4d8e2f6c1b3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("employees", sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("subcontractors", sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subcontractors") as batch:
        batch.drop_column("removed_at")
    with op.batch_alter_table("employees") as batch:
        batch.drop_column("removed_at")
