"""employee addresses: an employee's contact address and site, where a booking of the employee is announced

`provider_employees.email` ("" when none is given) and `site_id`, from `registry.employee.*`, which now carry
them; the registry tells every employee once more with them (its migration f7b3d9e1c5a2).

Revision ID: a9c5e3f7b1d4
Revises: f4a1c8e2d6b9
Create Date: 2026-12-05 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a9c5e3f7b1d4"
down_revision = "f4a1c8e2d6b9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("provider_employees", sa.Column("email", sa.String(length=254), server_default="", nullable=False))
    op.add_column("provider_employees", sa.Column("site_id", sa.String(length=36), nullable=True))


def downgrade() -> None:
    op.drop_column("provider_employees", "site_id")
    op.drop_column("provider_employees", "email")
