"""A content the tenant admin ended (its `ended_from` in applications.service.defined, today 15 March 2016)
is not granted in a new voucher from its end day on; a voucher granted before keeps its row of it (the row
ends with the content: events refuses an event of it on the end day or later), and the other contents of the
service are granted as before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryTransport

from .conftest import HOUSING, Harness, new_client, new_voucher

HOIVA = {"content_id": "asuminen", "name_fi": "Hoiva", "name_sv": "Vård", "unit": "day", "client_pays": False}
SIIVOUS = {"content_id": "siivous", "name_fi": "Siivous", "name_sv": "Städning", "unit": "hour",
           "client_pays": False}
CLEANING = [{"content_id": "siivous", "granted_amount": "10", "period": "month", "voucher_value": "30.00"}]


async def _end_cleaning(h: Harness, day: str | None) -> None:
    await h.publish("applications.service.defined", {
        "service_id": HOUSING, "name_fi": "Tehostettu palveluasuminen", "name_sv": "Serviceboende",
        "kind": "voucher", "auto_recording": True, "contents": [HOIVA, {**SIIVOUS, "ended_from": day}]}, "kouvola")


async def _grant(h: Harness, client: dict[str, Any]) -> Any:
    return await h.http.post("/v1/tenants/kouvola/vouchers", headers=h.officer(), json={
        "client_id": client["id"], "service_id": HOUSING, "granted_on": "2016-03-15", "valid_from": "2016-03-15",
        "valid_until": "2016-12-31", "contents": CLEANING})


async def test_a_new_voucher_cannot_grant_a_content_ended_today(h: Harness) -> None:
    client = await new_client(h)
    earlier = await new_voucher(h, client["id"], contents=CLEANING)  # granted before the end
    await _end_cleaning(h, "2016-03-15")
    refused = await _grant(h, client)
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem+json")
    [error] = refused.json()["errors"]
    assert error["field"] == "contents.0.content_id" and "2016-03-15" in error["reason"]
    voucher = (await h.http.get(f"/v1/tenants/kouvola/vouchers/{earlier['id']}", headers=h.officer())).json()
    assert [c["content_id"] for c in voucher["contents"]] == ["siivous"]  # the earlier voucher keeps its row
    assert (await new_voucher(h, client["id"]))["contents"][0]["content_id"] == "asuminen"  # the others go on


async def test_a_content_that_goes_on_again_is_granted(h: Harness) -> None:
    client = await new_client(h)
    await _end_cleaning(h, None)
    assert (await _grant(h, client)).status_code == 201


async def test_a_content_ended_is_not_booked_on_an_earlier_voucher(h: Harness) -> None:
    # The earlier voucher keeps its row of the ended content, but no care of it can be recorded from the end day:
    # a provider booking it now is told why (it was booked, a booking nothing could be recorded on), and sees it.
    from .conftest import P1, price_list

    await price_list(h, "pl-cleaning", P1, HOUSING, None, "2016-02-01", ["asuminen", "siivous"])
    earlier = await new_voucher(h, (await new_client(h))["id"], contents=CLEANING)
    await _end_cleaning(h, "2016-03-15")
    view = (await h.http.get(f"/v1/tenants/kouvola/vouchers/by-number/{earlier['number']}",
                             headers=h.provider())).json()
    assert [(c["bookable"], c["refusal"]) for c in view["contents"]] == [(False, "content_ended")]
    refused = await h.http.post("/v1/tenants/kouvola/bookings", headers=h.provider(), json={
        "voucher_number": earlier["number"], "voucher_content_id": earlier["contents"][0]["id"], "accept_terms": True})
    assert refused.status_code == 409 and refused.json()["reason"] == "content_ended", refused.text
    assert "2016-03-15" in refused.json()["detail"]
    # ended from a later day: booked as before (care is recorded until then)
    await _end_cleaning(h, "2016-04-01")
    booked = await h.http.post("/v1/tenants/kouvola/bookings", headers=h.provider(), json={
        "voucher_number": earlier["number"], "voucher_content_id": earlier["contents"][0]["id"], "accept_terms": True})
    assert booked.status_code == 201, booked.text


async def test_an_older_definition_heard_after_the_end_does_not_grant_the_content_again(h: Harness) -> None:
    """The admin ended the content right after another change of the service; the earlier definition was
    retried and heard last."""
    client = await new_client(h)
    ended_at = datetime.now(UTC) + timedelta(minutes=1)
    for day, at in (("2016-03-15", ended_at), (None, ended_at - timedelta(seconds=20))):
        envelope = Envelope(type="applications.service.defined", tenant_id="kouvola", occurred_at=at, payload={
            "service_id": HOUSING, "name_fi": "Tehostettu palveluasuminen", "name_sv": "Serviceboende",
            "kind": "voucher", "auto_recording": True, "contents": [HOIVA, {**SIIVOUS, "ended_from": day}]})
        await InMemoryTransport(h.broker).publish(envelope, {}, timeout=1)
        await h.broker.drain()
    refused = await _grant(h, client)
    assert refused.status_code == 422, refused.text
