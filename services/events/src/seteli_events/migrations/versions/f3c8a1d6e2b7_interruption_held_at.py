"""interruption held_at, held_under: when a waiting interruption began to wait, and under which "on"

The approval step turned on, off and on again, heard on, on, off: the "off", older than the "on" kept, was
ignored, and the interruptions held under the first "on" kept waiting for the officer, though turning the step
off had released them (paid in the next run). A waiting interruption now keeps when it began to wait and when the
"on" it waits under was stated; an "off" stated after that "on" releases it whenever it is heard. Rows waiting
from before have neither: any "off" heard from now on releases them (as the kept setting turned off did).

Revision ID: f3c8a1d6e2b7
Revises: e7b3d1f5a9c2
Create Date: 2026-12-06 18:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f3c8a1d6e2b7"
down_revision = "e7b3d1f5a9c2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("interruptions", sa.Column("held_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("interruptions", sa.Column("held_under", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interruptions") as batch:
        batch.drop_column("held_under")
        batch.drop_column("held_at")
