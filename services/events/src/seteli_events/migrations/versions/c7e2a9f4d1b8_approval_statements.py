"""approval statements: every "on"/"off" of the interruption approval step heard, and the officer's decision

An officer's rejection made after an "off" was stated but before events heard it stayed rejected (in true order
the "off" had released the absence: paid), and an "off" and a later "on", both stated before an absence was
finalised and heard after it, released it (in true order it waited for the officer). Events now keeps every
statement of the step by when it was stated, when each absence was finalised (held_at, also when it did not wait),
and the officer's decision with its time; every statement heard decides again what each unsettled absence is
(domain/approval_step.py), and settlement is told the difference.

Kept from before: the tenant's kept setting as a statement (undated: at the epoch), and, where absences waited, an
"on" at the epoch (they waited, so the step was on before them); waiting rows without held_at get their updated_at,
decided ones (approved, rejected) their decision at their updated_at.

Revision ID: c7e2a9f4d1b8
Revises: b3f8d2a6c4e1
Create Date: 2026-12-06 22:00:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from seteli_common.tenancy import enable_row_level_security

revision = "c7e2a9f4d1b8"
down_revision = "b3f8d2a6c4e1"
branch_labels = None
depends_on = None

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def upgrade() -> None:
    op.create_table(
        "approval_statements",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("stated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("need_approval", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "stated_at", name=op.f("pk_approval_statements")),
    )
    op.add_column("interruptions", sa.Column("decision", sa.String(length=10), nullable=True))
    op.add_column("interruptions", sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("interruptions", sa.Column("released_at", sa.DateTime(timezone=True), nullable=True))
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:  # row-level security is forced on the table's owner too, who runs this: every tenant's rows
        op.execute("ALTER TABLE interruptions NO FORCE ROW LEVEL SECURITY")
    epoch = sa.bindparam("epoch", EPOCH, type_=sa.DateTime(timezone=True))
    tenants = sa.table("tenants", sa.column("id"), sa.column("interruptions_need_approval"),
                       sa.column("setting_changed_at"))
    statements = sa.table("approval_statements", sa.column("tenant_id"), sa.column("stated_at"),
                          sa.column("need_approval"))
    interruptions = sa.table("interruptions", sa.column("tenant_id"), sa.column("approval"), sa.column("held_at"),
                             sa.column("updated_at"), sa.column("decision"), sa.column("decided_at"))
    op.execute(statements.insert().from_select(
        ["tenant_id", "stated_at", "need_approval"],
        sa.select(tenants.c.id, sa.func.coalesce(tenants.c.setting_changed_at, epoch),
                  tenants.c.interruptions_need_approval)
        .where(sa.or_(tenants.c.setting_changed_at.is_not(None), tenants.c.interruptions_need_approval)),
    ))
    held = sa.select(interruptions.c.tenant_id).where(interruptions.c.approval.is_not(None)).distinct().subquery()
    op.execute(statements.insert().from_select(
        ["tenant_id", "stated_at", "need_approval"],
        sa.select(held.c.tenant_id, epoch, sa.true()).where(
            ~sa.exists().where(statements.c.tenant_id == held.c.tenant_id, statements.c.stated_at == epoch)),
    ))
    op.execute(interruptions.update().where(interruptions.c.approval == "pending", interruptions.c.held_at.is_(None))
               .values(held_at=interruptions.c.updated_at))
    op.execute(interruptions.update()
               .where(interruptions.c.approval.in_(["approved", "rejected"]), interruptions.c.held_at.is_not(None))
               .values(decision=sa.case((interruptions.c.approval == "approved", "approve"), else_="reject"),
                       decided_at=interruptions.c.updated_at))
    if postgres:
        op.execute("ALTER TABLE interruptions FORCE ROW LEVEL SECURITY")
    enable_row_level_security(op, "events", ["approval_statements"])


def downgrade() -> None:
    with op.batch_alter_table("interruptions") as batch:
        batch.drop_column("released_at")
        batch.drop_column("decided_at")
        batch.drop_column("decision")
    op.drop_table("approval_statements")
