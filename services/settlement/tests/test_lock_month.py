"""Issue 16, finding 2: a month is locked only after it has ended (Helsinki date, injected clock).

It can be previewed any time; before the provider deadline (the 2nd of the next month) it may be locked
with a warning; each line is paid in the run of its own month or later, never earlier.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from seteli_common.auth import Role

T = "kouvola"
P1 = "p-paivansade"


async def post_run(h: Any, month: str, **body: Any) -> Any:
    return await h.client.post(f"/v1/tenants/{T}/runs", json={"month": month, **body}, headers=h.admin)


async def test_the_running_month_is_refused_and_the_ended_month_pays_its_own_lines(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-mar", "2016-03-01", "2016-03-10")  # 900.00 in March
    await h.event("e-apr", "2016-04-01", "2016-04-02")  # 180.00 in April
    h.clock.set(datetime(2016, 4, 4, 7, 0, tzinfo=UTC))  # 4 April, 10:00 in Helsinki
    refused = await post_run(h, "2016-04")
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["reason"] == "month_not_ended" and problem["lockable_from"] == "2016-05-01"
    assert [e["field"] for e in problem["errors"]] == ["month"] and "not ended" in problem["detail"]
    runs = await h.client.get(f"/v1/tenants/{T}/runs", headers=h.admin)
    assert runs.json()["total"] == 0  # nothing was locked, nothing paid
    preview = await h.run("2016-04", dry_run=True)  # a running month can always be previewed
    assert preview["lock"]["allowed"] is False and preview["lock"]["refusal"] == "month_not_ended"

    march = await h.run("2016-03")
    assert march["month"] == "2016-03" and h.payees(march) == {f"{P1}/-": "900.00"}
    assert march["warnings"] == []  # the 4th: the provider deadline (the 2nd) has passed
    h.clock.set(datetime(2016, 5, 3, 7, 0, tzinfo=UTC))
    april = await h.run("2016-04")
    assert h.payees(april) == {f"{P1}/-": "180.00"}
    assert [ln["event_id"] for p in april["payments"] for ln in p["lines"]] == ["e-apr"]


async def test_the_month_ends_at_midnight_in_helsinki_not_in_utc(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10")
    h.clock.set(datetime(2016, 3, 31, 20, 30, tzinfo=UTC))  # 31 March 23:30 in Helsinki: still March
    assert (await post_run(h, "2016-03")).status_code == 409
    h.clock.set(datetime(2016, 3, 31, 22, 30, tzinfo=UTC))  # 1 April 01:30 in Helsinki (UTC still says 31st)
    locked = await post_run(h, "2016-03")
    assert locked.status_code == 201, locked.text
    assert locked.json()["total"] == "900.00"


async def test_locking_before_the_provider_deadline_warns(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10")
    h.clock.set(datetime(2016, 4, 2, 7, 0, tzinfo=UTC))  # 2 April: providers may still finalise March
    preview = await h.run("2016-03", dry_run=True)
    assert preview["lock"]["allowed"] is True and preview["lock"]["provider_deadline"] == "2016-04-02"
    assert [w["code"] for w in preview["warnings"]] == ["provider_deadline_not_passed"]
    locked = await post_run(h, "2016-03")
    assert locked.status_code == 201
    assert [w["code"] for w in locked.json()["warnings"]] == ["provider_deadline_not_passed"]
    shown = await h.client.get(f"/v1/tenants/{T}/runs/{locked.json()['id']}", headers=h.admin)
    assert [w["code"] for w in shown.json()["warnings"]] == ["provider_deadline_not_passed"]
    h.clock.set(datetime(2016, 4, 3, 7, 0, tzinfo=UTC))
    after = await h.run("2016-03", dry_run=True)
    assert after["lock"]["allowed"] is True and after["warnings"] == []


async def test_the_scheduler_locks_only_last_month_and_never_takes_this_months_lines(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-mar", "2016-03-01", "2016-03-10")
    await h.event("e-apr", "2016-04-01", "2016-04-02")
    h.clock.set(datetime(2016, 4, 4, 7, 0, tzinfo=UTC))  # the transfer day of March
    admin = h.token_for(Role.PLATFORM_ADMIN)
    started = (await h.client.post("/v1/settlement/scheduler/run-due", headers=admin)).json()["started"]
    assert [s["month"] for s in started] == ["2016-03"]
    run = (await h.client.get(f"/v1/tenants/{T}/runs/{started[0]['run_id']}", headers=h.admin)).json()
    assert [ln["event_id"] for p in run["payments"] for ln in p["lines"]] == ["e-mar"]


async def test_a_run_locked_after_midnight_in_helsinki_on_the_transfer_day_stops_the_scheduled_one(
    harness: Any,
) -> None:
    """The officer locks March at 00:30 on 4 April in Helsinki (still the 3rd in UTC): that is a run on the
    transfer day, so the scheduler must not start a second run of March that morning."""
    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10")
    h.clock.set(datetime(2016, 4, 3, 21, 30, tzinfo=UTC))  # 4 April 00:30 in Helsinki
    assert (await post_run(h, "2016-03")).status_code == 201
    h.clock.set(datetime(2016, 4, 4, 3, 0, tzinfo=UTC))  # 06:00 in Helsinki: the scheduler's check
    admin = h.token_for(Role.PLATFORM_ADMIN)
    started = (await h.client.post("/v1/settlement/scheduler/run-due", headers=admin)).json()["started"]
    assert started == []
    runs = await h.client.get(f"/v1/tenants/{T}/runs", headers=h.admin)
    assert runs.json()["total"] == 1


async def test_the_preview_warns_of_events_still_awaiting_the_tenants_approval(harness: Any) -> None:
    """An over-limit event the officer has not decided is not in the run: the preview says how many wait
    (of the month or earlier), so that the officer decides them first or locks knowing they wait."""
    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10")
    await h.event("e-2", "2016-03-11", "2016-03-12", status="awaiting_approval")
    await h.event("e-3", "2016-02-20", "2016-02-21", status="awaiting_approval")  # an earlier month's, too
    await h.event("e-4", "2016-04-01", "2016-04-02", status="awaiting_approval")  # April's: not March's concern
    h.clock.set(datetime(2016, 4, 3, 7, 0, tzinfo=UTC))
    preview = await h.run("2016-03", dry_run=True)
    waiting = [w for w in preview["warnings"] if w["code"] == "events_awaiting_approval"]
    assert [w["count"] for w in waiting] == [2] and preview["lock"]["allowed"] is True
    assert h.payees(preview) == {f"{P1}/-": "900.00"}

    await h.publish("events.event.approved", {"event_id": "e-2", "revision": 1})
    await h.publish("events.event.rejected", {"event_id": "e-3", "revision": 1, "reason": "yli rajan"})
    decided = await h.run("2016-03", dry_run=True)
    assert decided["warnings"] == [] and h.payees(decided) == {f"{P1}/-": "1080.00"}
