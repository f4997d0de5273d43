"""event_segments: no foreign key to events (auto-recording writes 100,000s of segments with their drafts)

The constraint's check ran once a segment row at the end of the statement (a `SELECT … FOR KEY SHARE` of the
event: a row lock written to the event's page and the WAL) and was a third of the PostgreSQL backend's CPU of
writing a draft (bench/README.md, "perf-p5d"). The events service is the only writer of both tables: it writes
an event's segments in the same transaction as the event (`repository.replace_segments`, the auto-recording's
drafts in the same statement as their events), and no code removes an event's row (deleting an event marks it
`deleted` and keeps its segments), so the ON DELETE CASCADE never fired. tests/test_event_segments.py holds
that no segment is without its event.

PostgreSQL only: SQLite (embedded) would have to rebuild the table; its sizes do not need it.

Revision ID: e2f7b4c9a1d3
Revises: d9a3f6c1e8b2
Create Date: 2026-12-07 04:30:00
"""

from alembic import op

revision = "e2f7b4c9a1d3"
down_revision = "d9a3f6c1e8b2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_constraint("fk_event_segments_tenant_id_events", "event_segments", type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_foreign_key("fk_event_segments_tenant_id_events", "event_segments", "events",
                          ["tenant_id", "event_id"], ["tenant_id", "id"], ondelete="CASCADE")
