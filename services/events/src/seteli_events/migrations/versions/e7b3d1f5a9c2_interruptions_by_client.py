"""interruptions by client: recording a day reads the client's interruptions on its other vouchers of the content

A day is paid once, also where the client holds two vouchers of a content (a new one granted while the old one
was not closed): a service event reads the client's interruptions there, an interruption the client's events
and interruptions there. The index keeps that read off a scan of the tenant's interruptions.

Revision ID: e7b3d1f5a9c2
Revises: a3c7e1f9d2b6
Create Date: 2026-12-06 13:20:00
"""

from alembic import op

revision = "e7b3d1f5a9c2"
down_revision = "a3c7e1f9d2b6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_interruptions_tenant_client", "interruptions", ["tenant_id", "client_id"])


def downgrade() -> None:
    op.drop_index("ix_interruptions_tenant_client", table_name="interruptions")
