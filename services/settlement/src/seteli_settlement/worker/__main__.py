"""`python -m seteli_settlement.worker`: a worker process, wired from the service's bootstrap (the database
and the outbox; it consumes no domain events). Works jobs and, on each tenant's transfer day, starts the
scheduled run."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from seteli_common.telemetry import setup_logging

from ..bootstrap import build_worker_deps
from ..domain.specification_pdf import load_renderer
from . import SettlementWorker, scheduler_loop

log = logging.getLogger("seteli.settlement.worker")


async def main() -> None:
    """A worker process: works jobs and, on each tenant's transfer day, starts the scheduled run."""
    runtime, deps = build_worker_deps()
    settings: Any = runtime.settings
    setup_logging(f"{settings.service_name}-worker", settings.log_json, settings.log_level)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if settings.broker_url:  # without a broker the API process's relay sends what we write to the outbox
        await runtime.transport.start()
        runtime.relay.start()
    # The API process imports fpdf2 on its first specification (its start stays short); a worker process renders
    # them in every run, so it is ready before it takes work.
    load_renderer()
    tasks = [SettlementWorker(deps).run_forever(stop, settings.worker_poll_seconds)]
    if settings.worker_scheduler:
        tasks.append(scheduler_loop(deps, stop, settings.scheduler_interval_seconds))
    log.info("settlement worker started")
    try:
        await asyncio.gather(*tasks)
    finally:
        await runtime.stop()


if __name__ == "__main__":
    asyncio.run(main())
