"""A site (or a unit, or an employee) the provider added a moment ago in the registry, named at once as the
producer part of a care event or an interruption: the registry's news reaches the events service a moment
later. A request that follows the addition (its `Seteli-After` token) is told "not yet known" (409 with
Retry-After) while the news is on its way, never "not a part of the booking's company"; without the token, or
for a part heard of as another company's or made up, the refusal is as before (422, field `producer_part`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from seteli_common.consistency import AFTER_HEADER, Token
from seteli_common.messaging.envelope import Envelope

from .conftest import OTHER_PROVIDER, PROVIDER, Harness, T, site_fact

NOT_YET_KNOWN = "https://seteli.fi/problems/not-yet-known"


def _following(h: Harness, fact: Envelope) -> dict[str, str]:
    token = Token.of(fact)
    assert token is not None
    return {**h.provider(), AFTER_HEADER: str(token)}


async def _event(h: Harness, part: str, day: str, headers: dict[str, str]) -> httpx.Response:
    return await h.post_event({"booking_id": "b-housing", "start": day, "end": day, "producer_part": part}, headers)


async def _interruption(h: Harness, part: str, headers: dict[str, str]) -> httpx.Response:
    return await h.client.post(f"/v1/tenants/{T}/interruptions", headers=headers, json={
        "booking_id": "b-housing", "start": "2016-02-10", "end": "2016-02-12", "reason": "hospital",
        "producer_part": part})


def _not_yet_known(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 409, response.text
    assert response.json()["type"] == NOT_YET_KNOWN and response.json()["reason"] == reason
    assert response.headers["retry-after"] == "1"


def _refused(response: httpx.Response) -> None:
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "producer_part_not_known"
    assert [e["field"] for e in response.json()["errors"]] == ["producer_part"]


async def _stored(h: Harness) -> int:
    listed = await h.client.get(f"/v1/tenants/{T}/events", params={"booking_id": "b-housing"}, headers=h.provider())
    return int(listed.json()["total"])


async def test_a_site_added_a_moment_ago_is_not_yet_known_then_recorded(seeded: Harness) -> None:
    h = seeded
    fact = site_fact("s-uusi")
    following = _following(h, fact)
    _not_yet_known(await _event(h, "site:s-uusi", "2016-02-01", following), "site_not_known_yet")
    _not_yet_known(await _interruption(h, "site:s-uusi", following), "site_not_known_yet")
    assert await _stored(h) == 0 and await h.published() == []
    _refused(await _event(h, "site:s-uusi", "2016-02-01", h.provider()))  # without the token: as before

    await h.release(fact)
    recorded = await _event(h, "site:s-uusi", "2016-02-01", following)
    assert recorded.status_code == 201 and recorded.json()["producer_part"] == "site:s-uusi", recorded.text
    assert (await _interruption(h, "site:s-uusi", following)).status_code == 201


async def test_a_care_event_moved_to_a_site_on_its_way_is_not_yet_known(seeded: Harness) -> None:
    h = seeded
    fact = site_fact("s-uusi")
    event = await _event(h, "", "2016-02-01", h.provider())
    assert event.status_code == 201, event.text
    url = f"/v1/tenants/{T}/events/{event.json()['id']}"
    _not_yet_known(await h.client.patch(url, json={"producer_part": "site:s-uusi"}, headers=_following(h, fact)),
                   "site_not_known_yet")
    await h.release(fact)
    moved = await h.client.patch(url, json={"producer_part": "site:s-uusi"}, headers=_following(h, fact))
    assert moved.status_code == 200 and moved.json()["producer_part"] == "site:s-uusi", moved.text


async def test_another_companys_site_is_refused_at_once_even_while_a_site_is_on_its_way(seeded: Harness) -> None:
    h = seeded
    await h.tell_site("s-muu", provider_id=OTHER_PROVIDER)
    following = _following(h, site_fact("s-uusi"))
    _refused(await _event(h, "site:s-muu", "2016-02-01", following))
    _refused(await _interruption(h, "site:s-muu", following))


async def test_a_site_that_arrives_as_another_companys_or_a_made_up_one_is_refused(seeded: Harness) -> None:
    h = seeded
    fact = site_fact("s-uusi", provider_id=OTHER_PROVIDER)
    following = _following(h, fact)
    _not_yet_known(await _event(h, "site:s-uusi", "2016-02-01", following), "site_not_known_yet")
    await h.release(fact)
    _refused(await _event(h, "site:s-uusi", "2016-02-01", following))
    _refused(await _event(h, "site:s-keksitty", "2016-02-01", following))
    assert await _stored(h) == 0


async def test_an_employee_added_a_moment_ago_is_not_yet_known_then_recorded(seeded: Harness) -> None:
    h = seeded
    payload: dict[str, Any] = {"provider_id": PROVIDER, "employee_id": "e-uusi", "name": "Hoitaja", "email": "",
                               "site_id": None, "removed_at": None}
    fact = Envelope(type="registry.employee.added", tenant_id=None, payload=payload, occurred_at=datetime.now(UTC))
    following = _following(h, fact)
    _not_yet_known(await _event(h, "employee:e-uusi", "2016-02-01", following), "employee_not_known_yet")
    _refused(await _event(h, "unit:Uusi", "2016-02-01", following))  # a unit is not what the request follows
    await h.release(fact)
    recorded = await _event(h, "employee:e-uusi", "2016-02-01", following)
    assert recorded.status_code == 201, recorded.text


def _units_fact(units: list[str], provider_id: str = PROVIDER) -> Envelope:
    now = datetime.now(UTC)
    return Envelope(type="registry.provider.units_changed", tenant_id=None, occurred_at=now,
                    payload={"provider_id": provider_id, "units": units, "changed_at": now.isoformat()})


async def test_a_unit_added_a_moment_ago_is_not_yet_known_then_recorded(seeded: Harness) -> None:
    """A unit is its name: the company's new list on its way is awaited, and the name is judged by that list."""
    h = seeded
    fact = _units_fact(["Uusi"])
    following = _following(h, fact)
    _not_yet_known(await _event(h, "unit:Uusi", "2016-02-01", following), "unit_not_known_yet")
    _not_yet_known(await _interruption(h, "unit:Uusi", following), "unit_not_known_yet")
    assert await _stored(h) == 0 and await h.published() == []
    _refused(await _event(h, "unit:Uusi", "2016-02-01", h.provider()))  # without the token: as before

    await h.release(fact)
    recorded = await _event(h, "unit:Uusi", "2016-02-01", following)
    assert recorded.status_code == 201 and recorded.json()["producer_part"] == "unit:Uusi", recorded.text
    assert (await _interruption(h, "unit:Uusi", following)).status_code == 201
    _refused(await _event(h, "unit:Keksitty", "2016-02-03", following))  # the list has arrived: not on it


async def test_a_unit_on_another_companys_list_on_its_way_is_refused_once_that_list_arrives(seeded: Harness) -> None:
    h = seeded
    fact = _units_fact(["Uusi"], provider_id=OTHER_PROVIDER)
    following = _following(h, fact)
    _not_yet_known(await _event(h, "unit:Uusi", "2016-02-01", following), "unit_not_known_yet")
    await h.release(fact)
    _refused(await _event(h, "unit:Uusi", "2016-02-01", following))
    assert await _stored(h) == 0
