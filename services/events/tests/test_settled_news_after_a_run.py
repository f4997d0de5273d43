"""Reads after a settlement run (issue 22): the run's status answers the tokens of its news to this service
(`settlement.events.settled`). Sent back as `Seteli-After`, a credit of a paid event, the provider's correction
request and the event's "settled" (one event or the month's list) wait for that news: 409 not-yet-known with
Retry-After while it is on its way, never "not settled" or "not paid"; once it has arrived, the answer; without
a token, with another tenant's or a handled one, the answers are as before."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from seteli_common.consistency import AFTER_HEADER, Token, header_value
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryTransport

from .conftest import Harness, T

NOT_YET_KNOWN = "https://seteli.fi/problems/not-yet-known"


async def _april(h: Harness) -> list[dict[str, Any]]:
    h.clock.set(datetime(2016, 4, 30, 9, 0, tzinfo=UTC))
    events = []
    for day in ("2016-04-05", "2016-04-12"):
        response = await h.post_event({"booking_id": "b-visit", "start": day, "units": "1"})
        assert response.status_code == 201, response.text
        events.append(response.json())
    h.clock.set(datetime(2016, 5, 10, 9, 0, tzinfo=UTC))
    return events


def _settled(events: list[dict[str, Any]], tenant_id: str = T) -> Envelope:
    return Envelope(type="settlement.events.settled", tenant_id=tenant_id, payload={
        "run_id": "run-2016-04", "month": "2016-04", "event_ids": [e["id"] for e in events]})


def _after(headers: dict[str, str], news: Envelope) -> dict[str, str]:
    token = Token.of(news)
    assert token is not None
    return {**headers, AFTER_HEADER: header_value([token])}


async def _arrives(h: Harness, news: Envelope) -> None:
    await InMemoryTransport(h.broker).publish(news, {}, timeout=1)
    await h.broker.drain()


async def _credit(h: Harness, event_id: str, headers: dict[str, str]) -> Any:
    return await h.client.post(f"/v1/tenants/{T}/credits", headers=headers,
                               json={"event_id": event_id, "reason": "Käynti ei toteutunut"})


async def _ask(h: Harness, event_id: str, headers: dict[str, str]) -> Any:
    return await h.client.post(f"/v1/tenants/{T}/corrections", headers=headers,
                               json={"kind": "event", "target_id": event_id, "reason": "Käynti ei toteutunut"})


def _not_yet_known(response: Any) -> bool:
    return (response.status_code == 409 and response.json()["type"] == NOT_YET_KNOWN
            and response.json()["reason"] == "settlement_not_known_yet" and response.headers["retry-after"] == "1")


async def test_a_credit_after_the_run_waits_for_its_news_and_then_credits(seeded: Harness) -> None:
    h = seeded
    events = await _april(h)
    news = _settled(events)
    early = await _credit(h, events[0]["id"], _after(h.officer(), news))
    assert _not_yet_known(early), early.text
    without_token = await _credit(h, events[0]["id"], h.officer())
    assert without_token.status_code == 409 and without_token.json()["code"] == "event_not_settled"  # as before
    await _arrives(h, news)
    credited = await _credit(h, events[0]["id"], _after(h.officer(), news))
    assert credited.status_code == 201, credited.text
    assert credited.json()["event_id"] == events[0]["id"]


async def test_a_correction_request_after_the_run_waits_for_its_news_and_then_is_sent(seeded: Harness) -> None:
    h = seeded
    events = await _april(h)
    news = _settled(events)
    early = await _ask(h, events[1]["id"], _after(h.provider(), news))
    assert _not_yet_known(early), early.text
    without_token = await _ask(h, events[1]["id"], h.provider())
    assert without_token.status_code == 409 and without_token.json()["code"] == "not_paid"  # as before
    # another company's staff with the token still learn nothing of the event: "not even there"
    assert (await _ask(h, events[1]["id"], _after(h.provider("p-muu"), news))).status_code in (404, 409)
    await _arrives(h, news)
    asked = await _ask(h, events[1]["id"], _after(h.provider(), news))
    assert asked.status_code == 201, asked.text
    assert asked.json()["state"] == "open"


async def test_settled_is_read_only_once_the_news_has_arrived(seeded: Harness) -> None:
    h = seeded
    events = await _april(h)
    news = _settled(events)
    one = f"/v1/tenants/{T}/events/{events[0]['id']}"
    month = {"booking_id": "b-visit", "from": "2016-04-01", "to": "2016-04-30"}
    early = await h.client.get(one, headers=_after(h.provider(), news))
    assert _not_yet_known(early), early.text
    early_list = await h.client.get(f"/v1/tenants/{T}/events", params=month, headers=_after(h.provider(), news))
    assert _not_yet_known(early_list), early_list.text
    plain = await h.client.get(one, headers=h.provider())
    assert plain.status_code == 200 and plain.json()["settled"] is False  # without a token: as before
    await _arrives(h, news)
    read = await h.client.get(one, headers=_after(h.provider(), news))
    assert read.status_code == 200 and read.json()["settled"] is True
    listed = await h.client.get(f"/v1/tenants/{T}/events", params=month, headers=_after(h.provider(), news))
    assert listed.status_code == 200 and all(e["settled"] for e in listed.json()["items"])


async def test_another_tenants_news_or_a_settled_event_answers_as_before(seeded: Harness) -> None:
    h = seeded
    events = await _april(h)
    elsewhere = _settled(events, tenant_id="lahti")  # a run of another tenant: tells nothing here
    response = await _credit(h, events[0]["id"], _after(h.officer(), elsewhere))
    assert response.status_code == 409 and response.json()["code"] == "event_not_settled"
    response = await h.client.get(f"/v1/tenants/{T}/events/{events[0]['id']}", headers=_after(h.provider(), elsewhere))
    assert response.status_code == 200 and response.json()["settled"] is False
    # the first run's news has arrived; a later run's news on its way does not hold up what is settled already
    await _arrives(h, _settled(events[:1]))
    later = _settled(events[1:])
    settled = await h.client.get(f"/v1/tenants/{T}/events/{events[0]['id']}", headers=_after(h.provider(), later))
    assert settled.status_code == 200 and settled.json()["settled"] is True
    credited = await _credit(h, events[0]["id"], _after(h.officer(), later))
    assert credited.status_code == 201, credited.text
