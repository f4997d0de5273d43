"""Issue 17/9: reads of a client's data in other services (the co-payment breakdown in events, reports
in settlement) reach the client's access log here, the one the client and the officer read."""

from __future__ import annotations

from typing import Any

from seteli_common.auth import Role
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryTransport

from .conftest import P1, P2, Harness, hetu, new_client, new_voucher


def _read(what: str, **fields: object) -> dict[str, object]:
    return {"actor": "u-1", "actor_role": "tenant_officer", "actor_org": "kouvola", "what": what,
            "why": "co-payment breakdown", "at": "2016-03-15T10:00:00+00:00", **fields}


async def _aino_and_bertta_booked_as_b7(h: Harness) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two clients; Bertta's voucher booked at P1, who knows her by its own client number B-7."""
    aino = await new_client(h)
    bertta = await new_client(h, first_name="Bertta", identity_code=hetu("010190", "-", "902"))
    voucher = await new_voucher(h, bertta["id"])
    booked = await h.http.post("/v1/tenants/kouvola/bookings", headers=h.provider(), json={
        "voucher_number": voucher["number"], "voucher_content_id": voucher["contents"][0]["id"],
        "accept_terms": True, "client_number": "B-7"})
    assert booked.status_code == 201, booked.text
    return aino, bertta


async def test_reads_in_events_and_settlement_appear_in_the_clients_access_log(h: Harness) -> None:
    aino, bertta = await _aino_and_bertta_booked_as_b7(h)
    await h.publish("events.client_data.read", _read("co_payment.breakdown.pdf", client_ids=[aino["id"]],
                                                     actor="u-maija", actor_role="provider_user", actor_org=P1))
    # the realisation report names Bertta by the provider's client number, Aino by her internal reference
    await h.publish("settlement.client_data.read", _read(
        "report.realisation", why="report",
        clients=[{"provider_id": P1, "client_ref": "B-7"}, {"provider_id": P2, "client_ref": aino["reference"]},
                 {"provider_id": P2, "client_ref": "unknown"}]))
    own = h.token_for(Role.CLIENT, subject="citizen", client_id=aino["id"], tenant_id="kouvola")
    log = await h.http.get(f"/v1/tenants/kouvola/clients/{aino['id']}/access-log", headers=own)
    assert log.status_code == 200, log.text
    assert [(r["actor"], r["actor_role"], r["actor_org"], r["what"]) for r in log.json()["items"]] == [
        ("u-1", "tenant_officer", "kouvola", "report.realisation"),  # newest first
        ("u-maija", "provider_user", P1, "co_payment.breakdown.pdf"),
    ]
    log = await h.http.get(f"/v1/tenants/kouvola/clients/{bertta['id']}/access-log", headers=h.officer())
    assert [(r["what"], r["why"]) for r in log.json()["items"]] == [("report.realisation", "report")]


async def test_the_access_log_names_the_person_who_read_as_they_were_named_then(h: Harness) -> None:
    """An officer auditing a client's log needs the person, not a user id to look up: the name from the reader's
    token is kept beside the id, for reads here and in other services (a log from before has no name: None)."""
    aino = await new_client(h)
    maija = h.token_for(Role.TENANT_OFFICER, subject="u-maija", tenant_id="kouvola", name="Maija Meikäläinen")
    assert (await h.http.get(f"/v1/tenants/kouvola/clients/{aino['id']}", headers=maija)).status_code == 200
    await h.publish("events.client_data.read", _read("events.list", client_ids=[aino["id"]], actor="u-pekka",
                                                     actor_name="Pekka Tuottaja", actor_role="provider_user",
                                                     actor_org=P1, at="2099-01-01T10:00:00+00:00"))
    await h.publish("events.client_data.read", _read("events.list", client_ids=[aino["id"]], actor="u-old",
                                                     at="2098-01-01T10:00:00+00:00"))  # a publisher of before
    log = (await h.http.get(f"/v1/tenants/kouvola/clients/{aino['id']}/access-log", headers=h.officer())).json()
    names = {r["actor"]: r["actor_name"] for r in log["items"]}
    assert (names["u-maija"], names["u-pekka"], names["u-old"]) == ("Maija Meikäläinen", "Pekka Tuottaja", None)


async def test_a_payment_specification_mailed_to_the_provider_is_in_each_of_its_clients_access_log_once(
        h: Harness) -> None:
    """Notifications tells when the mail with the specification PDF went out to the company that asked for it: each
    client it names gets one row (the system sent it, to the company), however often the message is delivered."""
    aino, bertta = await _aino_and_bertta_booked_as_b7(h)
    mailed = Envelope(type="notifications.client_data.disclosed", tenant_id="kouvola", payload={
        "clients": [{"provider_id": P1, "client_ref": "B-7"}, {"provider_id": P1, "client_ref": aino["reference"]}],
        "actor": "system", "actor_name": "Seteli", "actor_role": "system", "actor_org": P1,
        "what": "payment.specification.emailed", "why": "payment specification", "at": "2016-04-04T06:30:00Z"})
    for _ in range(2):  # delivered twice
        await InMemoryTransport(h.broker).publish(mailed, {}, timeout=1)
        await h.broker.drain()
    for client in (aino, bertta):
        log = await h.http.get(f"/v1/tenants/kouvola/clients/{client['id']}/access-log", headers=h.officer())
        assert [(r["at"], r["actor_name"], r["actor_role"], r["actor_org"], r["what"], r["why"])
                for r in log.json()["items"] if r["actor_role"] == "system"] == [
            ("2016-04-04T06:30:00Z", "Seteli", "system", P1, "payment.specification.emailed", "payment specification")]
