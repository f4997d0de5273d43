"""signing sessions: strong identity for signing an application

Revision ID: b7c41e2d9a10
Revises: 8441bb20eca5
Create Date: 2026-12-02 03:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b7c41e2d9a10"
down_revision = "8441bb20eca5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signing_sessions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("provider_id", sa.String(length=36), nullable=False),
        sa.Column("business_id", sa.String(length=9), nullable=False),
        sa.Column("application_tenant", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("person_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("person_ref", sa.String(length=64), server_default="", nullable=False),
        sa.Column("level_of_assurance", sa.String(length=20), server_default="", nullable=False),
        sa.Column("mandate_session", sa.String(length=100), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_sessions")),
        sa.UniqueConstraint("state", name=op.f("uq_signing_sessions_state")),
    )


def downgrade() -> None:
    op.drop_table("signing_sessions")
