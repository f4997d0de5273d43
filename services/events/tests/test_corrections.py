"""A provider asks the municipality to correct a paid event (004 §4.3.4, §4.3.8): the seed's April — three
visits of 20.00 € paid, one of them wrong; the provider's request is answered with a credit of -20.00,
deducted from the next payment, or declined with a reason. Only a paid, uncredited entry of one's own, once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from seteli_common.auth import Role

from .conftest import Harness, T


async def _april(h: Harness) -> list[dict[str, Any]]:
    h.clock.set(datetime(2016, 4, 30, 9, 0, tzinfo=UTC))
    events = []
    for day in ("2016-04-05", "2016-04-12", "2016-04-19"):
        response = await h.post_event({"booking_id": "b-visit", "start": day, "units": "1"})
        assert response.status_code == 201, response.text
        events.append(response.json())
    return events


async def _ask(h: Harness, event_id: str, reason: str = "Käynti ei toteutunut", **headers: Any) -> Any:
    return await h.client.post(f"/v1/tenants/{T}/corrections", headers=headers or h.provider(),
                               json={"kind": "event", "target_id": event_id, "reason": reason})


async def test_a_paid_event_is_credited_at_the_providers_request(seeded: Harness) -> None:
    h = seeded
    events = await _april(h)
    unpaid = await _ask(h, events[2]["id"])
    assert unpaid.status_code == 409 and unpaid.json()["code"] == "not_paid"  # edit or delete it instead
    await h.feed("settlement.events.settled",
                 {"run_id": "run-2016-04", "month": "2016-04", "event_ids": [e["id"] for e in events]})
    h.clock.set(datetime(2016, 5, 10, 9, 0, tzinfo=UTC))

    assert (await _ask(h, events[2]["id"], reason="  ")).status_code == 422
    assert (await h.client.post(f"/v1/tenants/{T}/corrections", headers=h.provider("p-muu"), json={
        "kind": "event", "target_id": events[2]["id"], "reason": "x"})).status_code == 404  # not its event
    asked = await _ask(h, events[2]["id"])
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert (request["state"], request["amount"], request["client_ref"]) == ("open", "20.00", "K-5")
    assert (await _ask(h, events[2]["id"])).json()["code"] == "already_requested"  # once while open

    queue = (await h.client.get(f"/v1/tenants/{T}/corrections", params={"state": "open"},
                                headers=h.officer())).json()
    assert [r["id"] for r in queue["items"]] == [request["id"]]
    assert (await h.client.get(f"/v1/tenants/{T}/corrections", headers=h.provider("p-muu"))).json()["total"] == 0
    by_provider = await h.client.post(f"/v1/tenants/{T}/corrections/{request['id']}/answer",
                                      headers=h.provider(), json={"decision": "credit"})
    assert by_provider.status_code == 403

    credited = await h.client.post(f"/v1/tenants/{T}/corrections/{request['id']}/answer",
                                   headers=h.officer(), json={"decision": "credit"})
    assert credited.status_code == 200, credited.text
    assert credited.json()["state"] == "credited" and credited.json()["answer"] == "Käynti ei toteutunut"
    [published] = await h.published("events.credit.requested")  # settlement deducts it from May's payment
    assert (published["event_id"], published["amount"], published["month"]) == (events[2]["id"], "-20.00",
                                                                                  "2016-05")
    assert published["credit_id"] == credited.json()["credit_id"]
    again = await h.client.post(f"/v1/tenants/{T}/corrections/{request['id']}/answer",
                                headers=h.officer(), json={"decision": "decline", "reason": "x"})
    assert again.status_code == 409
    assert (await _ask(h, events[2]["id"])).json()["code"] == "already_credited"
    mine = (await h.client.get(f"/v1/tenants/{T}/corrections", headers=h.provider())).json()["items"]
    assert [(r["state"], r["credit_id"]) for r in mine] == [("credited", published["credit_id"])]


async def test_a_declined_request_says_why_and_credits_nothing(seeded: Harness) -> None:
    h = seeded
    events = await _april(h)
    await h.feed("settlement.events.settled",
                 {"run_id": "run-2016-04", "month": "2016-04", "event_ids": [e["id"] for e in events]})
    request = (await _ask(h, events[0]["id"], reason="Väärä päivä")).json()
    url = f"/v1/tenants/{T}/corrections/{request['id']}/answer"
    assert (await h.client.post(url, headers=h.officer(), json={"decision": "decline"})).status_code == 422
    declined = await h.client.post(url, headers=h.officer(),
                                   json={"decision": "decline", "reason": "Käynti on asiakkaan mukaan tehty"})
    assert declined.status_code == 200 and declined.json()["state"] == "declined"
    assert declined.json()["answer"] == "Käynti on asiakkaan mukaan tehty"
    assert await h.published("events.credit.requested") == []
    assert (await _ask(h, events[0]["id"], reason="Uusi selvitys")).status_code == 201  # may ask again


async def test_a_provider_user_outside_the_service_team_sees_no_credits_or_corrections_of_it(seeded: Harness) -> None:
    """Home care's paid visit, its correction request and the credit: a user of the same company who is only
    in sheltered housing's team neither sees them (they name the client and the care) nor asks a correction;
    the main user and a user of home care's team do (004 §3.2)."""
    h = seeded
    events = await _april(h)
    await h.feed("settlement.events.settled",
                 {"run_id": "run-2016-04", "month": "2016-04", "event_ids": [e["id"] for e in events]})
    housing_only = h.provider(services=("tehostettu",), subject="u-asumisen-hoitaja")
    refused = await _ask(h, events[0]["id"], **housing_only)
    assert refused.status_code == 404, refused.text  # as an unknown id: the user cannot list it
    assert (await h.client.get(f"/v1/tenants/{T}/corrections", headers=h.provider())).json()["total"] == 0
    request = (await _ask(h, events[0]["id"])).json()
    await h.client.post(f"/v1/tenants/{T}/corrections/{request['id']}/answer", headers=h.officer(),
                        json={"decision": "credit"})
    credit = await h.client.post(f"/v1/tenants/{T}/credits", headers=h.officer(),
                                 json={"event_id": events[1]["id"], "reason": "Käynti puuttui"})
    assert credit.status_code == 201, credit.text

    for path in ("corrections", "credits"):
        outside = await h.client.get(f"/v1/tenants/{T}/{path}", headers=housing_only)
        assert outside.status_code == 200 and outside.json() == {"items": [], "total": 0}, (path, outside.text)
        in_team = await h.client.get(f"/v1/tenants/{T}/{path}", headers=h.provider(services=("kotihoito",)))
        main_user = await h.client.get(f"/v1/tenants/{T}/{path}",
                                       headers=h.provider(services=(), role=Role.PROVIDER_ADMIN))
        assert in_team.json()["total"] == main_user.json()["total"] > 0, path


async def test_reads_of_credits_corrections_and_feedback_go_to_the_clients_access_log(seeded: Harness) -> None:
    """A credit or a correction request names the client's paid care and why it is taken back ("the visit did not
    take place"); feedback is the client's own words about their care. Each list shown to the provider, the
    officer or the client goes to the access log of every client on it (Client Data Act 703/2023 §11); an empty
    list logs nothing."""
    h = seeded
    events = await _april(h)
    await h.feed("settlement.events.settled",
                 {"run_id": "run-2016-04", "month": "2016-04", "event_ids": [e["id"] for e in events]})
    h.clock.set(datetime(2016, 5, 10, 9, 0, tzinfo=UTC))
    request = (await _ask(h, events[2]["id"])).json()
    credited = await h.client.post(f"/v1/tenants/{T}/corrections/{request['id']}/answer",
                                   headers=h.officer(), json={"decision": "credit"})
    assert credited.status_code == 200, credited.text
    feedback = await h.client.post(f"/v1/tenants/{T}/feedback", headers=h.client_token("c-2"), json={
        "provider_id": "p-paivansade", "kind": "complaint", "text": "Hoitaja ei tullut", "event_id": events[2]["id"]})
    assert feedback.status_code == 201, feedback.text
    before = len(await h.published("events.client_data.read"))  # what the writes published so far

    assert (await h.client.get(f"/v1/tenants/{T}/corrections", headers=h.officer())).json()["total"] == 1
    assert (await h.client.get(f"/v1/tenants/{T}/credits", headers={**h.provider(), "x-purpose": "maksu"})
            ).json()["total"] == 1
    assert (await h.client.get(f"/v1/tenants/{T}/feedback", headers=h.provider())).json()["total"] == 1
    assert (await h.client.get(f"/v1/tenants/{T}/feedback", headers=h.client_token("c-2"))).json()["total"] == 1
    assert (await h.client.get(f"/v1/tenants/{T}/credits", headers=h.provider("p-muu"))).json()["total"] == 0
    assert (await h.client.get(f"/v1/tenants/{T}/feedback", headers=h.client_token("c-1"))).json()["total"] == 0
    reads = (await h.published("events.client_data.read"))[before:]
    assert [(r["client_ids"], r["actor_role"], r["what"], r["why"]) for r in reads] == [
        (["c-2"], "tenant_officer", "corrections.list", "correction requests"),
        (["c-2"], "provider_user", "credits.list", "maksu"),
        (["c-2"], "provider_user", "feedback.list", "feedback"),
        (["c-2"], "client", "feedback.list", "feedback"),
    ]
