"""applications: the providers' subcontractors, listed or removed (registry.subcontractor.*)

A removed subcontractor's attachments stay in the registry as evidence (no registry.attachment.removed), so an
application was completed by them; a removed one now counts for nothing until it is listed again.

Revision ID: a4d8e2c6f1b3
Revises: f3c7a9d1e5b2
Create Date: 2026-12-06 12:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a4d8e2c6f1b3"
down_revision = "f3c7a9d1e5b2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subcontractors",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("provider_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subcontractors")),
    )
    op.create_index(op.f("ix_subcontractors_provider_id"), "subcontractors", ["provider_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_subcontractors_provider_id"), table_name="subcontractors")
    op.drop_table("subcontractors")
