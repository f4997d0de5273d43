"""The officer's purchased-service booking (ostopalvelu) one step beside the worked examples: the client moved to
another provider, the commitment closed by a death or past its validity before the expiry job ran, a repeated
request, a commitment starting later booked by the price list of its first day."""

from __future__ import annotations

from typing import Any

from .conftest import HOME_CARE, P1, P2, S1, S2, Harness, approve, new_client, new_voucher, price_list

HOURS = [{"content_id": "kotikaynti", "granted_amount": "10", "period": "week"}]


async def _commitment(h: Harness, client: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    client = client or await new_client(h)
    return await new_voucher(h, client["id"], service_id=HOME_CARE, contents=HOURS, **overrides)


async def _purchase(h: Harness, commitment: dict[str, Any], provider_id: str = P1, part: str | None = None,
                    headers: dict[str, str] | None = None) -> Any:
    return await h.http.post("/v1/tenants/kouvola/purchases", headers={**h.officer(), **(headers or {})}, json={
        "voucher_id": commitment["id"], "voucher_content_id": commitment["contents"][0]["id"],
        "provider_id": provider_id, "producer_part": part})


async def test_the_officer_moves_a_purchased_service_to_another_provider(h: Harness) -> None:
    await approve(h, P2, HOME_CARE, [S2])
    await price_list(h, "pl-p2", P2, HOME_CARE, None, "2016-01-01", ["kotikaynti"])
    commitment = await _commitment(h)
    first = await _purchase(h, commitment, part=f"site:{S1}")
    assert first.status_code == 201, first.text
    refused = await _purchase(h, commitment, P2)
    assert refused.status_code == 409 and refused.json()["reason"] == "content_already_booked"
    # the officer ends the first provider's booking (the tenant's decision) and books the other one
    ended = await h.http.post(f"/v1/tenants/kouvola/bookings/{first.json()['id']}/end", headers=h.officer(),
                              json={"ended_on": "2016-03-20", "reason": "client_changed_provider"})
    assert ended.status_code == 200 and ended.json()["ended_on"] == "2016-03-20", ended.text
    second = await _purchase(h, commitment, P2, f"site:{S2}")
    assert second.status_code == 201, second.text
    assert (second.json()["provider_id"], second.json()["commitment_number"]) == (P2, commitment["number"])
    notices = await h.published("vouchers.purchase.booked")
    assert [(n.payload["provider_id"], n.payload["notification_email"]) for n in notices] == [
        (P1, f"koti@{S1}.fi"), (P2, f"koti@{S2}.fi")]
    [gone] = await h.published("vouchers.booking.ended")
    # the municipality ended it: the provider is told (notifications), unlike of an end it made itself
    assert (gone.payload["provider_id"], gone.payload["ended_on"], gone.payload["by_tenant"]) == (
        P1, "2016-03-20", True)
    listed = await h.http.get("/v1/tenants/kouvola/bookings", headers=h.officer(),
                              params={"voucher_id": commitment["id"]})
    assert listed.status_code == 200, listed.text
    # (an end set is "ended" at once, as a voucher closed from a later day is "closed")
    assert sorted((b["provider_id"], b["state"], b["ended_on"]) for b in listed.json()["items"]) == [
        (P2, "active", None), (P1, "ended", "2016-03-20")]


async def test_a_purchase_is_refused_once_the_client_has_died(h: Harness) -> None:
    client = await new_client(h)
    commitment = await new_voucher(h, client["id"], service_id=HOME_CARE, contents=HOURS)
    died = await h.http.post(f"/v1/tenants/kouvola/clients/{client['id']}/death", headers=h.officer(),
                             json={"date_of_death": "2016-03-10"})
    assert died.status_code == 200, died.text
    refused = await _purchase(h, commitment)
    assert refused.status_code == 409 and refused.json()["reason"] == "voucher_closed", refused.text
    assert await h.published("vouchers.purchase.booked") == []


async def test_a_purchase_is_refused_the_day_after_the_commitments_last_day(h: Harness) -> None:
    commitment = await _commitment(h, valid_from="2016-03-01", valid_until="2016-03-14")  # the clock: 15 March
    refused = await _purchase(h, commitment)
    assert refused.status_code == 409 and refused.json()["reason"] == "voucher_closed", refused.text


async def test_a_commitment_starting_next_month_is_booked_by_the_price_list_of_its_first_day(h: Harness) -> None:
    await approve(h, P2, HOME_CARE, [S2])
    await price_list(h, "pl-p2-may", P2, HOME_CARE, None, "2016-05-01", ["kotikaynti"])
    commitment = await _commitment(h, granted_on="2016-03-15", valid_from="2016-05-01", valid_until="2016-12-31")
    booked = await _purchase(h, commitment, P2)
    assert booked.status_code == 201, booked.text
    other = await new_client(h, identity_code="010180-9015")
    early = await _commitment(h, other, granted_on="2016-03-15", valid_from="2016-04-01", valid_until="2016-12-31")
    unpriced = await _purchase(h, early, P2)  # P2's care is priced only from May
    assert unpriced.status_code == 409 and unpriced.json()["reason"] == "no_valid_price_list", unpriced.text


async def test_a_purchase_repeated_with_its_idempotency_key_books_and_notifies_once(h: Harness) -> None:
    commitment = await _commitment(h)
    key = {"Idempotency-Key": "ostopalvelu-1"}
    first = await _purchase(h, commitment, headers=key)
    again = await _purchase(h, commitment, headers=key)
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json()["id"] == first.json()["id"]
    assert len(await h.published("vouchers.purchase.booked")) == 1
