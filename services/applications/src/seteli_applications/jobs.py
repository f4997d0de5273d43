"""Daily work: scheduled changes of services whose date has come are written into their services and the
services published again (tenant_services.apply_due_changes). Safe with several replicas (due rows are
claimed with SKIP LOCKED and marked applied) and safe to run again."""

from __future__ import annotations

import asyncio
import logging

from seteli_common.runtime import ServiceRuntime

from . import repository as repo
from .context import ApplicationsContext
from .tenant_services import apply_due_changes

log = logging.getLogger("seteli.applications.jobs")


async def apply_due_changes_everywhere(runtime: ServiceRuntime) -> int:
    """Every tenant's due changes, each tenant in its own transaction; answers how many services changed."""
    async with runtime.db.system_transaction() as session:  # which tenants: a question across tenants
        ctx = ApplicationsContext(session, runtime.outbox, runtime.clock, signer=runtime.extras["signer"])
        tenants = await repo.tenants_with_due_changes(session, ctx.today())
    changed = 0
    for tenant_id in tenants:
        async with runtime.db.transaction(tenant_id=tenant_id) as session:
            ctx = ApplicationsContext(session, runtime.outbox, runtime.clock, signer=runtime.extras["signer"])
            changed += await apply_due_changes(ctx, tenant_id)
    if changed:
        runtime.relay.wake()
    return changed


async def due_changes_loop(runtime: ServiceRuntime, interval: float) -> None:
    while True:
        try:
            changed = await apply_due_changes_everywhere(runtime)
            if changed:
                log.info("scheduled changes took effect in %d services", changed)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("applying scheduled service changes failed; next try in %ss", interval)
        await asyncio.sleep(interval)
