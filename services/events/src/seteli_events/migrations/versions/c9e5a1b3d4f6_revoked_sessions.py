"""revoked sessions: the registry's ended sessions, refused here too until their tokens expire

The table `revoked_sessions` (seteli_common.revocation) filled from `registry.session.revoked`. No tenant_id:
a session is the user's, across tenants, and the token check runs before any tenant is known.

Revision ID: c9e5a1b3d4f6
Revises: a7c3e9d2f5b1
Create Date: 2026-12-05 00:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c9e5a1b3d4f6"
down_revision = "a7c3e9d2f5b1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "revoked_sessions",
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("session_id"),
    )
    op.create_index("ix_revoked_sessions_expires_at", "revoked_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_revoked_sessions_expires_at", table_name="revoked_sessions")
    op.drop_table("revoked_sessions")
