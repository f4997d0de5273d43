"""Reads after writes across services (issue 22) in settlement: a run or its preview right after care was
recorded or credited in the events service, with that write's consistency token (`Seteli-After`), is told
"not yet known here" (409, Retry-After) until settlement has the fact, and never a total without it; without
a token, or with another tenant's, the answer is the usual one."""

from __future__ import annotations

from typing import Any

from seteli_common.consistency import AFTER_HEADER, Token, header_value
from seteli_common.messaging.envelope import Envelope

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
