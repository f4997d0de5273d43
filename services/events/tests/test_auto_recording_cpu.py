"""What the auto-recording does for its CPU and nothing else: the draft ids from one read of randomness are
uuid4's, and the cyclic garbage collector, off during a run, is back as it was after it (an error included)."""

from __future__ import annotations

import gc
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from seteli_common.clock import Month
from seteli_events.service import auto_recording
from seteli_events.service.auto_recording import auto_record_tenant, uuid4_strings


def test_ids_are_random_version_4_uuids_as_uuid4_writes_them() -> None:
    ids = uuid4_strings(5_000)
    assert len(set(ids)) == 5_000
    for event_id in ids:
        parsed = uuid.UUID(event_id)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122 and str(parsed) == event_id
    assert {i[19] for i in ids} == set("89ab") and len({i[14:18] for i in ids}) > 1_000  # random bits vary
    assert uuid4_strings(0) == []


@pytest.fixture
def collector_state() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.parametrize("enabled", [True, False])
@pytest.mark.parametrize("fails", [False, True])
async def test_collector_off_during_a_run_and_as_it_was_after(
    monkeypatch: pytest.MonkeyPatch, collector_state: None, enabled: bool, fails: bool
) -> None:
    seen: list[bool] = []

    async def run(ctx: Any, month: Month) -> dict[str, Any]:
        seen.append(gc.isenabled())
        if fails:
            raise RuntimeError("the database went away")
        return {"month": str(month), "created": 0, "skipped": []}

    monkeypatch.setattr(auto_recording, "_auto_record_tenant", run)
    gc.enable() if enabled else gc.disable()
    if fails:
        with pytest.raises(RuntimeError):
            await auto_record_tenant(None, Month.parse("2016-03"))  # type: ignore[arg-type]
    else:
        assert (await auto_record_tenant(None, Month.parse("2016-03")))["created"] == 0  # type: ignore[arg-type]
    assert seen == [False]
    assert gc.isenabled() is enabled
