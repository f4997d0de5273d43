"""Clients, granting, the provider's view by number, booking and its refusals, a retried grant, the OpenAPI examples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from seteli_common.auth import Role
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryTransport
from seteli_common.validators import validate_finnish_reference

from .conftest import HOME_CARE, HOUSING, P1, P2, S1, S2, Harness, approve, hetu, new_client, new_voucher, price_list


async def test_client_registered_with_validated_identity_code_unique_per_tenant(h: Harness) -> None:
    client = await new_client(h)
    assert "identity_code" not in client and client["first_name"] == "Aino"
    again = await h.http.post(
        "/v1/tenants/kouvola/clients",
        json={"first_name": "A", "last_name": "B", "identity_code": "010180-9026", "language": "fi"},
        headers=h.officer(),
    )
    assert again.status_code == 409
    assert "010180-9026" not in again.text
    await new_client(h, tenant="lahti")  # the same person may be a client of another tenant
    bad = await h.http.post(
        "/v1/tenants/kouvola/clients",
        json={"first_name": "A", "last_name": "B", "identity_code": "010180-9027", "language": "fi"},
        headers=h.officer(),
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["identity_code"]
    assert "010180-9027" not in bad.text


async def test_2023_century_signs_are_accepted_and_the_sign_is_part_of_the_identity(h: Harness) -> None:
    dash, y = hetu("100190", "-", "999"), hetu("100190", "Y", "999")
    assert dash[:6] == y[:6] and dash != y
    await new_client(h, identity_code=dash)
    await new_client(h, identity_code=y)  # a different person, not a duplicate
    await new_client(h, identity_code=hetu("010203", "A", "902"))
    listing = await h.http.get("/v1/tenants/kouvola/clients", headers=h.officer())
    assert listing.json()["total"] == 3
    assert all("identity_code" not in item for item in listing.json()["items"])


async def test_grant_gives_checked_number_code_and_publishes_without_personal_data(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    assert voucher["state"] == "granted" and len(voucher["verification_code"]) == 8
    assert validate_finnish_reference(voucher["number"]) == voucher["number"]
    assert voucher["contents"][0]["granted_amount"] == "31.00"
    assert voucher["contents"][0]["voucher_value"] == "140.00"
    [event] = await h.published("vouchers.voucher.granted")
    p = event.payload
    assert p["voucher_id"] == voucher["id"] and p["client_id"] == client["id"] and p["number"] == voucher["number"]
    assert p["contents"][0]["voucher_content_id"] == voucher["contents"][0]["id"]
    assert p["contents"][0]["unit"] == "day" and p["contents"][0]["period"] == "month"
    raw = event.model_dump_json()
    assert "Virtanen" not in raw and "010180-9026" not in raw and voucher["verification_code"] not in raw


async def test_grant_refuses_unknown_content_and_a_voucher_value_on_a_client_pays_content(h: Harness) -> None:
    client = await new_client(h)
    response = await h.http.post(
        "/v1/tenants/kouvola/vouchers",
        headers=h.officer(),
        json={
            "client_id": client["id"],
            "service_id": HOUSING,
            "granted_on": "2016-03-01",
            "valid_from": "2016-03-01",
            "valid_until": "2016-02-01",
            "contents": [
                {"content_id": "ateriat", "granted_amount": "31", "period": "balance", "voucher_value": "5.00"},
                {"content_id": "nope", "granted_amount": "1", "period": "week", "voucher_value": "5.00"},
            ],
        },
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"valid_until", "contents.0.voucher_value", "contents.0.period", "contents.1.content_id"}
    assert (await h.http.get(f"/v1/tenants/kouvola/clients/{client['id']}/vouchers", headers=h.officer())).json()[
        "total"
    ] == 0


async def test_a_purchased_service_is_granted_without_a_voucher_value(h: Harness) -> None:
    """A purchased service has no voucher value: the tenant pays the price (the decision says so). A value given
    would be printed on the client's decision and shown to the provider, yet never used: it is refused."""
    client = await new_client(h)
    body = {"client_id": client["id"], "service_id": HOME_CARE, "granted_on": "2016-03-01",
            "valid_from": "2016-03-01", "valid_until": "2016-12-31",
            "contents": [{"content_id": "kotikaynti", "granted_amount": "10", "period": "week",
                          "voucher_value": "25.00"}]}
    response = await h.http.post("/v1/tenants/kouvola/vouchers", headers=h.officer(), json=body)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["contents.0.voucher_value"]
    assert (await h.http.get(f"/v1/tenants/kouvola/clients/{client['id']}/vouchers", headers=h.officer())).json()[
        "total"
    ] == 0
    del body["contents"][0]["voucher_value"]
    granted = await h.http.post("/v1/tenants/kouvola/vouchers", headers=h.officer(), json=body)
    assert granted.status_code == 201 and granted.json()["contents"][0]["voucher_value"] is None


async def test_a_client_pays_content_is_granted_without_a_voucher_value_and_booked(h: Harness) -> None:
    """Issue 16/8: meals the client pays are listed on the voucher (no voucher value) so that the provider
    books and records them; they never use the voucher up."""
    await price_list(h, "pl-meals", P1, HOUSING, None, "2016-01-01", ["asuminen", "ateriat"])
    client = await new_client(h)
    voucher = await new_voucher(
        h,
        client["id"],
        contents=[
            {"content_id": "asuminen", "granted_amount": "31", "period": "month", "voucher_value": "140.00"},
            {"content_id": "ateriat", "granted_amount": "31", "period": "month"},
        ],
    )
    listed = {c["content_id"]: c for c in voucher["contents"]}
    assert listed["ateriat"]["voucher_value"] is None and listed["ateriat"]["client_pays"] is True
    assert listed["asuminen"]["voucher_value"] == "140.00" and listed["asuminen"]["client_pays"] is False
    [event] = await h.published("vouchers.voucher.granted")
    assert {c["content_id"]: c["voucher_value"] for c in event.payload["contents"]} == {
        "asuminen": "140.00",
        "ateriat": None,
    }
    view = await h.http.get(f"/v1/tenants/kouvola/vouchers/by-number/{voucher['number']}", headers=h.provider())
    meals = next(c for c in view.json()["contents"] if c["content_id"] == "ateriat")
    assert meals["bookable"] is True and meals["client_pays"] is True
    booking = await h.http.post(
        "/v1/tenants/kouvola/bookings",
        headers=h.provider(),
        json={"voucher_number": voucher["number"], "voucher_content_id": meals["id"], "accept_terms": True},
    )
    assert booking.status_code == 201, booking.text


async def test_provider_sees_voucher_by_number_and_books_one_content(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(
        h,
        client["id"],
        contents=[
            {"content_id": "asuminen", "granted_amount": "31", "period": "month", "voucher_value": "140.00"},
            {"content_id": "siivous", "granted_amount": "4", "period": "week", "voucher_value": "30.00"},
        ],
    )
    view = await h.http.get(f"/v1/tenants/kouvola/vouchers/by-number/{voucher['number']}", headers=h.provider())
    assert view.status_code == 200, view.text
    body = view.json()
    assert body["client"] == {"first_name": "Aino", "last_name": "Virtanen"}
    assert "verification_code" not in body and "identity_code" not in view.text
    bookable = {c["content_id"]: c["refusal"] for c in body["contents"]}
    assert bookable == {"asuminen": None, "siivous": "no_valid_price_list"}
    assert body["producer_parts"] == [f"site:{S1}"]
    content_id = next(c["id"] for c in body["contents"] if c["content_id"] == "asuminen")
    booking = await h.http.post(
        "/v1/tenants/kouvola/bookings",
        headers=h.provider(),
        json={
            "voucher_number": voucher["number"],
            "voucher_content_id": content_id,
            "producer_part": f"site:{S1}",
            "accept_terms": True,
            "info": "Muuttaa 1.4.",
        },
    )
    assert booking.status_code == 201, booking.text
    [made] = await h.published("vouchers.booking.made")
    assert made.payload == {
        "booking_id": booking.json()["id"],
        "voucher_id": voucher["id"],
        "voucher_content_id": content_id,
        "service_id": HOUSING,
        "content_id": "asuminen",
        "provider_id": P1,
        "producer_part": f"site:{S1}",
        "client_id": client["id"],
        "client_ref": client["reference"],
        "kind": "voucher",
    }


async def test_booking_with_provider_client_number_uses_it_as_client_ref(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    booking = await h.http.post(
        "/v1/tenants/kouvola/bookings",
        headers=h.provider(),
        json={
            "voucher_number": voucher["number"],
            "voucher_content_id": voucher["contents"][0]["id"],
            "accept_terms": True,
            "client_number": "PS-1001",
        },
    )
    assert booking.status_code == 201, booking.text
    assert booking.json()["client_ref"] == "PS-1001" and booking.json()["producer_part"] is None
    [made] = await h.published("vouchers.booking.made")
    assert made.payload["client_ref"] == "PS-1001"


async def test_a_client_number_that_could_be_a_spreadsheet_formula_is_refused_naming_the_field(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    body = {
        "voucher_number": voucher["number"],
        "voucher_content_id": voucher["contents"][0]["id"],
        "accept_terms": True,
    }
    for number in ('=HYPERLINK("http://evil.example","Open")', "@SUM(A1)", "+358", "-1", "A\tB", "\u200bA"):
        refused = await h.http.post(
            "/v1/tenants/kouvola/bookings", headers=h.provider(), json={**body, "client_number": number}
        )
        assert refused.status_code == 422, (number, refused.text)
        assert [e["field"] for e in refused.json()["errors"]] == ["client_number"]
        assert "letters, digits" in refused.json()["errors"][0]["reason"]
    assert (await h.http.get("/v1/tenants/kouvola/bookings", headers=h.provider())).json()["total"] == 0
    assert await h.published("vouchers.booking.made") == []
    booked = await h.http.post(
        "/v1/tenants/kouvola/bookings", headers=h.provider(), json={**body, "client_number": "Äijälä 12/B-3"}
    )
    assert booked.status_code == 201 and booked.json()["client_ref"] == "Äijälä 12/B-3"
    url = f"/v1/tenants/kouvola/provider-clients/{client['id']}/client-number"
    renumber = await h.http.put(url, json={"client_number": "=1+1"}, headers=h.provider())
    assert renumber.status_code == 422 and renumber.json()["errors"][0]["field"] == "client_number"
    shown = await h.http.get(f"/v1/tenants/kouvola/provider-clients/{client['id']}", headers=h.provider())
    assert shown.json()["client_number"] == "Äijälä 12/B-3"


async def _book(h: Harness, number: str, content_id: str, provider: str = P1, **extra: object) -> object:
    return await h.http.post(
        "/v1/tenants/kouvola/bookings",
        headers=h.provider(provider),
        json={"voucher_number": number, "voucher_content_id": content_id, "accept_terms": True, **extra},
    )


async def test_booking_refused_when_voucher_unknown(h: Harness) -> None:
    response = await _book(h, "12345678903", "x")
    assert response.status_code == 404  # type: ignore[attr-defined]
    assert response.json()["reason"] == "voucher_unknown"  # type: ignore[attr-defined]


async def test_booking_refused_when_voucher_closed(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    closed = await h.http.post(
        f"/v1/tenants/kouvola/vouchers/{voucher['id']}/close",
        headers=h.officer(),
        json={"reason": "Muutti toiselle paikkakunnalle"},
    )
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    response = await _book(h, voucher["number"], voucher["contents"][0]["id"])
    assert response.status_code == 409  # type: ignore[attr-defined]
    assert response.json()["reason"] == "voucher_closed"  # type: ignore[attr-defined]


async def test_booking_refused_without_approved_application(h: Harness) -> None:
    """A company the municipality approved for nothing is refused before the number is looked up: the same
    answer for a voucher that exists and one that doesn't. One approved for another service of the municipality
    is told that the voucher's service is not among its approvals."""
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    response = await _book(h, voucher["number"], voucher["contents"][0]["id"], provider=P2)
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert response.json()["reason"] == "not_approved_by_tenant"  # type: ignore[attr-defined]
    assert "Virtanen" not in response.text  # type: ignore[attr-defined]
    no_such = await _book(h, "1000000000" + voucher["number"][-1], voucher["contents"][0]["id"], provider=P2)
    assert (no_such.status_code, no_such.json()["reason"]) == (403, "not_approved_by_tenant")  # type: ignore[attr-defined]

    await approve(h, P2, HOME_CARE, [S2])  # approved for the purchased home care, not for the voucher's housing
    response = await _book(h, voucher["number"], voucher["contents"][0]["id"], provider=P2)
    assert response.status_code == 409  # type: ignore[attr-defined]
    assert response.json()["reason"] == "no_approved_application"  # type: ignore[attr-defined]
    assert "Virtanen" not in response.text  # type: ignore[attr-defined]


async def test_booking_refused_without_valid_price_list(h: Harness) -> None:
    await approve(h, P2, HOUSING, [])
    await price_list(h, "pl-future", P2, HOUSING, None, "2016-04-01", ["asuminen"])  # not valid yet
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    response = await _book(h, voucher["number"], voucher["contents"][0]["id"], provider=P2)
    assert response.status_code == 409  # type: ignore[attr-defined]
    assert response.json()["reason"] == "no_valid_price_list"  # type: ignore[attr-defined]
    h.clock.set(h.clock.now().replace(month=4, day=1))
    assert (await _book(h, voucher["number"], voucher["contents"][0]["id"], provider=P2)).status_code == 201  # type: ignore[attr-defined]


async def test_a_voucher_starting_next_month_is_booked_by_the_price_list_starting_with_it(h: Harness) -> None:
    """Granted on 15 March, valid from 1 April; the provider's first price list starts on 1 April too. The
    provider books it now: the price list is valid for the whole of the voucher's validity."""
    await approve(h, P2, HOUSING, [])
    await price_list(h, "pl-april", P2, HOUSING, None, "2016-04-01", ["asuminen"])
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"], granted_on="2016-03-15", valid_from="2016-04-01")
    response = await _book(h, voucher["number"], voucher["contents"][0]["id"], provider=P2)
    assert response.status_code == 201, response.text  # type: ignore[attr-defined]


async def test_booking_refused_when_content_already_booked(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    await approve(h, P2, HOUSING, [])
    await price_list(h, "pl-p2", P2, HOUSING, None, "2016-01-01", ["asuminen"])
    assert (await _book(h, voucher["number"], voucher["contents"][0]["id"])).status_code == 201  # type: ignore
    for provider in (P1, P2):
        again = await _book(h, voucher["number"], voucher["contents"][0]["id"], provider=provider)
        assert again.status_code == 409  # type: ignore[attr-defined]
        assert again.json()["reason"] == "content_already_booked"  # type: ignore[attr-defined]
    assert len(await h.published("vouchers.booking.made")) == 1


async def test_booking_needs_terms_and_an_approved_producer_part(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    content = voucher["contents"][0]["id"]
    no_terms = await _book(h, voucher["number"], content, accept_terms=False)
    assert no_terms.json()["reason"] == "terms_not_accepted"  # type: ignore[attr-defined]
    other_site = await _book(h, voucher["number"], content, producer_part="site:site-hoiva-1")
    assert other_site.json()["reason"] == "producer_part_unknown"  # type: ignore[attr-defined]


async def test_retried_grant_with_the_same_idempotency_key_grants_once(h: Harness) -> None:
    client = await new_client(h)
    body = {
        "client_id": client["id"],
        "service_id": HOUSING,
        "granted_on": "2016-03-01",
        "valid_from": "2016-03-01",
        "valid_until": "2016-12-31",
        "contents": [{"content_id": "asuminen", "granted_amount": "31", "period": "month", "voucher_value": "140.00"}],
    }
    headers = {**h.officer(), "Idempotency-Key": "grant-42"}
    first = await h.http.post("/v1/tenants/kouvola/vouchers", json=body, headers=headers)
    again = await h.http.post("/v1/tenants/kouvola/vouchers", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    other = await h.http.post(
        "/v1/tenants/kouvola/vouchers", json={**body, "valid_until": "2016-11-30"}, headers=headers
    )
    assert other.status_code == 422
    listing = await h.http.get(f"/v1/tenants/kouvola/clients/{client['id']}/vouchers", headers=h.officer())
    assert listing.json()["total"] == 1
    assert len(await h.published("vouchers.voucher.granted")) == 1


async def test_openapi_documents_the_endpoints_with_examples(h: Harness) -> None:
    schema = (await h.http.get("/openapi.json")).json()
    paths = schema["paths"]
    for path in (
        "/v1/tenants/{tenant_id}/clients",
        "/v1/tenants/{tenant_id}/vouchers",
        "/v1/tenants/{tenant_id}/bookings",
        "/v1/tenants/{tenant_id}/vouchers/by-number/{number}",
        "/v1/tenants/{tenant_id}/vouchers/lookup",
        "/v1/tenants/{tenant_id}/purchases",
    ):
        assert path in paths, path
    assert schema["components"]["schemas"]["VoucherIn"]["examples"][0]["contents"][0]["voucher_value"] == "140.00"
    assert not any("identity_code" in p for p in paths)


async def test_the_client_sees_the_providers_who_care_for_them_once_each_and_no_one_else_does(h: Harness) -> None:
    """Whom a resident can give feedback about (004 §4.4: a provider the client has a relationship with):
    their own providers by name, each once, an ended booking's too; nobody else's list."""
    client = await new_client(h)
    for valid_from, valid_until in (("2016-03-01", "2016-06-30"), ("2016-07-01", "2016-12-31")):  # two vouchers
        voucher = await new_voucher(h, client["id"], valid_from=valid_from, valid_until=valid_until)
        booked = await _book(h, voucher["number"], voucher["contents"][0]["id"])
        assert booked.status_code == 201, booked.text  # type: ignore[attr-defined]
    other = await new_client(h, identity_code=hetu("020280", "-", "123"), first_name="Bertil")
    theirs = await new_voucher(h, other["id"])
    assert (await _book(h, theirs["number"], theirs["contents"][0]["id"])).status_code == 201  # type: ignore[attr-defined]
    url = f"/v1/tenants/kouvola/clients/{client['id']}/providers"
    own = h.token_for(Role.CLIENT, subject="citizen", client_id=client["id"], tenant_id="kouvola")
    listed = await h.http.get(url, headers=own)
    assert listed.status_code == 200, listed.text
    assert listed.json() == {"items": [{"id": P1, "name": "Päivänsäde Oy"}], "total": 1}
    assert (await h.http.get(url, headers=h.officer())).json()["total"] == 1
    someone_else = h.token_for(Role.CLIENT, subject="x", client_id=other["id"], tenant_id="kouvola")
    assert (await h.http.get(url, headers=someone_else)).status_code == 404
    assert (await h.http.get(url, headers=h.provider())).status_code == 403
    log = (await h.http.get(f"/v1/tenants/kouvola/clients/{client['id']}/access-log", headers=own)).json()
    assert "client.providers" in [r["what"] for r in log["items"]]


async def _rename(h: Harness, name: str, at: datetime) -> None:
    envelope = Envelope(type="registry.provider.renamed", tenant_id=None, occurred_at=at,
                        payload={"provider_id": P1, "name": name})
    await InMemoryTransport(h.broker).publish(envelope, {}, timeout=1)
    await h.broker.drain()


async def test_a_renamed_company_is_named_by_its_new_name_and_a_late_older_fact_does_not_undo_it(h: Harness) -> None:
    """The client's list of their providers (and the bookings) name the company as it is named now: vouchers
    hears the rename; an older rename or the registration heard late leaves the newest name."""
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    assert (await _book(h, voucher["number"], voucher["contents"][0]["id"])).status_code == 201  # type: ignore[attr-defined]
    url = f"/v1/tenants/kouvola/clients/{client['id']}/providers"
    now = datetime.now(UTC)
    await _rename(h, "Päivänsäde Hoiva Oy", now + timedelta(minutes=1))
    assert (await h.http.get(url, headers=h.officer())).json()["items"][0]["name"] == "Päivänsäde Hoiva Oy"
    await _rename(h, "Vanha Nimi Oy", now - timedelta(days=30))  # an older rename, heard late
    registered_again = Envelope(type="registry.provider.registered", tenant_id=None, occurred_at=now, payload={
        "provider_id": P1, "business_id": "7019376-8", "name": "Päivänsäde Oy", "language": "fi",
        "email": "info@paivansade.fi", "sites": [{"site_id": S1, "name": "Päivänsäde koti"}]})
    await InMemoryTransport(h.broker).publish(registered_again, {}, timeout=1)  # a redelivered registration
    await h.broker.drain()
    assert (await h.http.get(url, headers=h.officer())).json()["items"][0]["name"] == "Päivänsäde Hoiva Oy"


async def test_a_client_number_given_after_the_booking_is_announced_with_the_names_it_replaces(h: Harness) -> None:
    """Events and settlement learn the number (vouchers.client_number.changed) and what the provider knew the
    client by before it: the internal reference, then the earlier number; the same number again says nothing."""
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    booked = await h.http.post("/v1/tenants/kouvola/bookings", headers=h.provider(), json={
        "voucher_number": voucher["number"], "voucher_content_id": voucher["contents"][0]["id"],
        "accept_terms": True})
    assert booked.status_code == 201 and booked.json()["client_ref"] == client["reference"]
    assert await h.published("vouchers.client_number.changed") == []
    url = f"/v1/tenants/kouvola/provider-clients/{client['id']}/client-number"
    for number in ("K-1", "K-2", "K-2"):
        assert (await h.http.put(url, json={"client_number": number}, headers=h.provider())).status_code == 200
    announced = [e.payload for e in await h.published("vouchers.client_number.changed")]
    assert [(p["client_id"], p["client_ref"], p["previous_refs"]) for p in announced] == [
        (client["id"], "K-1", [client["reference"]]), (client["id"], "K-2", [client["reference"], "K-1"])]
