"""A client's and a proxy's name goes into voucher decisions and mail to the client: one with a control character
(a tab or line break pasted from another system, an escape) or U+FFFE is refused where the officer types it (422,
the field named) and no client is registered; a booking's info keeps its line breaks."""

from __future__ import annotations

from .conftest import CLIENT, Harness


async def test_a_client_name_with_a_control_character_is_refused_and_nothing_is_stored(h: Harness) -> None:
    cases = [("first_name", {"first_name": "Aino\tMaria"}), ("last_name", {"last_name": "Virtanen\r\n"}),
             ("last_name", {"last_name": "Virta\ufffenen"}), ("phone", {"phone": "040\x0b123"}),
             ("proxy.name", {"proxy": {"name": "Matti\nVirtanen"}}),
             ("proxy.relation", {"proxy": {"name": "Matti Virtanen", "relation": "poika\x1b"}})]
    for field, change in cases:
        refused = await h.http.post("/v1/tenants/kouvola/clients", json={**CLIENT, **change}, headers=h.officer())
        assert refused.status_code == 422, (field, refused.text)
        assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert (await h.http.get("/v1/tenants/kouvola/clients", headers=h.officer())).json()["total"] == 0
