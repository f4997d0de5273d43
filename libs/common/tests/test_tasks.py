"""Stopping a background task for sure, even one that swallows a cancellation."""

from __future__ import annotations

import asyncio

from seteli_common.tasks import stop_task


async def test_a_task_that_swallows_the_first_cancel_is_still_stopped() -> None:
    swallowed = 0

    async def stubborn() -> None:
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                if swallowed:
                    raise
                swallowed += 1  # as 3.11's wait_for does when a wake-up races the cancel

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    await asyncio.wait_for(stop_task(task, recheck_seconds=0.05), timeout=5)
    assert task.cancelled() and swallowed == 1


async def test_a_task_that_already_failed_is_stopped_without_raising() -> None:
    async def fails() -> None:
        raise RuntimeError("boom")

    task = asyncio.create_task(fails())
    await asyncio.sleep(0)
    await stop_task(task)
    assert task.done() and isinstance(task.exception(), RuntimeError)
