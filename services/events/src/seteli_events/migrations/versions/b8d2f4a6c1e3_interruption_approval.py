"""interruption approval: the tenant's setting and the interruption's approval (issue 19, 004 §4.3.5.2)

``tenants.interruptions_need_approval`` (from registry.tenant.changed): a finalised interruption waits
for an officer (``interruptions.approval`` pending) before it is sent to settlement; approved or
rejected with ``decision_reason``. Rows from before need no approval (None).

Revision ID: b8d2f4a6c1e3
Revises: b5d2e8f1c3a7
Create Date: 2026-12-05 12:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b8d2f4a6c1e3"
down_revision = "b5d2e8f1c3a7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("interruptions_need_approval", sa.Boolean(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("interruptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approval", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("decision_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interruptions", schema=None) as batch_op:
        batch_op.drop_column("decision_reason")
        batch_op.drop_column("approval")
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_column("interruptions_need_approval")
