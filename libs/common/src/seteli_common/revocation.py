"""Ended sessions reach every service, not just the registry.

An access token lives a minute and other services only verify its signature, so a logged-out,
passivated or locked-out user's token would still write for that minute. The registry therefore
publishes `registry.session.revoked` through its outbox; every service that keeps the table
`revoked_sessions` (its models call `revocation_table`) consumes it, and the runtime makes its token
verifier refuse a token of a listed session at once (`TokenVerifier.is_revoked`). An entry is kept
until the tokens of that session have expired (`until`), then pruned by later revocations.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, MetaData, String, Table, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .db import Database
from .messaging.consumer import Inbound, MessageContext, Subscription

EVENT_TYPE = "registry.session.revoked"
TABLE = "revoked_sessions"


class SessionRevokedIn(Inbound):
    """This consumer's copy of the registry's SessionRevoked payload."""

    session_ids: list[str]
    revoked_at: datetime
    until: datetime


def revocation_table(metadata: MetaData) -> Table:
    return Table(
        TABLE, metadata,
        Column("session_id", String(64), primary_key=True),
        Column("revoked_at", DateTime(timezone=True), nullable=False),
        Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
    )


def revocation_subscription(table: Table) -> Subscription:
    sub = Subscription("revocations")

    @sub.on(EVENT_TYPE, model=SessionRevokedIn)
    async def session_revoked(ctx: MessageContext, p: SessionRevokedIn) -> None:
        insert = pg_insert if ctx.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        for session_id in sorted(set(p.session_ids)):
            await ctx.session.execute(
                insert(table).values(session_id=session_id, revoked_at=p.revoked_at, expires_at=p.until)
                .on_conflict_do_nothing(index_elements=["session_id"]))
        # entries whose tokens have expired by the time of this revocation are of no more use
        await ctx.session.execute(delete(table).where(table.c.expires_at < p.revoked_at))

    return sub


class RevocationCheck:
    """`TokenVerifier.is_revoked` for a service with the table: one indexed look-up per token with a session."""

    def __init__(self, db: Database, table: Table) -> None:
        self.db, self.table = db, table

    async def __call__(self, claims: dict[str, Any]) -> bool:
        session_id = claims.get("sid")
        if not session_id:
            return False
        async with self.db.system_transaction(read_only=True) as session:  # not a tenant table: no tenant to set
            found = await session.execute(select(self.table.c.session_id)
                                          .where(self.table.c.session_id == str(session_id)))
            return found.first() is not None
