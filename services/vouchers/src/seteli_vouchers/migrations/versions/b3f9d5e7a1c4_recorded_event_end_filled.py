"""the last day of events recorded before it was kept: from what each row has

Rows of the events read model written before d5e1a7c3b9f2 have no end, so a provider's 3 years of seeing the
client ran from the event's first day until the event was recorded again: a long stay that began more than
3 years ago hid its client though it ended within them. Filled from what the row has: a day-unit content's
units are its days from the first one (events publishes the days it pays, so this is never later than the
real end: a return day paid by an interruption is left out); any other unit is priced on its first day, and
that day stands in. The next recording of the event brings its real end.

Revision ID: b3f9d5e7a1c4
Revises: e2b7c4d9f1a6
Create Date: 2026-12-06 12:30:00
"""

from alembic import op

revision = "b3f9d5e7a1c4"
down_revision = "e2b7c4d9f1a6"
branch_labels = None
depends_on = None

_DAY_CONTENT = (
    "FROM vouchers v, service_contents c "
    "WHERE r.\"end\" IS NULL AND v.tenant_id = r.tenant_id AND v.id = r.voucher_id "
    "AND c.tenant_id = r.tenant_id AND c.service_id = v.service_id AND c.content_id = r.content_id "
    "AND c.unit = 'day'"
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:  # row-level security is forced on the table's owner too, who runs this: every tenant's rows
        op.execute("ALTER TABLE recorded_events NO FORCE ROW LEVEL SECURITY")
        last_day = "r.start + GREATEST(FLOOR(r.units)::integer - 1, 0)"
    else:
        last_day = "date(r.start, '+' || MAX(CAST(r.units AS INTEGER) - 1, 0) || ' days')"
    op.execute(f"UPDATE recorded_events AS r SET \"end\" = {last_day} {_DAY_CONTENT}")
    op.execute("UPDATE recorded_events SET \"end\" = start WHERE \"end\" IS NULL")
    if postgres:
        op.execute("ALTER TABLE recorded_events FORCE ROW LEVEL SECURITY")


def downgrade() -> None:
    pass  # the days filled in are true of the rows; nothing to take back
