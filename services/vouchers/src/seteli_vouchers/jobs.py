"""Periodic work: closing vouchers whose validity has ended. Safe with several replicas (rows are
claimed with SKIP LOCKED and closing is conditional on the state), safe to run again."""

from __future__ import annotations

import asyncio
import logging

from seteli_common.runtime import ServiceRuntime

from . import grants
from . import repository as repo
from .config import VouchersSettings
from .service import VouchersContext

log = logging.getLogger("seteli.vouchers.jobs")


async def close_expired_everywhere(runtime: ServiceRuntime) -> int:
    settings = runtime.settings
    assert isinstance(settings, VouchersSettings)
    async with runtime.db.system_transaction() as session:  # which tenants: a question across tenants
        tenants = await repo.tenant_ids(session)
    closed = 0
    for tenant_id in tenants:
        async with runtime.db.transaction(tenant_id=tenant_id) as session:
            ctx = VouchersContext(session, runtime.outbox, runtime.clock, settings=settings)
            closed += len(await grants.close_expired(ctx, tenant_id))
    if closed:
        runtime.relay.wake()
    return closed


async def expiry_loop(runtime: ServiceRuntime, interval: float) -> None:
    while True:
        try:
            closed = await close_expired_everywhere(runtime)
            if closed:
                log.info("closed %d expired vouchers", closed)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("closing expired vouchers failed; next try in %ss", interval)
        await asyncio.sleep(interval)
