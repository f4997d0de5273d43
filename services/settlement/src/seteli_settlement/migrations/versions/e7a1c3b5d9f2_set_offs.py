"""set_offs: a payee's credits set off against another payee of the same provider in a run

A provider is one debtor: a site's (or the company's) negative total is deducted from the provider's other
payments of the run, and what was set off stays with the debtor's open total until its lines are paid.

Revision ID: e7a1c3b5d9f2
Revises: c4f8a2d6e1b9
Create Date: 2026-12-06 22:15:00
"""

import sqlalchemy as sa
from alembic import op
from seteli_common.tenancy import enable_row_level_security

revision = "e7a1c3b5d9f2"
down_revision = "c4f8a2d6e1b9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "set_offs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=False),
        sa.Column("from_site_id", sa.String(length=64), nullable=True),
        sa.Column("from_name", sa.String(length=200), nullable=False),
        sa.Column("from_part", sa.String(length=64), nullable=True),
        sa.Column("to_site_id", sa.String(length=64), nullable=True),
        sa.Column("to_name", sa.String(length=200), nullable=False),
        sa.Column("payment_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("settled_by", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_set_offs")),
    )
    op.create_index("ix_set_offs_run", "set_offs", ["tenant_id", "run_id"])
    op.create_index("ix_set_offs_provider", "set_offs", ["tenant_id", "provider_id"])
    enable_row_level_security(op, "settlement", ["set_offs"])


def downgrade() -> None:
    op.drop_index("ix_set_offs_provider", table_name="set_offs")
    op.drop_index("ix_set_offs_run", table_name="set_offs")
    op.drop_table("set_offs")
