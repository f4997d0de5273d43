"""`python -m seteli_settlement.worker` runs alone: started as separate processes against the service's
database, they work the jobs of a run the API only created."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from typing import Any

T = "kouvola"
P1, P2 = "p-paivansade", "p-kotiapu"


async def started(process: asyncio.subprocess.Process) -> None:
    assert process.stdout is not None
    while True:
        line = await process.stdout.readline()
        assert line, "the worker process exited before it started"
        if b"settlement worker started" in line:
            return


async def test_worker_processes_complete_a_run(harness_factory: Any) -> None:
    async with harness_factory(inline_jobs=False) as h:
        await h.seed()
        await h.event("e-1", "2016-03-01", "2016-03-10")
        await h.event("e-2", "2016-03-01", "2016-03-02", provider_id=P2)
        run = await h.run("2016-03")
        assert run["state"] == "running"
        env = {
            **os.environ,
            "SETTLEMENT_DATABASE_URL": h.runtime.settings.database_url,
            "SETTLEMENT_WORKER_POLL_SECONDS": "0.1",
            "SETTLEMENT_WORKER_SCHEDULER": "false",
            "SETTLEMENT_LOG_JSON": "false",
        }
        workers = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "seteli_settlement.worker",
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            for _ in range(2)
        ]
        try:
            for process in workers:  # both up (signal handlers installed) before anything is judged
                await asyncio.wait_for(started(process), 60)
            for _ in range(300):
                view = (await h.client.get(f"/v1/tenants/{T}/runs/{run['id']}", headers=h.admin)).json()
                if view["state"] == "completed":
                    break
                await asyncio.sleep(0.1)
        finally:
            for process in workers:
                process.send_signal(signal.SIGTERM)
            codes = [await asyncio.wait_for(process.wait(), 20) for process in workers]
        assert view["state"] == "completed" and view["total"] == "1080.00"
        assert h.payees(view) == {f"{P1}/-": "900.00", f"{P2}/-": "180.00"}
        assert codes == [0, 0]
        # What the workers wrote to the outbox leaves through the API process's relay.
        assert len(await h.published("settlement.payment.computed")) == 2


async def test_a_worker_process_loads_the_pdf_renderer_before_it_takes_work(
    monkeypatch: Any, tmp_path: Any
) -> None:
    """A worker process renders specifications in every run: fpdf2 is imported as the process starts, not
    on its first specification (where it cost the run 0.2 CPU s with bytecode, ~2 s without)."""
    from seteli_settlement.worker import __main__ as worker_main

    order: list[str] = []

    async def works(self: Any, stop: asyncio.Event, poll_seconds: float) -> None:
        order.append("work")

    monkeypatch.setenv("SETTLEMENT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'worker.db'}")
    monkeypatch.setenv("SETTLEMENT_WORKER_SCHEDULER", "false")
    monkeypatch.setattr(worker_main, "load_renderer", lambda: order.append("renderer"))
    monkeypatch.setattr(worker_main.SettlementWorker, "run_forever", works)
    await worker_main.main()
    assert order == ["renderer", "work"]
