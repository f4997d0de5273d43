"""The officer's search of clients by name shows each client found (name, reference, contact details): each goes
to that client's access log, a search finding nobody logs nothing."""

from __future__ import annotations

from .conftest import Harness, new_client
from .test_access_log_write_answers import _log


async def test_the_officers_search_by_name_is_in_the_access_log_of_every_client_shown(h: Harness) -> None:
    aino = await new_client(h)
    other = await new_client(h, identity_code="010180-9037", first_name="Eino", last_name="Esimerkki")
    before_aino, before_other = len(await _log(h, aino["id"])), len(await _log(h, other["id"]))
    found = await h.http.get("/v1/tenants/kouvola/clients?name=aino", headers={**h.officer(), "x-purpose": "haku"})
    assert [c["id"] for c in found.json()["items"]] == [aino["id"]]
    nobody = await h.http.get("/v1/tenants/kouvola/clients?name=zzzz", headers=h.officer())
    assert nobody.json()["total"] == 0
    rows = await _log(h, aino["id"])
    assert rows[: len(rows) - before_aino] == [("officer-1", "kouvola", "client.list", "haku")]
    assert len(await _log(h, other["id"])) == before_other  # not shown, not logged
