"""Voucher look-up, the access log, the provider's client visibility and tenant/provider isolation."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from alembic import command
from seteli_common.auth import Role
from seteli_common.migrations import alembic_config
from seteli_common.pseudonym import person_pseudonym
from seteli_vouchers.bootstrap import MIGRATIONS
from sqlalchemy import select, update

from .conftest import HOUSING, P1, P2, PSEUDONYM_KEY, Harness, approve, new_client, new_voucher, price_list
from .test_lifecycle import charge


async def test_lookup_with_right_code_shows_details_and_amount_left(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    await charge(h, voucher, units="4", amount="560.00")
    printed = voucher["printable_number"]
    response = await h.http.post(
        "/v1/tenants/kouvola/vouchers/lookup",
        json={"number": printed, "verification_code": voucher["verification_code"].lower()},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["number"] == voucher["number"] and body["state"] == "open"
    assert body["contents"][0]["amount_left"] == "27.00"
    assert "verification_code" not in body or body["verification_code"] is None
    assert body.get("client_id") is None and "Virtanen" not in response.text


async def test_wrong_code_answers_exactly_like_an_unknown_number(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    wrong = await h.http.post(
        "/v1/tenants/kouvola/vouchers/lookup",
        json={"number": voucher["number"], "verification_code": "AAAAAAAA"},
    )
    unknown = await h.http.post(
        "/v1/tenants/kouvola/vouchers/lookup", json={"number": "12345678903", "verification_code": "AAAAAAAA"}
    )
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()
    other_tenant = await h.http.post(
        "/v1/tenants/lahti/vouchers/lookup",
        json={"number": voucher["number"], "verification_code": voucher["verification_code"]},
    )
    assert other_tenant.status_code == 404


async def test_lookups_are_rate_limited_per_number_and_the_limit_passes(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    for code in ("AAAAAAAA", "BBBBBBBB", "CCCCCCCC", "DDDDDDDD", "EEEEEEEE"):
        wrong = await h.http.post(
            "/v1/tenants/kouvola/vouchers/lookup",
            json={"number": voucher["number"], "verification_code": code},
        )
        assert wrong.status_code == 404
    right = {"number": voucher["number"], "verification_code": voucher["verification_code"]}
    throttled = await h.http.post("/v1/tenants/kouvola/vouchers/lookup", json=right)
    assert throttled.status_code == 429 and "retry-after" in throttled.headers
    h.clock.advance(timedelta(minutes=16))
    assert (await h.http.post("/v1/tenants/kouvola/vouchers/lookup", json=right)).status_code == 200


async def test_lookups_are_rate_limited_per_caller_across_numbers(h: Harness) -> None:
    h.runtime.settings.lookup_max_attempts_per_source = 8  # type: ignore[attr-defined]
    statuses = []
    for i in range(10):
        response = await h.http.post(
            "/v1/tenants/kouvola/vouchers/lookup",
            json={"number": f"10000000{i:02d}", "verification_code": "AAAAAAAA"},
        )
        statuses.append(response.status_code)
    assert statuses == [404] * 8 + [429] * 2


async def test_every_read_is_logged_and_listed_for_the_right_to_know(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    base = f"/v1/tenants/kouvola/clients/{client['id']}"
    await h.http.get(base, headers={**h.officer(subject="officer-2"), "x-purpose": "decision on appeal"})
    await h.http.get(f"/v1/tenants/kouvola/vouchers/by-number/{voucher['number']}", headers=h.provider())
    await h.http.post("/v1/tenants/kouvola/clients/search", json={"identity_code": "010180-9026"}, headers=h.officer())
    own = h.token_for(Role.CLIENT, subject="citizen", client_id=client["id"], tenant_id="kouvola")
    log = await h.http.get(f"{base}/access-log", headers=own)
    assert log.status_code == 200, log.text
    rows = log.json()["items"]
    assert [(r["actor"], r["actor_org"], r["what"], r["why"]) for r in rows] == [  # newest first
        ("officer-1", "kouvola", "client.by_identity_code", "client search"),
        (f"user-{P1}", P1, "voucher.by_number", "booking"),
        ("officer-2", "kouvola", "client.details", "decision on appeal"),
    ]
    someone_else = h.token_for(Role.CLIENT, subject="x", client_id="another", tenant_id="kouvola")
    assert (await h.http.get(f"{base}/access-log", headers=someone_else)).status_code == 404
    assert (await h.http.get(f"{base}/access-log", headers=h.provider())).status_code == 404


async def test_concurrent_reads_lose_no_access_log_row(h: Harness) -> None:
    client = await new_client(h)
    url = f"/v1/tenants/kouvola/clients/{client['id']}"
    responses = await asyncio.gather(*(h.http.get(url, headers=h.officer(subject=f"officer-{i}")) for i in range(25)))
    assert all(r.status_code == 200 for r in responses)
    log = await h.http.get(f"{url}/access-log?limit=100", headers=h.officer())
    assert log.json()["total"] == 25
    assert {r["actor"] for r in log.json()["items"]} == {f"officer-{i}" for i in range(25)}


async def test_identity_code_in_a_url_is_never_needed(h: Harness) -> None:
    client = await new_client(h)
    found = await h.http.post(
        "/v1/tenants/kouvola/clients/search", json={"identity_code": "010180-9026"}, headers=h.officer()
    )
    assert found.status_code == 200 and found.json()["id"] == client["id"]
    assert found.json()["identity_code"] == "010180-9026"
    listing = await h.http.get("/v1/tenants/kouvola/clients?name=aino virt", headers=h.officer())
    assert listing.json()["total"] == 1 and "identity_code" not in listing.json()["items"][0]


async def _book(h: Harness, voucher: dict[str, Any]) -> dict[str, Any]:
    """The provider P1 books the voucher's first content."""
    booked = await h.http.post("/v1/tenants/kouvola/bookings", headers=h.provider(), json={
        "voucher_number": voucher["number"], "voucher_content_id": voucher["contents"][0]["id"],
        "accept_terms": True})
    assert booked.status_code == 201, booked.text
    return dict(booked.json())


async def _search(h: Harness, provider: str = P1, **query: str) -> list[str]:
    response = await h.http.post(
        "/v1/tenants/kouvola/provider-clients/search", json=query, headers=h.provider(provider)
    )
    assert response.status_code == 200, response.text
    assert "identity_code" not in response.text
    return [c["id"] for c in response.json()["items"]]


async def test_provider_sees_clients_with_an_event_in_the_last_3_years(h: Harness) -> None:
    recent = await new_client(h)
    old = await new_client(h, first_name="Onni", identity_code="010180-9037")
    never = await new_client(h, first_name="Eino", identity_code="010180-9048")
    v_recent = await new_voucher(h, recent["id"])
    v_old = await new_voucher(h, old["id"])
    await new_voucher(h, never["id"])
    await charge(h, v_recent, start="2013-03-15")  # exactly 3 years before 2016-03-15: still visible
    await charge(h, v_old, start="2013-03-14")  # one day too old
    await h.http.post(f"/v1/tenants/kouvola/vouchers/{v_recent['id']}/close", headers=h.officer(), json={"reason": "x"})
    await h.http.post(f"/v1/tenants/kouvola/vouchers/{v_old['id']}/close", headers=h.officer(), json={"reason": "x"})
    assert await _search(h, name="virtanen") == [recent["id"]]
    assert await _search(h, identity_code="010180-9037") == []
    assert await _search(h, identity_code="010180-9026") == [recent["id"]]
    assert await _search(h, voucher_number=v_recent["printable_number"]) == [recent["id"]]
    assert await _search(h, P2, name="virtanen") == []
    h.clock.set(datetime(2016, 3, 16, 10, tzinfo=UTC))  # a day later the event is too old
    assert await _search(h, name="virtanen") == []
    assert (
        await h.http.get(f"/v1/tenants/kouvola/provider-clients/{old['id']}", headers=h.provider())
    ).status_code == 404


async def test_an_event_that_ended_within_3_years_keeps_its_client_visible_though_it_began_earlier(
        h: Harness) -> None:
    """The 3 years run from the event's last day, in Helsinki dates: a month-long stay that ended exactly 3 years
    ago still counts, one that ended a day before does not (it counted from the first day of the stay)."""
    h.clock.set(datetime(2016, 3, 15, 10, tzinfo=UTC))
    ended_on_the_day = await new_client(h)
    ended_a_day_before = await new_client(h, first_name="Onni", identity_code="010180-9037")
    v_day = await new_voucher(h, ended_on_the_day["id"])
    v_before = await new_voucher(h, ended_a_day_before["id"])
    await charge(h, v_day, start="2013-02-15", end="2013-03-15")
    await charge(h, v_before, start="2013-02-14", end="2013-03-14")
    for voucher in (v_day, v_before):  # no valid booking keeps either visible
        await h.http.post(f"/v1/tenants/kouvola/vouchers/{voucher['id']}/close", headers=h.officer(),
                          json={"reason": "x"})
    assert await _search(h, identity_code="010180-9026") == [ended_on_the_day["id"]]
    assert await _search(h, identity_code="010180-9037") == []
    seen = await h.http.get(f"/v1/tenants/kouvola/provider-clients/{ended_on_the_day['id']}", headers=h.provider())
    assert seen.status_code == 200
    # 22:30 UTC is already the 16th in Helsinki: the stay that ended on 15 March 2013 is now too old
    h.clock.set(datetime(2016, 3, 15, 22, 30, tzinfo=UTC))
    assert await _search(h, identity_code="010180-9026") == []


async def test_an_old_row_without_its_end_keeps_a_long_stays_client_visible_3_years_from_its_end(
        h: Harness, pg_url: str) -> None:
    """Rows of the events read model written before their end was kept counted the 3 years from the stay's first
    day: the migration fills the end from the row's days (a day-unit content), so the client of a stay of 1 January
    to 15 March 2013 is seen until 15 March 2016; an hour-unit event's end is its day."""
    h.clock.set(datetime(2016, 3, 15, 10, tzinfo=UTC))
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    stay = await charge(h, voucher, start="2013-01-01", end="2013-03-15", units="74")
    cleaning = await charge(h, voucher, start="2013-01-02", content_id="siivous", units="2.5")
    await h.http.post(f"/v1/tenants/kouvola/vouchers/{voucher['id']}/close", headers=h.officer(), json={"reason": "x"})
    events = h.runtime.table("recorded_events")
    async with h.runtime.db.system_transaction() as session:  # as a row from before the end was kept
        await session.execute(update(events).values(end=None))
    assert await _search(h, identity_code="010180-9026") == []  # counted from 1 January 2013

    config = alembic_config(MIGRATIONS, pg_url)
    await asyncio.to_thread(command.downgrade, config, "e2b7c4d9f1a6")
    await asyncio.to_thread(command.upgrade, config, "head")
    async with h.runtime.db.system_transaction() as session:
        ends = dict((await session.execute(select(events.c.event_id, events.c.end))).all())
    assert ends == {stay: date(2013, 3, 15), cleaning: date(2013, 1, 2)}
    assert await _search(h, identity_code="010180-9026") == [client["id"]]
    h.clock.set(datetime(2016, 3, 15, 22, 30, tzinfo=UTC))  # the 16th in Helsinki: 3 years from the end are over
    assert await _search(h, identity_code="010180-9026") == []


async def test_an_event_the_provider_deleted_gives_it_no_relationship_with_the_client(h: Harness) -> None:
    # Recorded on the wrong client's voucher and deleted: the provider does not go on finding that client.
    wrong = await new_client(h)
    voucher = await new_voucher(h, wrong["id"])
    mistaken = await charge(h, voucher, start="2016-03-01")
    await h.http.post(f"/v1/tenants/kouvola/vouchers/{voucher['id']}/close", headers=h.officer(), json={"reason": "x"})
    assert await _search(h, name="virtanen") == [wrong["id"]]
    await h.publish("events.event.deleted", {"event_id": mistaken, "revision": 1})
    assert await _search(h, name="virtanen") == []
    assert (
        await h.http.get(f"/v1/tenants/kouvola/provider-clients/{wrong['id']}", headers=h.provider())
    ).status_code == 404


async def test_provider_sees_clients_with_a_valid_booking_only(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    assert await _search(h, name="aino") == []
    booked = await h.http.post(
        "/v1/tenants/kouvola/bookings",
        headers=h.provider(),
        json={
            "voucher_number": voucher["number"],
            "voucher_content_id": voucher["contents"][0]["id"],
            "accept_terms": True,
        },
    )
    assert booked.status_code == 201
    assert await _search(h, name="aino") == [client["id"]]
    assert await _search(h, P2, name="aino") == []
    view = await h.http.get(f"/v1/tenants/kouvola/provider-clients/{client['id']}", headers=h.provider())
    assert view.status_code == 200 and view.json()["last_name"] == "Virtanen"
    assert (
        await h.http.get(f"/v1/tenants/kouvola/provider-clients/{client['id']}", headers=h.provider(P2))
    ).status_code == 404
    await h.http.post(
        f"/v1/tenants/kouvola/vouchers/{voucher['id']}/close",
        headers=h.officer(),
        json={"reason": "x", "valid_until": "2016-03-14"},
    )
    assert await _search(h, name="aino") == []  # booking ended, no events


async def test_a_booking_ending_later_keeps_its_client_visible_until_its_last_day(h: Harness) -> None:
    # The client changes provider at the month's end: the booking is ended on 31 March in advance. It is valid
    # until then (the provider still records care and must find the client), not from the day it was ended.
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    booked = await _book(h, voucher)
    ended = await h.http.post(f"/v1/tenants/kouvola/bookings/{booked['id']}/end", headers=h.provider(),
                              json={"ended_on": "2016-03-31", "reason": "client_changed_provider"})
    assert ended.status_code == 200, ended.text
    assert await _search(h, name="aino") == [client["id"]]  # today 15 March
    h.clock.set(datetime(2016, 3, 31, 20, 59, tzinfo=UTC))  # 23.59 in Helsinki (summer time): its last day
    assert await _search(h, name="aino") == [client["id"]]
    h.clock.set(datetime(2016, 3, 31, 21, 0, tzinfo=UTC))  # 1 April in Helsinki
    assert await _search(h, name="aino") == []


async def test_provider_client_numbers_are_unique_per_provider(h: Harness) -> None:
    await approve(h, P2, HOUSING, [])
    await price_list(h, "pl-p2", P2, HOUSING, None, "2016-01-01", ["asuminen"])
    a = await new_client(h)
    b = await new_client(h, first_name="Onni", identity_code="010180-9037")
    for client in (a, b):
        voucher = await new_voucher(
            h,
            client["id"],
            contents=[
                {
                    "content_id": "asuminen",
                    "granted_amount": "31",
                    "period": "month",
                    "voucher_value": "140.00",
                },
                {"content_id": "siivous", "granted_amount": "4", "period": "week", "voucher_value": "30.00"},
            ],
        )
        await charge(h, voucher, provider=P1)
        await charge(h, voucher, provider=P2)
    url = "/v1/tenants/kouvola/provider-clients/{}/client-number"
    first = await h.http.put(url.format(a["id"]), json={"client_number": "K-1"}, headers=h.provider())
    assert first.status_code == 200 and first.json()["client_number"] == "K-1"
    clash = await h.http.put(url.format(b["id"]), json={"client_number": "K-1"}, headers=h.provider())
    assert clash.status_code == 409
    other_provider = await h.http.put(url.format(b["id"]), json={"client_number": "K-1"}, headers=h.provider(P2))
    assert other_provider.status_code == 200
    renumber = await h.http.put(url.format(a["id"]), json={"client_number": "K-2"}, headers=h.provider())
    assert renumber.json()["client_number"] == "K-2"
    assert await _search(h, name="onni") == [b["id"]]


async def test_a_client_number_once_given_stays_the_clients_own(h: Harness) -> None:
    # The provider renumbers client A from K-1 to K-2 and then tries to give K-1 to client B. Reports and
    # specifications name clients by these numbers over the months (and settlement renames A's rows by its
    # earlier numbers): K-1 given to B would show A's and B's care under one number. Refused; A may go back to
    # its own K-1.
    a = await new_client(h)
    b = await new_client(h, first_name="Onni", identity_code="010180-9037")
    for client in (a, b):
        await charge(h, await new_voucher(h, client["id"]), provider=P1)
    url = "/v1/tenants/kouvola/provider-clients/{}/client-number"
    for number in ("K-1", "K-2"):
        given = await h.http.put(url.format(a["id"]), json={"client_number": number}, headers=h.provider())
        assert given.status_code == 200, given.text
    reused = await h.http.put(url.format(b["id"]), json={"client_number": "K-1"}, headers=h.provider())
    assert reused.status_code == 409, reused.text
    assert reused.json()["code"] == "client_number_taken" and reused.json()["field"] == "client_number"
    assert (await h.http.get(f"/v1/tenants/kouvola/provider-clients/{b['id']}",
                             headers=h.provider())).json()["client_number"] is None
    back = await h.http.put(url.format(a["id"]), json={"client_number": "K-1"}, headers=h.provider())
    assert back.status_code == 200 and back.json()["client_number"] == "K-1"


async def test_a_tenant_never_reaches_another_tenants_clients_even_by_guessing_ids(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    lahti = h.officer("lahti", subject="lahti-officer")
    cid, vid = client["id"], voucher["id"]
    # through Kouvola's paths: the tenant guard answers 404
    for path in (
        f"/v1/tenants/kouvola/clients/{cid}",
        f"/v1/tenants/kouvola/vouchers/{vid}",
        f"/v1/tenants/kouvola/clients/{cid}/access-log",
        "/v1/tenants/kouvola/clients",
    ):
        assert (await h.http.get(path, headers=lahti)).status_code == 404, path
    # through Lahti's own paths with Kouvola's ids: nothing there either
    for path in (
        f"/v1/tenants/lahti/clients/{cid}",
        f"/v1/tenants/lahti/vouchers/{vid}",
        f"/v1/tenants/lahti/clients/{cid}/vouchers",
        f"/v1/tenants/lahti/clients/{cid}/access-log",
    ):
        assert (await h.http.get(path, headers=lahti)).status_code == 404, path
    assert (
        await h.http.post(f"/v1/tenants/lahti/clients/{cid}/death", headers=lahti, json={"date_of_death": "2016-03-01"})
    ).status_code == 404
    assert (
        await h.http.post(f"/v1/tenants/lahti/vouchers/{vid}/close", headers=lahti, json={"reason": "x"})
    ).status_code == 404
    assert (
        await h.http.post("/v1/tenants/lahti/clients/search", headers=lahti, json={"identity_code": "010180-9026"})
    ).status_code == 404
    assert (await h.http.get("/v1/tenants/lahti/clients", headers=lahti)).json()["total"] == 0
    assert (
        await h.http.post(
            "/v1/tenants/lahti/vouchers",
            headers=lahti,
            json={
                "client_id": cid,
                "service_id": HOUSING,
                "granted_on": "2016-03-01",
                "valid_from": "2016-03-01",
                "valid_until": "2016-12-31",
                "contents": [
                    {"content_id": "asuminen", "granted_amount": "1", "period": "month", "voucher_value": "1"}
                ],
            },
        )
    ).status_code == 422
    log = await h.http.get(f"/v1/tenants/kouvola/clients/{cid}/access-log", headers=h.officer())
    assert log.json()["total"] == 0  # none of the attempts read anything


async def test_a_provider_never_reaches_a_client_without_relationship(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    await charge(h, voucher, provider=P1)
    cid = client["id"]
    for headers in (h.provider(P2), h.provider(P2, role=Role.PROVIDER_USER)):
        assert (await h.http.get(f"/v1/tenants/kouvola/provider-clients/{cid}", headers=headers)).status_code == 404
        assert (
            await h.http.put(
                f"/v1/tenants/kouvola/provider-clients/{cid}/client-number",
                headers=headers,
                json={"client_number": "Z"},
            )
        ).status_code == 404
        assert (await h.http.get(f"/v1/tenants/kouvola/clients/{cid}", headers=headers)).status_code == 403
        by_number = await h.http.get(f"/v1/tenants/kouvola/vouchers/by-number/{voucher['number']}", headers=headers)
        # a company the municipality approved for nothing: refused before the number is looked up
        assert by_number.status_code == 403 and "Virtanen" not in by_number.text
        assert by_number.json()["reason"] == "not_approved_by_tenant"
    # P1 has the relationship in Kouvola, not in Lahti: the same id through Lahti's path finds nothing
    assert (await h.http.get(f"/v1/tenants/lahti/provider-clients/{cid}", headers=h.provider())).status_code == 404
    assert (await h.http.get(f"/v1/tenants/kouvola/provider-clients/{cid}", headers=h.provider())).status_code == 200


async def test_provider_user_outside_the_service_team_is_refused(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    outsider = h.provider(role=Role.PROVIDER_USER)
    view = await h.http.get(f"/v1/tenants/kouvola/vouchers/by-number/{voucher['number']}", headers=outsider)
    assert view.status_code == 403 and view.json()["reason"] == "not_in_service_team"
    member = h.provider(role=Role.PROVIDER_USER, teams=frozenset({f"kouvola:{HOUSING}"}))
    view = await h.http.get(f"/v1/tenants/kouvola/vouchers/by-number/{voucher['number']}", headers=member)
    assert view.status_code == 200


async def test_concurrent_bookings_of_one_content_book_it_once(h: Harness) -> None:
    await approve(h, P2, HOUSING, [])
    await price_list(h, "pl-p2", P2, HOUSING, None, "2016-01-01", ["asuminen"])
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    body = {
        "voucher_number": voucher["number"],
        "voucher_content_id": voucher["contents"][0]["id"],
        "accept_terms": True,
    }
    responses = await asyncio.gather(
        *(h.http.post("/v1/tenants/kouvola/bookings", json=body, headers=h.provider(p)) for p in (P1, P2, P1, P2))
    )
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]


async def test_provider_user_sees_only_clients_of_its_service_teams(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    await charge(h, voucher, provider=P1)
    outsider = h.provider(role=Role.PROVIDER_USER, teams=frozenset({"kouvola:kotihoito"}))
    member = h.provider(role=Role.PROVIDER_USER, teams=frozenset({f"kouvola:{HOUSING}"}))
    other_tenant_team = h.provider(role=Role.PROVIDER_USER, teams=frozenset({f"lahti:{HOUSING}"}))
    for headers, expected in ((outsider, 0), (member, 1), (other_tenant_team, 0), (h.provider(), 1)):
        found = await h.http.post("/v1/tenants/kouvola/provider-clients/search", json={"name": "aino"}, headers=headers)
        assert found.json()["total"] == expected
    assert (
        await h.http.get(f"/v1/tenants/kouvola/provider-clients/{client['id']}", headers=outsider)
    ).status_code == 404


async def test_a_provider_entering_unknown_numbers_is_throttled(h: Harness) -> None:
    h.runtime.settings.provider_max_unknown_numbers = 3  # type: ignore[attr-defined]
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    for i in range(3):
        miss = await h.http.get(f"/v1/tenants/kouvola/vouchers/by-number/1000000{i:03d}", headers=h.provider())
        assert miss.status_code == 404
    real = f"/v1/tenants/kouvola/vouchers/by-number/{voucher['number']}"
    throttled = await h.http.get(real, headers=h.provider())
    # as documented, and with the wait in the Retry-After header a client reads (as the lookup's 429 has it)
    assert throttled.status_code == 429 and throttled.headers["retry-after"] == "900"
    booking = await h.http.post(
        "/v1/tenants/kouvola/bookings",
        headers=h.provider(),
        json={
            "voucher_number": voucher["number"],
            "voucher_content_id": voucher["contents"][0]["id"],
            "accept_terms": True,
        },
    )
    assert booking.status_code == 429 and booking.headers["retry-after"] == "900"
    paths = (await h.http.get("/openapi.json")).json()["paths"]
    for path, method in (("/v1/tenants/{tenant_id}/vouchers/by-number/{number}", "get"),
                         ("/v1/tenants/{tenant_id}/bookings", "post")):
        assert "429" in paths[path][method]["responses"], (path, method)
    assert (await h.http.get(real, headers=h.provider(P2))).status_code == 403  # others are not throttled
    h.clock.advance(timedelta(minutes=16))
    assert (await h.http.get(real, headers=h.provider())).status_code == 200


async def test_concurrent_wrong_codes_cannot_slip_past_the_limit(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    responses = await asyncio.gather(
        *(
            h.http.post(
                "/v1/tenants/kouvola/vouchers/lookup",
                json={"number": voucher["number"], "verification_code": f"WRONG{i:03d}"},
            )
            for i in range(12)
        )
    )
    assert sorted(r.status_code for r in responses) == [404] * 5 + [429] * 7


async def test_bookings_are_listed_to_their_provider_and_their_tenant_only(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    booked = await h.http.post(
        "/v1/tenants/kouvola/bookings",
        headers=h.provider(),
        json={
            "voucher_number": voucher["number"],
            "voucher_content_id": voucher["contents"][0]["id"],
            "accept_terms": True,
        },
    )
    assert booked.status_code == 201
    for headers, path, expected in (
        (h.provider(), "/v1/tenants/kouvola/bookings", 1),
        (h.provider(P2), "/v1/tenants/kouvola/bookings", 0),
        (h.provider(), "/v1/tenants/lahti/bookings", 0),
        (h.officer(), f"/v1/tenants/kouvola/bookings?voucher_id={voucher['id']}", 1),
        (h.officer("lahti"), "/v1/tenants/lahti/bookings", 0),
    ):
        response = await h.http.get(path, headers=headers)
        assert response.json()["total"] == expected, (path, response.text)
    assert (await h.http.get("/v1/tenants/kouvola/bookings", headers=h.officer("lahti"))).status_code == 404
    assert (
        await h.http.get(f"/v1/tenants/kouvola/bookings/{booked.json()['id']}", headers=h.provider(P2))
    ).status_code == 404


async def test_a_provider_user_outside_the_service_team_neither_sees_nor_ends_its_bookings(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    booked = await h.http.post(
        "/v1/tenants/kouvola/bookings",
        headers=h.provider(),
        json={
            "voucher_number": voucher["number"],
            "voucher_content_id": voucher["contents"][0]["id"],
            "accept_terms": True,
        },
    )
    assert booked.status_code == 201
    url = f"/v1/tenants/kouvola/bookings/{booked.json()['id']}"
    end = {"ended_on": "2016-03-31", "reason": "client_changed_provider"}
    outsider = h.provider(role=Role.PROVIDER_USER, teams=frozenset({"kouvola:kotihoito", f"lahti:{HOUSING}"}))
    member = h.provider(role=Role.PROVIDER_USER, teams=frozenset({f"kouvola:{HOUSING}"}))
    assert (await h.http.get("/v1/tenants/kouvola/bookings", headers=outsider)).json()["total"] == 0
    assert (await h.http.get(url, headers=outsider)).status_code == 404
    # ending it answers as ending an unknown booking: a 403 told the other team's booking ids that exist
    refused = await h.http.post(f"{url}/end", json=end, headers=outsider)
    unknown = await h.http.post("/v1/tenants/kouvola/bookings/00000000-0000-0000-0000-000000000000/end", json=end,
                                headers=outsider)
    assert (refused.status_code, unknown.status_code) == (404, 404), refused.text
    assert (await h.http.get(url, headers=h.provider())).json()["state"] == "active"
    assert await h.published("vouchers.booking.ended") == []
    # the team's own user lists, reads and ends it
    assert (await h.http.get("/v1/tenants/kouvola/bookings", headers=member)).json()["total"] == 1
    assert (await h.http.get(url, headers=member)).status_code == 200
    ended = await h.http.post(f"{url}/end", json=end, headers=member)
    assert ended.status_code == 200 and ended.json()["state"] == "ended"


async def test_a_registered_client_is_announced_by_pseudonym_never_by_identity_code(h: Harness) -> None:
    """The registry lets the person sign in as a resident by this event: the pseudonym, not the code."""
    client = await new_client(h)
    other = await new_client(h, tenant="lahti")
    announced = await h.published("vouchers.client.registered")
    assert {(e.tenant_id, e.payload["client_id"]) for e in announced} == {
        ("kouvola", client["id"]), ("lahti", other["id"])}
    person = person_pseudonym(PSEUDONYM_KEY, "010180-9026")
    assert all(e.payload["person"] == person for e in announced)  # the same person in both tenants
    raw = str([e.model_dump() for e in announced])
    assert "010180-9026" not in raw and "0101809026" not in raw and "Aino" not in raw


async def test_a_client_reads_their_own_vouchers_and_no_one_elses(h: Harness) -> None:
    """The resident signed in with strong identity sees their vouchers with number and verification code
    (what a provider asks for); another client, a provider and another tenant's client do not."""
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    base = f"/v1/tenants/kouvola/clients/{client['id']}/vouchers"
    own = h.token_for(Role.CLIENT, subject="citizen", client_id=client["id"], tenant_id="kouvola")
    mine = await h.http.get(base, headers=own)
    assert mine.status_code == 200, mine.text
    [item] = mine.json()["items"]
    assert (item["number"], item["verification_code"]) == (voucher["number"], voucher["verification_code"])
    assert (await h.http.get(base, headers=h.token_for(Role.CLIENT, subject="x", client_id="another",
                                                       tenant_id="kouvola"))).status_code == 404
    assert (await h.http.get(base, headers=h.token_for(Role.CLIENT, subject="citizen", client_id=client["id"],
                                                       tenant_id="lahti"))).status_code == 404
    assert (await h.http.get(base, headers=h.provider())).status_code == 403
    log = (await h.http.get(f"/v1/tenants/kouvola/clients/{client['id']}/access-log", headers=own)).json()
    assert [(r["actor"], r["what"]) for r in log["items"]][:1] == [("citizen", "client.vouchers")]


async def test_reading_a_clients_bookings_is_in_the_clients_access_log(h: Harness) -> None:
    """A booking tells who cares for the client, in which service, from when, with the provider's notes: the
    provider's list, one booking and the officer's list each leave a row in the client's access log; a list
    that shows nobody leaves none."""
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    booked = await _book(h, voucher)
    own = h.token_for(Role.CLIENT, subject="citizen", client_id=client["id"], tenant_id="kouvola")
    log_url = f"/v1/tenants/kouvola/clients/{client['id']}/access-log"
    before = (await h.http.get(log_url, headers=own)).json()["total"]
    assert (await h.http.get("/v1/tenants/kouvola/bookings", headers=h.provider())).json()["total"] == 1
    one = await h.http.get(f"/v1/tenants/kouvola/bookings/{booked['id']}", headers=h.provider())
    assert one.status_code == 200
    listed = await h.http.get("/v1/tenants/kouvola/bookings", params={"voucher_id": voucher["id"]},
                              headers={**h.officer(subject="officer-9"), "x-purpose": "palveluntuottajan vaihto"})
    assert listed.json()["total"] == 1
    assert (await h.http.get("/v1/tenants/kouvola/bookings", headers=h.provider(P2))).json()["total"] == 0
    rows = (await h.http.get(log_url, headers=own)).json()["items"]
    assert len(rows) == before + 3
    assert {(r["actor"], r["actor_role"], r["actor_org"], r["what"], r["why"]) for r in rows} >= {
        (f"user-{P1}", "provider_admin", P1, "booking.list", "bookings"),
        (f"user-{P1}", "provider_admin", P1, "booking.details", "booking"),
        ("officer-9", "tenant_officer", "kouvola", "booking.list", "palveluntuottajan vaihto"),
    }


async def test_a_page_past_the_end_of_one_vouchers_list_is_still_in_the_clients_access_log(h: Harness) -> None:
    """A list filtered by one voucher tells how many bookings it has (or that it exists) even on a page past the end
    with no rows: that is a read of the voucher's client. A page showing the row logs it once."""
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    await _book(h, voucher)
    own = h.token_for(Role.CLIENT, subject="citizen", client_id=client["id"], tenant_id="kouvola")
    log_url = f"/v1/tenants/kouvola/clients/{client['id']}/access-log"
    for path, what in (("/bookings", "booking.list"), ("/vouchers", "voucher.list")):
        asked = {"voucher_id": voucher["id"]} if path == "/bookings" else {"id": voucher["id"]}
        for offset, shown in ((50, 0), (0, 1)):
            before = (await h.http.get(log_url, headers=own)).json()
            listed = await h.http.get(f"/v1/tenants/kouvola{path}", params={**asked, "offset": offset},
                                      headers=h.officer(subject="officer-7"))
            assert listed.json()["total"] == 1 and len(listed.json()["items"]) == shown, (path, offset)
            after = (await h.http.get(log_url, headers=own)).json()
            assert after["total"] == before["total"] + 1, (path, offset)
            assert (after["items"][0]["actor"], after["items"][0]["what"]) == ("officer-7", what)


async def test_an_officer_reading_a_clients_access_log_is_itself_in_the_log(h: Harness) -> None:
    """The access log tells which providers, services and officers dealt with the client: reading it is a read
    of the client's data, logged like any other. The client reading their own log is not (the log answers who
    else read their data)."""
    client = await new_client(h)
    await new_voucher(h, client["id"])
    url = f"/v1/tenants/kouvola/clients/{client['id']}/access-log"
    first = await h.http.get(url, headers={**h.officer(subject="officer-7"), "x-purpose": "tietopyynto"})
    assert first.status_code == 200 and first.json()["total"] == 0  # the page shows what was read before it
    own = h.token_for(Role.CLIENT, subject="citizen", client_id=client["id"], tenant_id="kouvola")
    rows = (await h.http.get(url, headers=own)).json()["items"]
    assert [(r["actor"], r["actor_role"], r["actor_org"], r["what"], r["why"]) for r in rows] == [
        ("officer-7", "tenant_officer", "kouvola", "client.access_log", "tietopyynto")]
    assert (await h.http.get(url, headers=own)).json()["total"] == 1


async def test_the_look_up_names_each_content_in_finnish_and_swedish(h: Harness) -> None:
    # The client's voucher of care and meals, both granted by the day a month: the look-up page tells them apart
    # by name (it showed two rows of "31 vrk / kk" without saying which is which).
    voucher = await new_voucher(h, (await new_client(h))["id"], contents=[
        {"content_id": "asuminen", "granted_amount": "31", "period": "month", "voucher_value": "140.00"},
        {"content_id": "ateriat", "granted_amount": "31", "period": "month"}])
    response = await h.http.post("/v1/tenants/kouvola/vouchers/lookup",
                                 json={"number": voucher["number"], "verification_code": voucher["verification_code"]})
    assert response.status_code == 200, response.text
    assert [(c["name_fi"], c["name_sv"]) for c in response.json()["contents"]] == [
        ("Hoiva", "Vård"), ("Ateriat", "Måltider")]


async def test_the_look_up_of_a_closed_voucher_shows_nothing_left(h: Harness) -> None:
    # Nothing of a closed voucher can be used: after the client's death (or the officer's close) its holder and the
    # officer read 0 left, not the month's grant still unused.
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    await charge(h, voucher, units="4", amount="560.00")
    died = await h.http.post(f"/v1/tenants/kouvola/clients/{client['id']}/death", headers=h.officer(),
                             json={"date_of_death": "2016-03-10"})
    assert died.status_code == 200, died.text
    response = await h.http.post("/v1/tenants/kouvola/vouchers/lookup",
                                 json={"number": voucher["number"], "verification_code": voucher["verification_code"]})
    body = response.json()
    assert (body["state"], body["valid_until"], body["contents"][0]["amount_left"]) == ("closed", "2016-03-11", "0.00")
    officer = (await h.http.get(f"/v1/tenants/kouvola/vouchers/{voucher['id']}", headers=h.officer())).json()
    assert officer["contents"][0]["amount_left"] == "0.00"
    # closed in advance, valid until the month's end: what is left is still used until then
    other = await new_voucher(h, (await new_client(h, identity_code="010180-9037"))["id"])
    closed = await h.http.post(f"/v1/tenants/kouvola/vouchers/{other['id']}/close", headers=h.officer(),
                               json={"reason": "Muuttaa pois", "valid_until": "2016-03-31"})
    assert (closed.json()["state"], closed.json()["contents"][0]["amount_left"]) == ("closed", "31.00")


async def test_lookups_through_the_portal_are_limited_per_browser_not_for_everyone_at_once(h: Harness) -> None:
    # Residents look vouchers up through the portal, the only caller of this API: its X-Forwarded-For names the
    # browser. The limit per caller counts each browser on its own (all of them counted as the portal's one
    # address: a few dozen look-ups in a quarter of an hour shut the look-up for every resident of every tenant).
    h.runtime.settings.lookup_max_attempts_per_source = 3  # type: ignore[attr-defined]
    voucher = await new_voucher(h, (await new_client(h))["id"])
    right = {"number": voucher["number"], "verification_code": voucher["verification_code"]}
    url = "/v1/tenants/kouvola/vouchers/lookup"
    for i in range(5):  # five residents, one look-up each
        response = await h.http.post(url, json=right, headers={"x-forwarded-for": f"198.51.100.{i}, 10.0.0.5"})
        assert response.status_code == 200, (i, response.text)
    same = [(await h.http.post(url, json=right, headers={"x-forwarded-for": "203.0.113.9"})).status_code
            for _ in range(4)]
    assert same == [200, 200, 200, 429]  # one browser trying on is still stopped
