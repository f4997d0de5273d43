"""Background tasks (relay, sender, schedulers): stopping one for sure.

A task can swallow a cancellation: Python 3.11's ``asyncio.wait_for`` returns the inner result when a
wake-up and a cancel arrive together, and a handler may catch ``CancelledError`` by mistake. Awaiting
such a task after one ``cancel()`` waits forever (a CI run hung in a service's shutdown). `stop_task`
cancels again until the task has ended.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger("seteli.tasks")


async def stop_task(task: asyncio.Task[Any], *, recheck_seconds: float = 1.0) -> None:
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=recheck_seconds)
    if not task.cancelled() and task.exception() is not None:  # retrieved, so asyncio does not warn
        log.warning("task %s ended with %r", task.get_name(), task.exception())
