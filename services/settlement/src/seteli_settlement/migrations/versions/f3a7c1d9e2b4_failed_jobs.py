"""failed payment jobs

A provider's payment job that fails `job_max_attempts` times is parked as failed (`run_jobs.state = 'failed'`) with
a short reason (`run_jobs.error`), and counted in `runs.jobs_failed`: the run completes once every job is paid or
parked, and the failed provider's lines stay open for the next run.

Revision ID: f3a7c1d9e2b4
Revises: d8b4f0a6e2c5
Create Date: 2026-12-06 09:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f3a7c1d9e2b4"
down_revision = "d8b4f0a6e2c5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("run_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("error", sa.String(length=300), nullable=True))
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("jobs_failed", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("jobs_failed")
    with op.batch_alter_table("run_jobs", schema=None) as batch_op:
        batch_op.drop_column("error")
