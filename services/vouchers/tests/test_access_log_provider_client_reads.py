"""A provider's search of its clients, its view of one client and a voucher holder's look-up each show a client's
data (name, language, number; a voucher and what is left of it): each goes to that client's access log, and a read
that shows nobody leaves no row."""

from __future__ import annotations

from typing import Any

from seteli_common.auth import Role

from .conftest import P1, P2, Harness, new_client, new_voucher
from .test_privacy import _book


async def _log(h: Harness, client_id: str) -> list[tuple[Any, ...]]:
    own = h.token_for(Role.CLIENT, subject="citizen", client_id=client_id, tenant_id="kouvola")
    log = await h.http.get(f"/v1/tenants/kouvola/clients/{client_id}/access-log?limit=100", headers=own)
    return [(r["actor"], r["actor_org"], r["what"], r["why"]) for r in log.json()["items"]]


async def test_the_providers_search_view_and_numbering_of_a_client_are_in_the_clients_access_log(h: Harness) -> None:
    client = await new_client(h)
    await _book(h, await new_voucher(h, client["id"]))
    before = await _log(h, client["id"])
    search = "/v1/tenants/kouvola/provider-clients/search"
    found = await h.http.post(search, json={"name": client["last_name"]}, headers=h.provider())
    assert [c["id"] for c in found.json()["items"]] == [client["id"]]
    # another company finds nobody: nothing is logged for it
    assert (await h.http.post(search, json={"name": client["last_name"]}, headers=h.provider(P2))
            ).json()["total"] == 0
    one = f"/v1/tenants/kouvola/provider-clients/{client['id']}"
    assert (await h.http.get(one, headers=h.provider())).status_code == 200
    assert (await h.http.get(one, headers=h.provider(P2))).status_code == 404
    numbered = await h.http.put(f"{one}/client-number", json={"client_number": "A-9"}, headers=h.provider())
    assert numbered.status_code == 200 and numbered.json()["client_number"] == "A-9"
    rows = (await _log(h, client["id"]))[: -len(before) or None]
    assert sorted(rows) == sorted([
        (f"user-{P1}", P1, "client.provider_search", "provider client search"),
        (f"user-{P1}", P1, "client.provider_view", "provider client view"),
        (f"user-{P1}", P1, "client.provider_view", "provider client view"),  # the numbered client shown back
    ])


async def test_a_holders_look_up_is_in_the_clients_access_log_a_wrong_code_is_not(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    before = len(await _log(h, client["id"]))
    lookup = "/v1/tenants/kouvola/vouchers/lookup"
    wrong = await h.http.post(lookup, json={"number": voucher["number"], "verification_code": "AAAAAAAA"})
    assert wrong.status_code == 404
    assert len(await _log(h, client["id"])) == before
    right = await h.http.post(lookup, json={"number": voucher["number"],
                                            "verification_code": voucher["verification_code"]})
    assert right.status_code == 200
    rows = await _log(h, client["id"])
    assert len(rows) == before + 1 and rows[0][2:] == ("voucher.lookup", "look-up with number and verification code")
