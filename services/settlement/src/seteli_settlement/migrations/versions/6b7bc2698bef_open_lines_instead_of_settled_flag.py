"""open lines in their own table instead of the ledger's settled flag

A run used to mark every paid line with UPDATE ledger SET settled = true; since `settled` was in the
predicate of the partial index ix_ledger_open, no such update could be HOT and each one rewrote the
wide ledger row and its index entries. Open lines now live in `open_lines` (one row per payable,
unpaid line); paying deletes the row there. Existing open lines are copied over: a line is open when
it is payable and has no paid_lines row (paid_lines is, and was, the truth about what is paid).

Revision ID: 6b7bc2698bef
Revises: c2e452650b6c
Create Date: 2026-12-02 03:10:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '6b7bc2698bef'
down_revision = 'c2e452650b6c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('open_lines',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('line_id', sa.BigInteger(), nullable=False),
    sa.Column('provider_id', sa.String(length=64), nullable=False),
    sa.Column('producer_part', sa.String(length=64), nullable=True),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.String(length=64), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('tenant_id', 'line_id', name=op.f('pk_open_lines'))
    )
    with op.batch_alter_table('open_lines', schema=None) as batch_op:
        batch_op.create_index('ix_open_lines_provider', ['tenant_id', 'provider_id', 'month'], unique=False)

    op.execute(
        "INSERT INTO open_lines (tenant_id, line_id, provider_id, producer_part, month, amount, kind, source_id, "
        "event_id) SELECT l.tenant_id, l.id, l.provider_id, l.producer_part, l.month, l.amount, l.kind, "
        "l.source_id, l.event_id FROM ledger l "
        "WHERE l.status = 'payable' AND NOT EXISTS "
        "(SELECT 1 FROM paid_lines p WHERE p.tenant_id = l.tenant_id AND p.line_id = l.id)"
    )
    with op.batch_alter_table('ledger', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_open', postgresql_where=sa.text("status = 'payable' AND NOT settled"), sqlite_where=sa.text("status = 'payable' AND NOT settled"))
        batch_op.drop_column('settled')


def downgrade() -> None:
    with op.batch_alter_table('ledger', schema=None) as batch_op:
        batch_op.add_column(sa.Column('settled', sa.Boolean(), server_default='0', nullable=False))
    op.execute(
        "UPDATE ledger SET settled = true WHERE EXISTS "
        "(SELECT 1 FROM paid_lines p WHERE p.tenant_id = ledger.tenant_id AND p.line_id = ledger.id)"
    )
    with op.batch_alter_table('ledger', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_open', ['tenant_id', 'provider_id', 'month'], unique=False, postgresql_where=sa.text("status = 'payable' AND NOT settled"), sqlite_where=sa.text("status = 'payable' AND NOT settled"))
    with op.batch_alter_table('open_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_open_lines_provider')
    op.drop_table('open_lines')
