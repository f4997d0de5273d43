"""Issue 16, finding 1: a site's lines are paid to the account its producer part names, or they wait.

Sites added after the company registered, billing facts that arrive before their site, a billing change
between months: each payee gets its own amount to the cent on its own IBAN, and never another's.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from lxml import etree
from seteli_common.messaging.envelope import Envelope

T = "kouvola"
P1 = "p-paivansade"
COMPANY_IBAN = "FI2112345600000785"  # conftest BILLING
KUUSELA = {
    "iban": "FI5810171000000122",
    "bic": "NDEAFIHH",
    "reference": "RF341234561",
    "email": "kuusela@paivansade.fi",
    "pdf_by_email": False,
}
KOIVULA = {
    "iban": "FI4950009420028730",
    "bic": "OKOYFIHH",
    "reference": "1232",
    "email": "koivula@paivansade.fi",
    "pdf_by_email": False,
}
APRIL_5 = datetime(2016, 4, 5, 7, 0, tzinfo=UTC)  # March has ended and its provider deadline passed
MAY_5 = datetime(2016, 5, 5, 7, 0, tzinfo=UTC)


async def fact(h: Any, type_: str, payload: dict[str, Any], occurred_at: datetime | None = None) -> None:
    """A registry fact (no tenant), stated by the registry at `occurred_at`."""
    envelope = Envelope(type=type_, tenant_id=None, payload=json.loads(json.dumps(payload)))
    if occurred_at is not None:
        envelope = envelope.model_copy(update={"occurred_at": occurred_at})
    await h.deliver(envelope)


async def site_added(h: Any, site_id: str, name: str, billing: dict[str, Any] | None, **kw: Any) -> None:
    payload = {"provider_id": P1, "site_id": site_id, "name": name, "notification_email": "s@paivansade.fi",
               "billing": billing}
    await fact(h, "registry.site.added", payload, **kw)


async def billing_changed(h: Any, site_id: str | None, billing: dict[str, Any] | None, **kw: Any) -> None:
    await fact(h, "registry.provider.billing_changed", {"provider_id": P1, "site_id": site_id, "billing": billing},
               **kw)


async def lock(h: Any, month: str, at: datetime) -> dict[str, Any]:
    h.clock.set(at)
    run: dict[str, Any] = await h.run(month)
    return run


async def transfers(h: Any, run: dict[str, Any]) -> list[tuple[str, str]]:
    """(IBAN, amount) of every credit transfer in the run's payment file, sorted."""
    response = await h.client.get(f"/v1/tenants/{T}/runs/{run['id']}/payment-file", headers=h.admin)
    assert response.status_code == 200, response.text
    root = etree.fromstring(response.content)
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
    return sorted(
        (tx.findtext(".//p:CdtrAcct/p:Id/p:IBAN", namespaces=ns), tx.findtext(".//p:InstdAmt", namespaces=ns))
        for tx in root.findall(".//p:CdtTrfTxInf", namespaces=ns)
    )


def dead_letters(h: Any) -> list[str]:
    return [d.reason for q in h.broker.queues.values() for d in q.dead]


async def test_company_and_two_sites_added_later_are_each_paid_on_their_own_iban(harness: Any) -> None:
    h = harness
    await h.seed()  # the company (its own billing) with one site s-1 without billing of its own
    await site_added(h, "s-kuusela", "Kuusela", KUUSELA)
    await site_added(h, "s-koivula", "Koivula", None)
    await billing_changed(h, "s-koivula", KOIVULA)  # the second site's billing given after it was added
    await h.event("e-1", "2016-03-01", "2016-03-10")  # the company: 10 x 90.00
    await h.event("e-2", "2016-03-01", "2016-03-02", producer_part="site:s-1")  # no own billing: the company
    await h.event("e-3", "2016-03-01", "2016-03-03", share="45.55", producer_part="site:s-kuusela")  # 136.65
    await h.event("e-4", "2016-03-05", "2016-03-05", share="33.333", producer_part="site:s-koivula")  # 33.33
    run = await lock(h, "2016-03", APRIL_5)
    assert h.payees(run) == {f"{P1}/-": "1080.00", f"{P1}/s-kuusela": "136.65", f"{P1}/s-koivula": "33.33"}
    assert run["total"] == "1249.98" and run["carried_over"] == []
    names = {p["site_id"]: (p["payee_name"], p["reference"], p["event_ids"]) for p in run["payments"]}
    assert names == {
        None: ("Hoivakoti Päivänsäde Oy", "1234561", ["e-1", "e-2"]),
        "s-kuusela": ("Hoivakoti Päivänsäde Oy, Kuusela", "RF341234561", ["e-3"]),
        "s-koivula": ("Hoivakoti Päivänsäde Oy, Koivula", "1232", ["e-4"]),
    }
    assert await transfers(h, run) == sorted(
        [(COMPANY_IBAN, "1080.00"), (KUUSELA["iban"], "136.65"), (KOIVULA["iban"], "33.33")]
    )
    assert dead_letters(h) == []


async def test_a_site_not_known_yet_waits_and_is_then_paid_to_its_own_account(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10", producer_part="site:s-new")  # the site is not known yet
    await h.event("e-2", "2016-03-01", "2016-03-02")  # the company's own: paid as usual
    march = await lock(h, "2016-03", APRIL_5)
    assert h.payees(march) == {f"{P1}/-": "180.00"}  # never the site's 900.00 on the company's account
    assert [(c["site_id"], c["amount"], c["reason"]) for c in march["carried_over"]] == [
        ("s-new", "900.00", "site_not_known")
    ]
    assert "not known" in march["carried_over"][0]["reason_text"]
    await site_added(h, "s-new", "Kuusela", KUUSELA)
    april = await lock(h, "2016-04", MAY_5)
    assert h.payees(april) == {f"{P1}/s-new": "900.00"}
    assert await transfers(h, april) == [(KUUSELA["iban"], "900.00")]


async def test_a_sites_billing_that_arrives_later_is_paid_there_the_next_month(harness: Any) -> None:
    h = harness
    await h.seed(p1_billing=None)  # neither the company nor its site has billing information
    await site_added(h, "s-kuusela", "Kuusela", None)
    await h.event("e-1", "2016-03-01", "2016-03-10", producer_part="site:s-kuusela")
    march = await lock(h, "2016-03", APRIL_5)
    assert march["payments"] == []
    assert [(c["site_id"], c["amount"], c["reason"]) for c in march["carried_over"]] == [
        (None, "900.00", "no_billing_information")
    ]
    await billing_changed(h, "s-kuusela", KUUSELA)
    april = await lock(h, "2016-04", MAY_5)
    assert h.payees(april) == {f"{P1}/s-kuusela": "900.00"}
    assert await transfers(h, april) == [(KUUSELA["iban"], "900.00")]


async def test_billing_that_arrives_before_its_site_is_kept_not_parked(harness: Any) -> None:
    h = harness
    await h.seed()
    added = datetime.now(UTC) - timedelta(minutes=5)
    # The registry added the site without billing and then gave it billing; the billing arrives first.
    await billing_changed(h, "s-kuusela", KUUSELA, occurred_at=added + timedelta(minutes=1))
    await site_added(h, "s-kuusela", "Kuusela", None, occurred_at=added)
    assert dead_letters(h) == []
    await h.event("e-1", "2016-03-01", "2016-03-10", producer_part="site:s-kuusela")
    run = await lock(h, "2016-03", APRIL_5)
    assert h.payees(run) == {f"{P1}/s-kuusela": "900.00"}
    assert await transfers(h, run) == [(KUUSELA["iban"], "900.00")]


async def test_company_billing_that_arrives_before_the_company_is_kept(harness: Any) -> None:
    h = harness
    # Stated after the registration (which the seed stamps with the time it is heard), heard before it.
    await billing_changed(h, None, KOIVULA, occurred_at=datetime.now(UTC) + timedelta(hours=1))
    await h.seed(p1_billing=None)
    assert dead_letters(h) == []
    await h.event("e-1", "2016-03-01", "2016-03-10")
    run = await lock(h, "2016-03", APRIL_5)
    assert await transfers(h, run) == [(KOIVULA["iban"], "900.00")]


async def test_a_billing_change_between_months_pays_each_month_to_the_account_of_its_time(harness: Any) -> None:
    h = harness
    await h.seed()
    await site_added(h, "s-kuusela", "Kuusela", KUUSELA)
    await h.event("e-1", "2016-03-01", "2016-03-10", producer_part="site:s-kuusela")
    march = await lock(h, "2016-03", APRIL_5)
    assert await transfers(h, march) == [(KUUSELA["iban"], "900.00")]
    changed = datetime.now(UTC)
    await billing_changed(h, "s-kuusela", KOIVULA, occurred_at=changed)
    # An older statement of the site heard late (a redelivered site.changed) does not undo the change.
    await fact(h, "registry.site.changed",
               {"provider_id": P1, "site_id": "s-kuusela", "name": "Kuusela", "notification_email": "k@p.fi",
                "billing": KUUSELA}, occurred_at=changed - timedelta(seconds=1))
    await h.event("e-2", "2016-04-01", "2016-04-02", producer_part="site:s-kuusela")
    april = await lock(h, "2016-04", MAY_5)
    assert await transfers(h, april) == [(KOIVULA["iban"], "180.00")]
    assert [p["reference"] for p in april["payments"]] == ["1232"]


async def test_a_billing_change_between_two_previews_is_among_their_changes(harness: Any) -> None:
    """Billing information changes without the tenant's approval, at any moment: the officer who previewed the
    month and previews again before locking it is told that a payee's account changed, or that a payee is now
    carried over (no billing information), even when no amount changed."""
    h = harness
    await h.seed()
    await site_added(h, "s-kuusela", "Kuusela", KUUSELA)
    await h.event("e-1", "2016-03-01", "2016-03-10")
    await h.event("e-2", "2016-03-01", "2016-03-02", producer_part="site:s-kuusela")
    h.clock.set(APRIL_5)
    first = await h.run("2016-03", dry_run=True)
    assert [(p["site_id"], p["iban"]) for p in first["payments"]] == [(None, COMPANY_IBAN),
                                                                      ("s-kuusela", KUUSELA["iban"])]
    await billing_changed(h, None, KOIVULA)
    await billing_changed(h, "s-kuusela", None)
    second = await h.run("2016-03", dry_run=True)
    assert second["total"] == "1080.00"
    changes = {(c["provider_id"], c["site_id"]): c for c in second["changes"]["payees"]}
    company = changes[(P1, None)]
    assert (company["before"], company["after"]) == ("900.00", "1080.00")
    assert (company["iban_before"], company["iban_after"]) == (COMPANY_IBAN, KOIVULA["iban"])
    site = changes[(P1, "s-kuusela")]
    assert (site["before"], site["after"], site["iban_before"], site["iban_after"]) == (
        "180.00", "0.00", KUUSELA["iban"], None)
    # The company's billing information removed: nothing to pay it to; the amounts do not move, the state does.
    await billing_changed(h, None, None)
    third = await h.run("2016-03", dry_run=True)
    assert third["total"] == "0.00"
    [gone] = third["changes"]["payees"]
    assert (gone["site_id"], gone["before"], gone["after"]) == (None, "1080.00", "1080.00")
    assert (gone["iban_before"], gone["iban_after"], gone["carried_over_before"], gone["carried_over_after"]) == (
        KOIVULA["iban"], None, None, "no_billing_information")


async def test_a_renamed_company_is_paid_and_specified_under_its_new_name(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.publish("registry.provider.renamed", {"provider_id": P1, "name": "Hoivapalvelut Aurinko Oy"},
                    tenant_id=None)
    await h.event("e-1", "2016-03-01", "2016-03-10")
    march = await h.run("2016-03")
    assert [p["payee_name"] for p in march["payments"]] == ["Hoivapalvelut Aurinko Oy"]
    xml = await h.client.get(f"/v1/tenants/{T}/runs/{march['id']}/payment-file", headers=h.admin)
    assert xml.status_code == 200 and b"<Nm>Hoivapalvelut Aurinko Oy</Nm>" in xml.content
    assert b"Hoivakoti" not in xml.content


async def test_a_site_of_a_long_named_company_is_paid_and_the_run_completes(harness: Any) -> None:
    """A company and a site may each have a name of 200 characters: "company, site" is longer than that. The
    job failed on the payee name (a 500 for nobody to see: the run stayed running for ever and nobody was paid)."""
    h = harness
    await h.seed()
    company = "Hoiva- ja kuntoutuspalvelut " + "Päivänsäde " * 15 + "Oy"
    await fact(h, "registry.provider.renamed", {"provider_id": P1, "name": company[:200]})
    site_name = "Palvelukoti Kuusela " + "ja kotihoito " * 10
    await site_added(h, "s-kuusela", site_name, KUUSELA)
    await h.event("e-1", "2016-03-01", "2016-03-03", producer_part="site:s-kuusela")
    await h.event("e-2", "2016-03-01", "2016-03-02")
    run = await lock(h, "2016-03", APRIL_5)
    assert run["state"] == "completed"
    assert h.payees(run) == {f"{P1}/-": "180.00", f"{P1}/s-kuusela": "270.00"}
    site = next(p for p in run["payments"] if p["site_id"] == "s-kuusela")
    name = site["payee_name"]  # the site's name kept (cut at 100), the company's cut to what fits
    assert name.startswith(company[:90]) and name.endswith(", " + site_name[:100].rstrip()) and len(name) <= 200
    assert await transfers(h, run) == sorted([(COMPANY_IBAN, "180.00"), (KUUSELA["iban"], "270.00")])


async def test_an_older_name_heard_after_a_newer_one_is_not_paid_to(harness: Any) -> None:
    """Renamed twice at once (a typo corrected): the registry's facts of no tenant are handled side by side and
    may be retried, so the first rename can arrive last."""
    h = harness
    await h.seed()
    renamed = datetime.now(UTC) + timedelta(minutes=1)
    await fact(h, "registry.provider.renamed", {"provider_id": P1, "name": "Hoivapalvelut Aurinko Oy"},
               occurred_at=renamed)
    await fact(h, "registry.provider.renamed", {"provider_id": P1, "name": "Hoivapalvelut Arinko Oy"},
               occurred_at=renamed - timedelta(seconds=20))
    await h.event("e-1", "2016-03-01", "2016-03-10")
    march = await h.run("2016-03")
    assert [p["payee_name"] for p in march["payments"]] == ["Hoivapalvelut Aurinko Oy"]


async def test_an_older_site_name_heard_after_a_newer_one_is_not_the_payees_name(harness: Any) -> None:
    h = harness
    await h.seed()
    added = datetime.now(UTC)
    await site_added(h, "s-kuusela", "Kuusela", KUUSELA, occurred_at=added)
    for name, at in (("Kuusela", added + timedelta(seconds=40)), ("Kusela", added + timedelta(seconds=20))):
        await fact(h, "registry.site.changed", {"provider_id": P1, "site_id": "s-kuusela", "name": name,
                                                "notification_email": "s@paivansade.fi", "billing": KUUSELA},
                   occurred_at=at)
    await h.event("e-1", "2016-03-01", "2016-03-10", producer_part="site:s-kuusela")
    run = await lock(h, "2016-03", APRIL_5)
    [payment] = run["payments"]
    assert payment["payee_name"].endswith(", Kuusela"), payment["payee_name"]


async def test_a_hospital_stay_named_at_a_site_is_paid_to_the_sites_own_account(harness: Any) -> None:
    """The provider names the producer part of an interruption (the seed's form asks for it): a stay at the
    site Kuusela, which has billing of its own, is paid to Kuusela's account with its presence, not the
    company's; the company's own care stays on the company's."""
    h = harness
    await h.seed()
    await site_added(h, "s-kuusela", "Kuusela", KUUSELA)
    await h.event("e-1", "2016-03-01", "2016-03-01", producer_part="site:s-kuusela")  # 90.00
    segments = [h.segment("2016-03-02", "2016-03-05", 4)]  # 4 × 90.00 at 100 %
    await h.publish("events.interruption.finalised", {
        "interruption_id": "i-1", "provider_id": P1, "producer_part": "site:s-kuusela", "client_ref": "A-1001",
        "content_id": "hoito", "service_id": "tehostettu", "start": "2016-03-02", "end": "2016-03-05",
        "reason": "hospital", "segments": segments, "amount_tenant": "360.00", "amount_co_payment": "40.00"})
    await h.event("e-2", "2016-03-10", "2016-03-10", client_ref="A-1002")  # the company's own: 90.00
    run = await lock(h, "2016-03", APRIL_5)
    assert h.payees(run) == {f"{P1}/-": "90.00", f"{P1}/s-kuusela": "450.00"}
    assert await transfers(h, run) == sorted([(COMPANY_IBAN, "90.00"), (KUUSELA["iban"], "450.00")])
