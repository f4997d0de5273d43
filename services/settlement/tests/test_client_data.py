"""Client-pays contents are never paid (issue 16/8), and reports that name clients are reads of their
data that go to the clients' access log, kept by vouchers (issue 17/9)."""

from __future__ import annotations

from datetime import date
from typing import Any

from .test_ledger import interruption

T = "kouvola"
P1 = "p-paivansade"
REPORT = f"/v1/tenants/{T}/reports/realisation"


async def test_an_interruption_of_a_client_pays_content_is_never_in_a_payment(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-care", "2016-03-01", "2016-03-10")  # 10 days x 90.00
    await h.event("e-rent", "2016-03-01", "2016-03-31", content_id="vuokra", share="0.00", price="20.00")
    rent_break = interruption(h, "i-rent", "2016-03-11", "2016-03-20",
                              [h.segment("2016-03-11", "2016-03-20", 10, "0.00", "20.00")])
    await h.publish("events.interruption.finalised", {**rent_break, "content_id": "vuokra"})
    run = await h.run("2016-03")
    assert run["total"] == "900.00"
    [payment] = run["payments"]
    assert [(ln["event_id"], ln["amount"]) for ln in payment["lines"]] == [("e-care", "900.00")]


async def test_reports_that_name_clients_are_published_for_their_access_log(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10")
    await h.event("e-2", "2016-03-01", "2016-03-05", client_ref="A-1002")
    await h.publish("events.interruption.finalised",
                    interruption(h, "i-1", "2016-03-11", "2016-03-14", [h.segment("2016-03-11", "2016-03-14", 4)]))
    listing = await h.client.get(REPORT, params={"from": "2016-03", "to": "2016-03"}, headers=h.admin)
    assert listing.status_code == 200 and listing.json()["total"] == 2
    one = await h.client.get(REPORT, params={"from": "2016-03", "to": "2016-03", "client_ref": "A-1002",
                                             "format": "csv"}, headers={**h.admin, "x-purpose": "oikaisuvaatimus"})
    assert one.status_code == 200
    breaks = await h.client.get(f"/v1/tenants/{T}/reports/interruptions", params={"from": "2016-03", "to": "2016-03"},
                                headers=h.admin)
    assert breaks.status_code == 200
    empty = await h.client.get(REPORT, params={"from": "2015-01", "to": "2015-02"}, headers=h.admin)
    assert empty.json()["total"] == 0  # names nobody: nothing to log
    reads = await h.published("settlement.client_data.read")
    assert [([(c["provider_id"], c["client_ref"]) for c in r["clients"]], r["what"], r["why"]) for r in reads] == [
        ([(P1, "A-1001"), (P1, "A-1002")], "report.realisation", "report"),
        ([(P1, "A-1002")], "report.realisation.csv", "oikaisuvaatimus"),
        ([(P1, "A-1001")], "report.interruptions", "report"),
    ]
    assert {(r["actor_role"], r["actor_org"]) for r in reads} == {("tenant_admin", T)}
    assert all(r["at"].startswith("2016-03-15") for r in reads)


def _told(h: Any, event_id: str, start: str, end: str, content_id: str, share: str, price: str,
          client_pays: bool | None) -> dict[str, Any]:
    """events.event.recorded as events sends it: valued, and saying who pays by the event's first day."""
    from decimal import Decimal

    n = Decimal((date.fromisoformat(end) - date.fromisoformat(start)).days + 1)
    seg = h.segment(start, end, n, share, price)
    payload = {"event_id": event_id, "revision": 1, "service_id": "tehostettu", "provider_id": P1,
               "producer_part": None, "booking_id": "b-1", "voucher_id": "v-1", "client_ref": "A-1001",
               "content_id": content_id, "unit": "day", "start": start, "end": end, "units": str(n),
               "status": "payable", "segments": [seg], "amount_tenant": seg["amount_tenant"],
               "amount_co_payment": seg["amount_co_payment"]}
    return payload if client_pays is None else {**payload, "client_pays": client_pays}


async def test_who_pays_is_the_events_valuation_by_the_first_day_not_the_content_of_today(harness: Any) -> None:
    """The tenant admin made rent ('vuokra', client-paid today) client-paid from a date and care ('hoito') from
    another: events values each event by the contents of its first day and says so. An event the tenant pays by
    its first day is paid though the content is client-paid today; one the client pays by its first day is
    never in a payment though the tenant pays the content today. An older publisher that does not say: as the
    content is today."""
    h = harness
    await h.seed()
    await h.publish("events.event.recorded", _told(h, "e-rent-before", "2016-03-01", "2016-03-10", "vuokra",
                                                   "20.00", "20.00", client_pays=False))
    await h.publish("events.event.recorded", _told(h, "e-care-after", "2016-03-11", "2016-03-20", "hoito",
                                                   "0.00", "100.00", client_pays=True))
    await h.publish("events.event.recorded", _told(h, "e-care", "2016-03-21", "2016-03-25", "hoito",
                                                   "90.00", "100.00", client_pays=None))
    await h.publish("events.event.recorded", _told(h, "e-rent", "2016-03-21", "2016-03-25", "vuokra",
                                                   "0.00", "20.00", client_pays=None))
    run = await h.run("2016-03")
    [payment] = run["payments"]
    assert sorted((ln["event_id"], ln["amount"]) for ln in payment["lines"]) == [
        ("e-care", "450.00"), ("e-rent-before", "200.00")]
    assert run["total"] == "650.00"


async def test_a_providers_read_of_the_realisation_report_names_its_company_in_the_access_log(harness: Any) -> None:
    """The client's access log says who read their data and for which organisation: a provider's main user
    reading the company's own report rows is logged as that company, not as an organisation left blank."""
    from seteli_common.auth import Role

    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10")
    main_user = h.token_for(Role.PROVIDER_ADMIN, subject="u-paakayttaja", provider_id=P1)
    mine = await h.client.get(REPORT, params={"from": "2016-03", "to": "2016-03"}, headers=main_user)
    assert mine.status_code == 200 and mine.json()["total"] == 1
    [read] = await h.published("settlement.client_data.read")
    assert (read["actor"], read["actor_role"], read["actor_org"]) == ("u-paakayttaja", "provider_admin", P1)


async def test_settlement_lines_shown_by_client_number_are_reads_for_the_clients_access_log(harness: Any) -> None:
    """A run's or a preview's lines and an event's drill-down show, per client number, the care and what it cost
    the client: the same facts as the realisation report, logged the same way. Without lines nothing is logged."""
    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10")
    await h.event("e-2", "2016-03-01", "2016-03-05", client_ref="A-1002")
    await h.run("2016-03", dry_run=True)
    run = await h.run("2016-03")
    again = await h.client.get(f"/v1/tenants/{T}/runs/{run['id']}", headers={**h.admin, "x-purpose": "tarkastus"})
    assert again.status_code == 200
    bare = await h.client.get(f"/v1/tenants/{T}/runs/{run['id']}", params={"lines": "false"}, headers=h.admin)
    assert bare.status_code == 200 and bare.json()["payments"][0]["lines"] == []
    drill = await h.client.get(f"/v1/tenants/{T}/events/e-2/lines", headers=h.admin)
    assert drill.status_code == 200 and drill.json()["total"] == 1
    reads = await h.published("settlement.client_data.read")
    both = [(P1, "A-1001"), (P1, "A-1002")]
    assert [([(c["provider_id"], c["client_ref"]) for c in r["clients"]], r["what"], r["why"]) for r in reads] == [
        (both, "run.preview", "settlement preview"),
        (both, "run.lines", "settlement run"),
        (both, "run.lines", "tarkastus"),
        ([(P1, "A-1002")], "event.lines", "settlement lines of an event"),
    ]
    assert {(r["actor_role"], r["actor_org"]) for r in reads} == {("tenant_admin", T)}


async def test_the_interruptions_report_of_one_client_reads_and_logs_only_that_client(harness: Any) -> None:
    """004 §5: a report of one client (the officer's, from the client's page) names no other client, and no other
    client's access log gets a read."""
    h = harness
    await h.seed()
    await h.publish("events.interruption.finalised",
                    interruption(h, "i-1", "2016-03-11", "2016-03-14", [h.segment("2016-03-11", "2016-03-14", 4)]))
    await h.publish("events.interruption.finalised",
                    {**interruption(h, "i-2", "2016-03-02", "2016-03-03", [h.segment("2016-03-02", "2016-03-03", 2)]),
                     "client_ref": "A-1002"})
    one = await h.client.get(f"/v1/tenants/{T}/reports/interruptions", headers=h.admin, params={
        "from": "2016-03", "to": "2016-03", "provider_id": P1, "client_ref": "A-1002"})
    assert one.status_code == 200
    assert [(i["client_ref"], i["days"]) for i in one.json()["items"]] == [("A-1002", 2)]
    other = await h.client.get(f"/v1/tenants/{T}/reports/interruptions", headers=h.admin, params={
        "from": "2016-03", "to": "2016-03", "provider_id": "p-kotiapu", "client_ref": "A-1002"})
    assert other.json() == {"items": [], "total": 0}  # the same number at another company is another client
    reads = await h.published("settlement.client_data.read")
    assert [[(c["provider_id"], c["client_ref"]) for c in r["clients"]] for r in reads] == [[(P1, "A-1002")]]


async def test_a_specification_pdf_read_by_the_officer_or_the_company_goes_to_its_clients_access_log(
        harness: Any) -> None:
    """A payment's specification prints, per client number, the care paid and what it cost the client: the same
    facts as the run's lines. Downloaded by the tenant's staff or by the company's main user, it is a read of those
    clients' data, logged as theirs (the other company's clients are not on it, nor in the log)."""
    from seteli_common.auth import Role

    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10")
    await h.event("e-2", "2016-03-01", "2016-03-05", client_ref="A-1002")
    await h.event("e-3", "2016-03-01", "2016-03-05", provider_id="p-kotiapu", client_ref="B-1")
    run = await h.run("2016-03")
    await h.published("settlement.client_data.read")  # the run's own read of its lines, not this test's
    h.broker.unrouted.clear()
    [payment] = [p for p in run["payments"] if p["provider_id"] == P1]
    url = f"/v1/tenants/{T}/runs/{run['id']}/payments/{payment['payment_id']}/specification.pdf"
    main_user = h.token_for(Role.PROVIDER_ADMIN, subject="u-paakayttaja", provider_id=P1)
    for headers in (main_user, {**h.admin, "x-purpose": "maksun tarkastus"}):
        pdf = await h.client.get(url, headers=headers)
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    other = h.token_for(Role.PROVIDER_ADMIN, subject="u-muu", provider_id="p-kotiapu")
    assert (await h.client.get(url, headers=other)).status_code == 404
    reads = await h.published("settlement.client_data.read")
    both = [(P1, "A-1001"), (P1, "A-1002")]
    assert [([(c["provider_id"], c["client_ref"]) for c in r["clients"]], r["what"], r["why"], r["actor_role"],
             r["actor_org"]) for r in reads] == [
        (both, "payment.specification.pdf", "payment specification", "provider_admin", P1),
        (both, "payment.specification.pdf", "maksun tarkastus", "tenant_admin", T),
    ]
