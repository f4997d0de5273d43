"""The tenant-wide voucher list officers browse: filters, paging, no identity codes, access-logged."""

from __future__ import annotations

from seteli_common.auth import Role

from .conftest import HOME_CARE, Harness, hetu, new_client, new_voucher


async def test_officer_lists_the_tenants_vouchers_filtered_and_paged(h: Harness) -> None:
    aino = await new_client(h)
    bertil = await new_client(h, first_name="Bertil", last_name="Bäck", identity_code=hetu("020280", "-", "902"))
    first = await new_voucher(h, aino["id"])
    second = await new_voucher(h, bertil["id"], granted_on="2016-03-10", valid_from="2016-04-01")  # granted by today
    purchased = await new_voucher(
        h, bertil["id"], service_id=HOME_CARE,
        contents=[{"content_id": "kotikaynti", "granted_amount": "10", "period": "month"}],
    )
    await h.http.post(f"/v1/tenants/kouvola/vouchers/{first['id']}/close", json={"reason": "Moved"},
                      headers=h.officer())
    await new_voucher(h, (await new_client(h, tenant="lahti"))["id"], tenant="lahti")

    listing = await h.http.get("/v1/tenants/kouvola/vouchers", headers=h.officer())
    assert listing.status_code == 200, listing.text
    body = listing.json()
    assert body["total"] == 3  # not Lahti's
    assert {v["id"] for v in body["items"]} == {first["id"], second["id"], purchased["id"]}
    row = next(v for v in body["items"] if v["id"] == second["id"])
    assert row["client_last_name"] == "Bäck" and row["printable_number"] == second["printable_number"]
    assert "010180-9026" not in listing.text and "identity_code" not in listing.text
    assert first["verification_code"] not in listing.text

    closed = (await h.http.get("/v1/tenants/kouvola/vouchers", params={"state": "closed"}, headers=h.officer()))
    assert [v["id"] for v in closed.json()["items"]] == [first["id"]]
    home_care = await h.http.get("/v1/tenants/kouvola/vouchers", params={"service_id": HOME_CARE},
                                 headers=h.officer())
    assert [v["id"] for v in home_care.json()["items"]] == [purchased["id"]]
    by_name = await h.http.get("/v1/tenants/kouvola/vouchers", params={"name": "bäck"}, headers=h.officer())
    assert by_name.json()["total"] == 2
    # a queue's page asks for its own vouchers only (the approval queue names their clients)
    chosen = await h.http.get("/v1/tenants/kouvola/vouchers", params=[("id", first["id"]), ("id", purchased["id"])],
                              headers=h.officer())
    assert {v["id"] for v in chosen.json()["items"]} == {first["id"], purchased["id"]}

    page1 = (await h.http.get("/v1/tenants/kouvola/vouchers", params={"limit": 2}, headers=h.officer())).json()
    page2 = (await h.http.get("/v1/tenants/kouvola/vouchers", params={"limit": 2, "offset": 2},
                              headers=h.officer())).json()
    assert page1["total"] == page2["total"] == 3 and len(page1["items"]) == 2 and len(page2["items"]) == 1
    assert not {v["id"] for v in page1["items"]} & {v["id"] for v in page2["items"]}


async def test_bad_filter_is_a_field_error_and_only_staff_of_the_tenant_may_list(h: Harness) -> None:
    await new_voucher(h, (await new_client(h))["id"])
    bad = await h.http.get("/v1/tenants/kouvola/vouchers", params={"state": "lost"}, headers=h.officer())
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert "state" in bad.text
    assert (await h.http.get("/v1/tenants/kouvola/vouchers", headers=h.provider())).status_code == 403
    other = await h.http.get("/v1/tenants/kouvola/vouchers", headers=h.officer("lahti"))
    assert other.status_code in (403, 404)


async def test_each_listed_client_gets_an_access_log_row(h: Harness) -> None:
    client = await new_client(h)
    await new_voucher(h, client["id"])
    await h.http.get("/v1/tenants/kouvola/vouchers", headers={**h.officer(subject="officer-9")})
    own = h.token_for(Role.CLIENT, subject="citizen", client_id=client["id"], tenant_id="kouvola")
    rows = (await h.http.get(f"/v1/tenants/kouvola/clients/{client['id']}/access-log", headers=own)).json()["items"]
    assert ("officer-9", "voucher.list", "voucher list") in [(r["actor"], r["what"], r["why"]) for r in rows]


async def test_a_clients_vouchers_take_as_many_statements_for_five_vouchers_as_for_one(h: Harness) -> None:
    """Issue 21: the client's vouchers page read each voucher's contents and charges apart (two statements a
    voucher); each voucher shows what it shows alone, with what is left after its own charges."""
    from sqlalchemy import event

    from .test_lifecycle import charge

    client = await new_client(h, first_name="Veera", last_name="Viisi", identity_code=hetu("050585", "-", "915"))
    made = [await new_voucher(h, client["id"], granted_on=f"2016-03-0{i + 1}") for i in range(5)]
    for i, voucher in enumerate(made[:3]):
        await charge(h, voucher, units=str(i + 1), amount=f"{140 * (i + 1)}.00")
    url = f"/v1/tenants/kouvola/clients/{client['id']}/vouchers"
    seen: list[str] = []

    def count(_conn: object, _cursor: object, sql: str, *_args: object) -> None:
        seen.append(sql)

    counts = []
    for limit in (1, 5):
        seen.clear()
        event.listen(h.runtime.db.sync_engine, "before_cursor_execute", count)
        try:
            page = await h.http.get(url, params={"limit": limit}, headers=h.officer())
        finally:
            event.remove(h.runtime.db.sync_engine, "before_cursor_execute", count)
        assert page.status_code == 200, page.text
        assert len(page.json()["items"]) == limit and page.json()["total"] == 5
        counts.append(len(seen))
    assert counts[0] == counts[1], counts
    items = page.json()["items"]
    assert [v["contents"][0]["amount_left"] for v in items] == ["30.00", "29.00", "28.00", "31.00", "31.00"]
    for item in items:
        alone = await h.http.get(f"/v1/tenants/kouvola/vouchers/{item['id']}", headers=h.officer())
        assert {**alone.json(), "client_id": item["client_id"]} == item
