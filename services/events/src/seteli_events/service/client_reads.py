"""Reads of a client's data in the events service go to the client's access log (Client Data Act 703/2023 §11),
kept by vouchers: `events.client_data.read` through the outbox, in the reading transaction, so that nothing is
shown without its log row on its way. A client's events and interruptions are their data as much as the
co-payment breakdown: the care given, its days and hours, the reasons of absences (a hospital stay)."""

from __future__ import annotations

from collections.abc import Iterable

from seteli_common.auth import PROVIDER_STAFF, Principal, Role
from seteli_common.db import write_after_read
from sqlalchemy.ext.asyncio import AsyncSession

from .. import repository as repo
from ..context import EventsContext
from ..events import ClientDataRead


def organisation(principal: Principal) -> str | None:
    """Whom the reader acts for, as the access log shows it: a provider's company, a client themself, a tenant."""
    if principal.role in PROVIDER_STAFF:
        return principal.provider_id
    if principal.role == Role.CLIENT:
        return principal.client_id
    return principal.tenant_id


async def log_reads(ctx: EventsContext, principal: Principal, client_ids: Iterable[str], what: str,
                    why: str | None, default_why: str) -> None:
    """One message naming every client shown (none shown: nothing to log)."""
    shown = sorted(set(client_ids))
    if not shown:
        return
    read = ClientDataRead(
        client_ids=shown,
        actor=principal.subject,
        actor_role=principal.role.value,
        actor_org=organisation(principal),
        actor_name=principal.name or None,
        what=what,
        why=((why or "").strip() or default_why)[:200],
        at=ctx.clock.now(),
    )

    async def publish(session: AsyncSession) -> None:
        # no request waits for the access log's row: not a Seteli-Consistency token
        await ctx.outbox.add(session, read, tenant_id=ctx.tenant_id, consistency_token=False)

    await write_after_read(ctx.session, publish)  # a read-only unit (SQLite GET) writes it right after


async def log_interruption_read(ctx: EventsContext, principal: Principal, interruption_id: str,
                                why: str | None) -> None:
    """A write answering an interruption whole (ended, corrected, decided) shows it as listing it does."""
    await log_target_read(ctx, principal, "interruption", interruption_id, "interruptions.list", why,
                          "interruptions")


async def log_target_read(ctx: EventsContext, principal: Principal, kind: str, target_id: str, what: str,
                          why: str | None, default_why: str) -> None:
    """A write answering something of one event or interruption (a credit, a correction request) shows that
    client's care: logged as the list of such things logs it."""
    if kind == "interruption":
        client_id = await repo.interruption_client(ctx.session, ctx.tenant_id, target_id)
    else:
        event = await repo.get_event(ctx.session, ctx.tenant_id, target_id)
        client_id = None if event is None else str(event["client_id"])
    await log_reads(ctx, principal, [client_id] if client_id else [], what, why, default_why)


async def log_correction_read(ctx: EventsContext, principal: Principal, request_id: str, why: str | None) -> None:
    """The officer's answer shows the request: its client kept on it, its event or interruption gone or not."""
    asked = await repo.lock_correction_request(ctx.session, ctx.tenant_id, request_id)
    if asked is not None and not asked["client_id"]:  # a request from before requests kept their client
        await log_target_read(ctx, principal, asked["kind"], asked["target_id"], "corrections.list", why,
                              "correction requests")
        return
    await log_reads(ctx, principal, [str(asked["client_id"])] if asked else [], "corrections.list", why,
                    "correction requests")
