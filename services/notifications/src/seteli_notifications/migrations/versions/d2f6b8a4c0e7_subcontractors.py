"""notifications: whose paper each attachment is, and the providers' subcontractors (registry.subcontractor.*)

A removed subcontractor's attachments stay in the registry as evidence (no registry.attachment.removed), so the
digest kept listing them as running out; they are now left out while it is removed. Attachments heard before
this have no owner here and are listed as before (until their next fact, e.g. their expiry, names it).

Revision ID: d2f6b8a4c0e7
Revises: c2e8a4f6b0d3
Create Date: 2026-12-06 12:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "d2f6b8a4c0e7"
down_revision = "c2e8a4f6b0d3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("provider_attachments") as batch_op:
        batch_op.add_column(sa.Column("level", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("owner_id", sa.String(length=64), nullable=True))
    op.create_table(
        "subcontractors",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("provider_id", sa.String(length=36), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subcontractors")),
    )


def downgrade() -> None:
    op.drop_table("subcontractors")
    with op.batch_alter_table("provider_attachments") as batch_op:
        batch_op.drop_column("owner_id")
        batch_op.drop_column("level")
