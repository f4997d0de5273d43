"""strong identities: who signed up for a company with strong identity, so that they can sign in that
way again (the second strong sign-in answered 409: it tried to create the account once more)

The person is kept only as the keyed pseudonym of their identity code, as in signing sessions.

Revision ID: b3f8e1d6c4a9
Revises: c2e7b9d4f1a6
Create Date: 2026-12-05 06:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b3f8e1d6c4a9"
down_revision = "c2e7b9d4f1a6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("strong_logins", sa.Column("person", sa.String(length=64), nullable=False, server_default=""))
    op.create_table(
        "strong_identities",
        sa.Column("person", sa.String(length=64), nullable=False),
        sa.Column("provider_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["provider_id"], ["providers.id"], name=op.f("fk_strong_identities_provider_id_providers")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_strong_identities_user_id_users")),
        sa.PrimaryKeyConstraint("person", "provider_id", name=op.f("pk_strong_identities")),
    )


def downgrade() -> None:
    op.drop_table("strong_identities")
    with op.batch_alter_table("strong_logins") as batch:
        batch.drop_column("person")
