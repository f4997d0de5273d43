"""Issue 17/9: reads of a client's data in other services (the co-payment breakdown in events, reports
in settlement) reach the client's access log here, the one the client and the officer read."""

from __future__ import annotations

from typing import Any

from seteli_common.auth import Role
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryTransport

from .conftest import HOUSING, P1, P2, Harness, approve, hetu, new_client, new_voucher, price_list


def _read(what: str, **fields: object) -> dict[str, object]:
    return {"actor": "u-1", "actor_role": "tenant_officer", "actor_org": "kouvola", "what": what,
            "why": "co-payment breakdown", "at": "2016-03-15T10:00:00+00:00", **fields}


async def _book(h: Harness, client: dict[str, Any], provider_id: str = P1, **number: str) -> None:
    """The client's new voucher booked at the provider (`client_number=...`: the provider's own number for them)."""
    voucher = await new_voucher(h, client["id"])
    booked = await h.http.post("/v1/tenants/kouvola/bookings", headers=h.provider(provider_id), json={
        "voucher_number": voucher["number"], "voucher_content_id": voucher["contents"][0]["id"],
        "accept_terms": True, **number})
    assert booked.status_code == 201, booked.text


async def _aino_and_bertta_booked_as_b7(h: Harness) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two clients booked at P1: Bertta known by its own client number B-7, Aino by her internal reference."""
    aino = await new_client(h)
    bertta = await new_client(h, first_name="Bertta", identity_code=hetu("010190", "-", "902"))
    await _book(h, bertta, client_number="B-7")
    await _book(h, aino)
    return aino, bertta


async def _settlement_read(h: Harness, *refs: tuple[str, str], tenant_id: str = "kouvola") -> None:
    """Settlement showed the clients behind these (provider, client reference) pairs in a report."""
    await h.publish("settlement.client_data.read", _read(
        "report.realisation", why="report", clients=[{"provider_id": p, "client_ref": ref} for p, ref in refs]),
        tenant_id)


async def _reports_logged(h: Harness, client: dict[str, Any]) -> int:
    log = await h.http.get(f"/v1/tenants/kouvola/clients/{client['id']}/access-log", headers=h.officer())
    assert log.status_code == 200, log.text
    return sum(r["what"] == "report.realisation" for r in log.json()["items"])


async def test_reads_in_events_and_settlement_appear_in_the_clients_access_log(h: Harness) -> None:
    aino, bertta = await _aino_and_bertta_booked_as_b7(h)
    await h.publish("events.client_data.read", _read("co_payment.breakdown.pdf", client_ids=[aino["id"]],
                                                     actor="u-maija", actor_role="provider_user", actor_org=P1))
    # the realisation report names Bertta by the provider's client number, Aino by her internal reference
    await h.publish("settlement.client_data.read", _read(
        "report.realisation", why="report",
        clients=[{"provider_id": P1, "client_ref": "B-7"}, {"provider_id": P1, "client_ref": aino["reference"]},
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


async def test_a_providers_client_number_names_its_client_not_the_client_with_that_internal_reference(
        h: Harness) -> None:
    """P1's own number for Aino is by chance Bertta's internal reference, and Bertta is no client of P1: a report of
    P1's row under that number was a read of Aino's data, never Bertta's (in this tenant only)."""
    aino = await new_client(h)
    bertta = await new_client(h, first_name="Bertta", identity_code=hetu("010190", "-", "902"))
    await _book(h, aino, client_number=bertta["reference"])
    await _settlement_read(h, (P1, bertta["reference"]))
    assert (await _reports_logged(h, aino), await _reports_logged(h, bertta)) == (1, 0)
    await _settlement_read(h, (P1, bertta["reference"]), tenant_id="lahti")  # another tenant's P1 row: not theirs
    assert (await _reports_logged(h, aino), await _reports_logged(h, bertta)) == (1, 0)


async def test_an_internal_reference_names_a_client_only_for_a_provider_the_client_booked(h: Harness) -> None:
    """A provider with no number for the client knows them by their internal reference: a report of P2's rows under
    Bertta's reference reads her data once she has a booking at P2, and no one's before (P2 has no such client)."""
    await approve(h, P2, HOUSING, [])
    await price_list(h, "pl-p2", P2, HOUSING, None, "2016-01-01", ["asuminen"])
    aino = await new_client(h)
    bertta = await new_client(h, first_name="Bertta", identity_code=hetu("010190", "-", "902"))
    await _book(h, aino, P2, client_number=bertta["reference"])  # P2's number for Aino: not P2's name for Bertta
    await _book(h, bertta)  # Bertta is P1's client, without a number
    await _settlement_read(h, (P2, "unknown"), (P1, aino["reference"]))
    assert (await _reports_logged(h, aino), await _reports_logged(h, bertta)) == (0, 0)
    await _settlement_read(h, (P1, bertta["reference"]))
    assert (await _reports_logged(h, aino), await _reports_logged(h, bertta)) == (0, 1)
    await _book(h, bertta, P2)  # now P2's client too: P2's rows under her reference may be hers (or Aino's)
    await _settlement_read(h, (P2, bertta["reference"]))
    assert (await _reports_logged(h, aino), await _reports_logged(h, bertta)) == (1, 2)


async def test_a_providers_earlier_client_number_still_names_its_client(h: Harness) -> None:
    """A specification made under P1's number K-1 for Aino, mailed after P1 renumbered her K-2, read her data: the
    number stays hers (vouchers refuses it to any other client of P1)."""
    aino = await new_client(h)
    await _book(h, aino, client_number="K-1")
    renumbered = await h.http.put(f"/v1/tenants/kouvola/provider-clients/{aino['id']}/client-number",
                                  json={"client_number": "K-2"}, headers=h.provider())
    assert renumbered.status_code == 200, renumbered.text
    await _settlement_read(h, (P1, "K-1"))
    await _settlement_read(h, (P1, "K-2"))
    await _settlement_read(h, (P2, "K-1"))  # another provider's K-1: not hers
    assert await _reports_logged(h, aino) == 2
