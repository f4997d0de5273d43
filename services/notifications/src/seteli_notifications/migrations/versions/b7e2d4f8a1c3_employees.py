"""employees: the registry's employees of each company, where a notice of an employee's booking, event or
feedback goes ("employee:<id>": the employee's contact address, else its site's)

Filled from `registry.employee.added/changed/removed`; the registry tells every employee once more with its
address (its migration f7b3d9e1c5a2). No tenant_id: like providers and sites they are the company's.

Revision ID: b7e2d4f8a1c3
Revises: c4f8a2d6e1b9
Create Date: 2026-12-05 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b7e2d4f8a1c3"
down_revision = "c4f8a2d6e1b9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "employees",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("provider_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), server_default="", nullable=False),
        sa.Column("site_id", sa.String(length=36), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_employees_provider_id", "employees", ["provider_id"])


def downgrade() -> None:
    op.drop_index("ix_employees_provider_id", table_name="employees")
    op.drop_table("employees")
