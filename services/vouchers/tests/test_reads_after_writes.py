"""Reads after writes across services (issue 22) in vouchers: a booking answers its consistency token, and a
booking that follows an approval or a price list applications answered a moment ago (named in
`Seteli-After`) is told "not yet known here" rather than refused, until the fact has arrived."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from seteli_common.consistency import AFTER_HEADER, CONSISTENCY_HEADER, Token, header_value, parse_tokens
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryTransport

from .conftest import HOUSING, P2, S2, Harness, new_client, new_voucher

NOT_YET_KNOWN = "https://seteli.fi/problems/not-yet-known"


def _after(h: Harness, *envelopes: Envelope) -> dict[str, str]:
    tokens = [t for t in (Token.of(e) for e in envelopes) if t is not None]
    return {**h.provider(P2), AFTER_HEADER: header_value(tokens)}


async def _deliver(h: Harness, envelope: Envelope) -> None:
    await InMemoryTransport(h.broker).publish(envelope, {}, timeout=1)
    await h.broker.drain()


async def test_a_booking_waits_for_the_approval_and_the_price_list_it_follows(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    body: dict[str, Any] = {"voucher_number": voucher["number"], "voucher_content_id": voucher["contents"][0]["id"],
                            "accept_terms": True}
    approved = Envelope(type="applications.application.approved", tenant_id="kouvola", payload={
        "application_id": f"app-{P2}-{HOUSING}", "service_id": HOUSING, "provider_id": P2, "site_ids": [S2]})
    priced = Envelope(type="applications.pricelist.approved", tenant_id="kouvola", payload={
        "price_list_id": "pl-p2", "service_id": HOUSING, "provider_id": P2, "producer_part": None, "name": "pl-p2",
        "start": "2016-01-01", "prices": [{"content_id": "asuminen", "unit_price": "150.00"}]})

    refused = await h.http.post("/v1/tenants/kouvola/bookings", headers=h.provider(P2), json=body)
    assert refused.status_code == 403 and refused.json()["reason"] == "not_approved_by_tenant"  # as before

    early = await h.http.post("/v1/tenants/kouvola/bookings", headers=_after(h, approved, priced), json=body)
    assert early.status_code == 409, early.text
    assert early.json()["type"] == NOT_YET_KNOWN and early.json()["reason"] == "application_not_known_yet"
    assert early.headers["retry-after"] == "1"

    await _deliver(h, approved)
    no_list = await h.http.post("/v1/tenants/kouvola/bookings", headers=_after(h, approved, priced), json=body)
    assert no_list.status_code == 409 and no_list.json()["reason"] == "price_list_not_known_yet", no_list.text
    without = await h.http.post("/v1/tenants/kouvola/bookings", headers=h.provider(P2), json=body)
    assert without.status_code == 409 and without.json()["reason"] == "no_valid_price_list"  # as before

    await _deliver(h, priced)
    booked = await h.http.post("/v1/tenants/kouvola/bookings", headers=_after(h, approved, priced), json=body)
    assert booked.status_code == 201, booked.text
    tokens = parse_tokens(booked.headers[CONSISTENCY_HEADER])  # what to send to events with the first entry
    [made] = await h.published("vouchers.booking.made")
    assert ("vouchers.booking.made", "kouvola", str(made.event_id)) in {
        (t.event_type, t.tenant_id, t.event_id) for t in tokens}


async def test_another_tenants_token_is_not_honoured(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    elsewhere = Envelope(type="applications.application.approved", tenant_id="lahti", payload={
        "application_id": "app-x", "service_id": HOUSING, "provider_id": P2, "site_ids": [S2]})
    response = await h.http.post("/v1/tenants/kouvola/bookings", headers=_after(h, elsewhere), json={
        "voucher_number": voucher["number"], "voucher_content_id": voucher["contents"][0]["id"],
        "accept_terms": True})
    assert response.status_code == 403 and response.json()["reason"] == "not_approved_by_tenant"


async def test_a_booking_at_a_site_of_a_change_on_its_way_waits_for_the_change(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    first = Envelope(type="applications.application.approved", tenant_id="kouvola", payload={
        "application_id": f"app-{P2}-{HOUSING}", "service_id": HOUSING, "provider_id": P2, "site_ids": [S2]})
    priced = Envelope(type="applications.pricelist.approved", tenant_id="kouvola", payload={
        "price_list_id": "pl-p2", "service_id": HOUSING, "provider_id": P2, "producer_part": None, "name": "pl-p2",
        "start": "2016-01-01", "prices": [{"content_id": "asuminen", "unit_price": "150.00"}]})
    await _deliver(h, first)
    await _deliver(h, priced)
    changed = Envelope(type="applications.application.approved", tenant_id="kouvola", payload={
        "application_id": f"app-{P2}-{HOUSING}", "service_id": HOUSING, "provider_id": P2,
        "site_ids": [S2, "s-uusi"]})
    body: dict[str, Any] = {"voucher_number": voucher["number"], "voucher_content_id": voucher["contents"][0]["id"],
                            "accept_terms": True, "producer_part": "site:s-uusi"}

    early = await h.http.post("/v1/tenants/kouvola/bookings", headers=_after(h, changed), json=body)
    assert early.status_code == 409 and early.json()["reason"] == "application_not_known_yet", early.text
    assert early.json()["type"] == NOT_YET_KNOWN and early.headers["retry-after"] == "1"
    without = await h.http.post("/v1/tenants/kouvola/bookings", headers=h.provider(P2), json=body)
    assert without.status_code == 422 and "producer_part_unknown" in without.text  # as before

    await _deliver(h, changed)
    booked = await h.http.post("/v1/tenants/kouvola/bookings", headers=_after(h, changed), json=body)
    assert booked.status_code == 201 and booked.json()["producer_part"] == "site:s-uusi", booked.text


async def test_an_older_approval_heard_after_a_change_leaves_the_changes_sites(h: Harness) -> None:
    """The application and at once a change adding a site were approved; the first approval was retried and
    arrived last: the site the change added is still approved."""
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    approved_at = datetime.now(UTC)
    first = Envelope(type="applications.application.approved", tenant_id="kouvola", occurred_at=approved_at,
                     payload={"application_id": f"app-{P2}-{HOUSING}", "service_id": HOUSING, "provider_id": P2,
                              "site_ids": [S2]})
    changed = Envelope(type="applications.application.approved", tenant_id="kouvola",
                       occurred_at=approved_at + timedelta(seconds=20), payload={
                           "application_id": f"app-{P2}-{HOUSING}", "service_id": HOUSING, "provider_id": P2,
                           "site_ids": [S2, "s-uusi"]})
    priced = Envelope(type="applications.pricelist.approved", tenant_id="kouvola", payload={
        "price_list_id": "pl-p2", "service_id": HOUSING, "provider_id": P2, "producer_part": None, "name": "pl-p2",
        "start": "2016-01-01", "prices": [{"content_id": "asuminen", "unit_price": "150.00"}]})
    for envelope in (changed, priced, first):
        await _deliver(h, envelope)
    booked = await h.http.post("/v1/tenants/kouvola/bookings", headers=h.provider(P2), json={
        "voucher_number": voucher["number"], "voucher_content_id": voucher["contents"][0]["id"],
        "accept_terms": True, "producer_part": "site:s-uusi"})
    assert booked.status_code == 201, booked.text


async def test_a_voucher_of_a_service_on_its_way_waits_for_the_service(h: Harness) -> None:
    client = await new_client(h)
    defined = Envelope(type="applications.service.defined", tenant_id="kouvola", payload={
        "service_id": "siivous", "name_fi": "Kotisiivous", "name_sv": "Hemstädning", "kind": "voucher",
        "auto_recording": False, "contents": [{"content_id": "siivous", "name_fi": "Siivous", "name_sv": "Städning",
                                                "unit": "hour", "client_pays": False}]})
    body = {"client_id": client["id"], "service_id": "siivous", "granted_on": "2016-03-01",
            "valid_from": "2016-03-01", "valid_until": "2016-12-31",
            "contents": [{"content_id": "siivous", "granted_amount": "4", "period": "week", "voucher_value": "30.00"}]}
    officer_after = {**h.officer(), AFTER_HEADER: _after(h, defined)[AFTER_HEADER]}

    early = await h.http.post("/v1/tenants/kouvola/vouchers", headers=officer_after, json=body)
    assert early.status_code == 409, early.text
    assert early.json()["type"] == NOT_YET_KNOWN and early.json()["reason"] == "service_not_known_yet"
    assert early.headers["retry-after"] == "1"
    without = await h.http.post("/v1/tenants/kouvola/vouchers", headers=h.officer(), json=body)
    assert without.status_code == 422 and "unknown service" in without.text  # as before

    await _deliver(h, defined)
    granted = await h.http.post("/v1/tenants/kouvola/vouchers", headers=officer_after, json=body)
    assert granted.status_code == 201, granted.text
    # a content the service does not have stays "not a content of this service", token or not
    other = {**body, "contents": [{**body["contents"][0], "content_id": "ikkunat"}]}
    wrong = await h.http.post("/v1/tenants/kouvola/vouchers", headers=officer_after, json=other)
    assert wrong.status_code == 422 and "not a content of this service" in wrong.text
