"""correction_requests.client_id: whom a request is about, kept with it

A request's reads went to the client's access log through its event or interruption; an interruption removed
because the voucher ended (request state "removed") has no row left, so the officer's and the company's reads of
the request (client number, days, amount, the provider's reason) were logged for no one. The client is now kept
with the request; existing requests get it from their event or interruption, where it still is, and those whose
row is gone (closed as "removed") from the company's client number: client_numbers, else the bookings, when the
number names one client there.

Revision ID: f6d2a8c4e1b9
Revises: e2f7b4c9a1d3
Create Date: 2026-12-07 10:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f6d2a8c4e1b9"
down_revision = "e2f7b4c9a1d3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("correction_requests", sa.Column("client_id", sa.String(length=64), nullable=True))
    postgres = op.get_bind().dialect.name == "postgresql"
    tables = ("correction_requests", "events", "interruptions", "client_numbers", "bookings")
    if postgres:  # row-level security is forced on the table's owner too, who runs this: every tenant's rows
        for table in tables:
            op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    requests = sa.table("correction_requests", sa.column("tenant_id"), sa.column("kind"), sa.column("target_id"),
                        sa.column("client_id"))
    for kind, name in (("event", "events"), ("interruption", "interruptions")):
        entries = sa.table(name, sa.column("tenant_id"), sa.column("id"), sa.column("client_id"))
        client = (sa.select(entries.c.client_id)
                  .where(entries.c.tenant_id == requests.c.tenant_id, entries.c.id == requests.c.target_id)
                  .scalar_subquery())
        op.execute(requests.update().where(requests.c.kind == kind).values(client_id=client))
    requests = sa.table("correction_requests", sa.column("tenant_id"), sa.column("provider_id"),
                        sa.column("client_ref"), sa.column("client_id"))
    for name in ("client_numbers", "bookings"):  # the number as the company states it first, then its bookings
        known = sa.table(name, sa.column("tenant_id"), sa.column("provider_id"), sa.column("client_ref"),
                         sa.column("client_id"))
        # a number of two clients: no guess (CASE, not HAVING without GROUP BY, which SQLite before 3.39 refuses)
        only = sa.case((sa.func.count(sa.distinct(known.c.client_id)) == 1, sa.func.max(known.c.client_id)))
        one_client = (sa.select(only)
                      .where(known.c.tenant_id == requests.c.tenant_id, known.c.provider_id == requests.c.provider_id,
                             known.c.client_ref == requests.c.client_ref)
                      .scalar_subquery())
        op.execute(requests.update().where(requests.c.client_id.is_(None)).values(client_id=one_client))
    if postgres:
        for table in tables:
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def downgrade() -> None:
    with op.batch_alter_table("correction_requests") as batch:
        batch.drop_column("client_id")
