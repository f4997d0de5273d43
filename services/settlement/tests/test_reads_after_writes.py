"""Reads after writes across services (issue 22) in settlement: a run or its preview right after care was
recorded or credited in the events service, with that write's consistency token (`Seteli-After`), is told
"not yet known here" (409, Retry-After) until settlement has the fact, and never a total without it; without
a token, or with another tenant's, the answer is the usual one."""

from __future__ import annotations

from typing import Any

from seteli_common.consistency import AFTER_HEADER, CONSISTENCY_HEADER, Token, header_value, parse_tokens
from seteli_common.messaging.envelope import Envelope
from seteli_settlement.worker import SettlementWorker

from .conftest import T, segment

NOT_YET_KNOWN = "https://seteli.fi/problems/not-yet-known"


def _recorded(event_id: str, tenant_id: str = T) -> Envelope:
    segs = [segment("2016-03-01", "2016-03-10", 10)]
    return Envelope(type="events.event.recorded", tenant_id=tenant_id, payload={
        "event_id": event_id, "revision": 1, "service_id": "tehostettu", "provider_id": "p-paivansade",
        "producer_part": None, "booking_id": "b-1", "voucher_id": "v-1", "client_ref": "A-1001",
        "content_id": "hoito", "unit": "day", "start": "2016-03-01", "end": "2016-03-10", "units": "10",
        "status": "payable", "segments": segs, "amount_tenant": "900.00", "amount_co_payment": "100.00"})


async def _run(h: Any, dry_run: bool, *envelopes: Envelope) -> Any:
    tokens = [t for t in (Token.of(e) for e in envelopes) if t is not None]
    return await h.client.post(f"/v1/tenants/{T}/runs", json={"month": "2016-03", "dry_run": dry_run},
                               headers={**h.admin, AFTER_HEADER: header_value(tokens)})


async def test_a_preview_after_care_on_its_way_waits_and_then_counts_it(harness: Any) -> None:
    h = harness
    await h.seed()
    recorded = _recorded("e-new")
    early = await _run(h, True, recorded)
    assert early.status_code == 409, early.text
    assert early.json()["type"] == NOT_YET_KNOWN and early.json()["reason"] == "care_not_known_yet"
    assert early.headers["retry-after"] == "1"

    without_token = await _run(h, True)
    assert without_token.status_code == 200 and without_token.json()["total"] == "0.00"  # as before

    await h.deliver(recorded)
    preview = await _run(h, True, recorded)
    assert preview.status_code == 200 and preview.json()["total"] == "900.00"


async def test_a_run_is_not_started_without_the_care_it_follows(harness: Any) -> None:
    h = harness
    await h.seed()
    h.month_ended("2016-03")
    recorded = _recorded("e-run")
    early = await _run(h, False, recorded)
    assert early.status_code == 409 and early.json()["type"] == NOT_YET_KNOWN, early.text
    listed = await h.client.get(f"/v1/tenants/{T}/runs", headers=h.admin)
    assert listed.json()["items"] == []  # nothing was started or paid

    await h.deliver(recorded)
    run = await _run(h, False, recorded)
    assert run.status_code == 201 and run.json()["total"] == "900.00", run.text


async def test_another_tenants_or_a_handled_token_changes_nothing(harness: Any) -> None:
    h = harness
    await h.seed()
    elsewhere = await _run(h, True, _recorded("e-lahti", tenant_id="lahti"))
    assert elsewhere.status_code == 200 and elsewhere.json()["total"] == "0.00"
    handled = _recorded("e-handled")
    await h.deliver(handled)
    again = await _run(h, True, handled)
    assert again.status_code == 200 and again.json()["total"] == "900.00"


# --- the run's news to the events service: its status answers their tokens ---------------------------------

def _settled_envelopes(h: Any) -> list[Envelope]:
    return [e for e in (Envelope.from_bytes(b) for b in h.broker.unrouted) if e.type == "settlement.events.settled"]


async def test_a_completed_runs_status_answers_the_tokens_of_its_news_to_events(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.deliver(_recorded("e-paid"))
    h.month_ended("2016-03")
    started = await h.client.post(f"/v1/tenants/{T}/runs", json={"month": "2016-03"}, headers=h.admin)
    run = started.json()
    assert started.status_code == 201 and run["state"] == "completed" and run["total"] == "900.00"
    await h.published("settlement.events.settled")
    news = _settled_envelopes(h)
    assert len(news) == 1 and news[0].payload["event_ids"] == ["e-paid"]

    status = await h.client.get(f"/v1/tenants/{T}/runs/{run['id']}", headers=h.admin)
    assert status.status_code == 200 and status.json()["state"] == "completed"
    tokens = parse_tokens(status.headers.get(CONSISTENCY_HEADER))
    assert tokens == (Token.of(news[0]),)  # sent back to events as Seteli-After: "settled" waits for it
    assert tokens[0].event_type == "settlement.events.settled" and tokens[0].tenant_id == T
    # a run worked inline (embedded, one process) is completed in its start's answer, which answers them too
    assert tokens[0] in parse_tokens(started.headers.get(CONSISTENCY_HEADER))


async def test_a_run_that_paid_nothing_or_is_still_running_answers_no_token(harness_factory: Any) -> None:
    async with harness_factory(inline_jobs=False) as h:
        await h.seed()
        empty = await h.run("2016-02")  # nothing payable: completed at once, no news to events
        status = await h.client.get(f"/v1/tenants/{T}/runs/{empty['id']}", headers=h.admin)
        assert status.json()["state"] == "completed" and CONSISTENCY_HEADER not in status.headers

        await h.deliver(_recorded("e-later"))
        running = await h.run("2016-03")
        status = await h.client.get(f"/v1/tenants/{T}/runs/{running['id']}", headers=h.admin)
        assert status.json()["state"] == "running" and CONSISTENCY_HEADER not in status.headers

        assert await SettlementWorker(h.runtime.extras["deps"]).run_until_idle() == 1
        status = await h.client.get(f"/v1/tenants/{T}/runs/{running['id']}", headers=h.admin)
        assert status.json()["state"] == "completed"
        [token] = parse_tokens(status.headers.get(CONSISTENCY_HEADER))
        assert token.event_type == "settlement.events.settled"
