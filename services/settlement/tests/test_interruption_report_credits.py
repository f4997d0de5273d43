"""A credited absence in the interruptions report: as the realisation report does, the report over the months the
credit is settled in nets the credit into the absence's amounts (what the tenant pays and the client's share); a
report of the absence's month alone, before the credit's month, still shows what that month paid. JSON and CSV."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest

from .conftest import P1, T
from .test_ledger import interruption
from .test_money_beside import _credit
from .test_site_payees import KUUSELA


async def _report_rows(h: Any, start: str, end: str, fields: tuple[str, ...]
                       ) -> tuple[list[tuple[Any, ...]], list[tuple[str, ...]]]:
    """The interruptions report's rows over the months, as JSON and as CSV: the named fields of each."""
    params = {"from": start, "to": end}
    url = f"/v1/tenants/{T}/reports/interruptions"
    items = (await h.client.get(url, params=params, headers=h.admin)).json()["items"]
    text = (await h.client.get(url, params={**params, "format": "csv"}, headers=h.admin)).text
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    return [tuple(i[f] for f in fields) for i in items], [tuple(r[f] for f in fields) for r in rows]


async def _report(h: Any, start: str, end: str) -> tuple[list[tuple[Any, ...]], list[tuple[str, ...]]]:
    return await _report_rows(h, start, end, ("interruption_id", "amount_tenant", "amount_co_payment"))


@pytest.mark.parametrize("sqlite", [False, True], ids=["postgres", "sqlite"])  # the embedded suite the same
async def test_a_credited_absence_shows_its_amount_net_of_the_credit_as_the_realisation_report_does(
        harness_factory: Any, sqlite: bool) -> None:
    async with harness_factory(sqlite=sqlite) as h:
        await _credited_absence_reported(h)


async def _credited_absence_reported(h: Any) -> None:
    await h.seed()
    credited = interruption(h, "i-credited", "2016-03-02", "2016-03-05", [h.segment("2016-03-02", "2016-03-05", 4)])
    kept = interruption(h, "i-kept", "2016-03-20", "2016-03-21", [h.segment("2016-03-20", "2016-03-21", 2)])
    for stay in (credited, kept):
        await h.publish("events.interruption.finalised", {**stay, "revision": 1})
    assert (await h.run("2016-03"))["total"] == "540.00"  # 6 days × 90.00
    await h.publish("events.credit.requested", {**_credit("c-abs", "i-credited", "-360.00", "-40.00", "2016-04"),
                                                "kind": "interruption"})

    both = [("i-credited", "0.00", "0.00"), ("i-kept", "180.00", "20.00")]
    assert await _report(h, "2016-03", "2016-04") == (both, both)  # the credit open still: decided, not yet paid
    await h.event("e-april", "2016-04-01", "2016-04-15")  # 1350.00, less the credit
    assert (await h.run("2016-04"))["total"] == "990.00"
    assert await _report(h, "2016-03", "2016-04") == (both, both)
    realisation = await h.client.get(f"/v1/tenants/{T}/reports/realisation",
                                     params={"from": "2016-03", "to": "2016-04"}, headers=h.admin)
    # the two reports agree: 540.00 of absences less the 360.00 credited, and April's 1350.00 of care
    assert [i["amount_settled"] for i in realisation.json()["items"]] == ["1530.00"]
    # March alone: March paid the whole absence; its credit is April's
    march = [("i-credited", "360.00", "40.00"), ("i-kept", "180.00", "20.00")]
    assert await _report(h, "2016-03", "2016-03") == (march, march)


async def test_a_withdrawn_credit_leaves_the_absence_whole_and_a_cut_one_nets_to_nothing(harness: Any) -> None:
    """Beside: the credit withdrawn (the absence is worth its rule's amount again); the absence cut after its credit
    (the credit follows it: both at the cut's 180.00), heard in either order of the credit and the cut."""
    h = harness
    await h.seed()
    for stay_id in ("i-withdrawn", "i-cut", "i-cut-first"):
        stay = interruption(h, stay_id, "2016-03-02", "2016-03-05", [h.segment("2016-03-02", "2016-03-05", 4)])
        await h.publish("events.interruption.finalised", {**stay, "revision": 1})
    assert (await h.run("2016-03"))["total"] == "1080.00"
    cut = {stay_id: interruption(h, stay_id, "2016-03-02", "2016-03-03", [h.segment("2016-03-02", "2016-03-03", 2)])
           for stay_id in ("i-cut", "i-cut-first")}
    await h.publish("events.interruption.finalised", {**cut["i-cut-first"], "revision": 2})
    # events credits an absence at its value as it stands: the one cut first at 180.00
    for n, (stay_id, value, share) in enumerate((("i-withdrawn", "-360.00", "-40.00"), ("i-cut", "-360.00", "-40.00"),
                                                 ("i-cut-first", "-180.00", "-20.00"))):
        await h.publish("events.credit.requested", {
            **_credit(f"c-{n}", stay_id, value, share, "2016-04"), "kind": "interruption"})
    await h.publish("events.credit.withdrawn", {"credit_id": "c-0", "event_id": "i-withdrawn", "kind": "interruption",
                                                "reason": "credited by mistake"})
    await h.publish("events.interruption.finalised", {**cut["i-cut"], "revision": 2})
    rows = [("i-cut", "0.00", "0.00"), ("i-cut-first", "0.00", "0.00"), ("i-withdrawn", "360.00", "40.00")]
    assert await _report(h, "2016-03", "2016-04") == (rows, rows)


async def _credit_rows(h: Any, start: str, end: str) -> tuple[list[tuple[Any, ...]], list[tuple[str, ...]]]:
    return await _report_rows(h, start, end, ("interruption_id", "end", "amount_tenant", "credit"))


@pytest.mark.parametrize("sqlite", [False, True], ids=["postgres", "sqlite"])  # the embedded suite the same
async def test_a_credit_settled_after_the_absences_month_shows_in_its_own_month_so_the_months_add_up(
        harness_factory: Any, sqlite: bool) -> None:
    """An absence ending in March, paid in March's run and credited in April's: March's report shows what March
    paid, April's the credit (the absence's row again, marked a credit), March–April the net; 360 − 360 = 0."""
    async with harness_factory(sqlite=sqlite) as h:
        await _months_add_up(h)


async def _months_add_up(h: Any) -> None:
    await h.seed()
    stay = interruption(h, "i-rv-credited", "2016-03-02", "2016-03-05", [h.segment("2016-03-02", "2016-03-05", 4)])
    await h.publish("events.interruption.finalised", {**stay, "revision": 1})
    assert (await h.run("2016-03"))["total"] == "360.00"
    await h.publish("events.credit.requested", {**_credit("c-rv", "i-rv-credited", "-360.00", "-40.00", "2016-04"),
                                                "kind": "interruption"})
    await h.event("e-rv-april", "2016-04-01", "2016-04-15")
    assert (await h.run("2016-04"))["total"] == "990.00"

    assert await _credit_rows(h, "2016-03", "2016-03") == (
        [("i-rv-credited", "2016-03-05", "360.00", False)], [("i-rv-credited", "2016-03-05", "360.00", "False")])
    assert await _credit_rows(h, "2016-04", "2016-04") == (
        [("i-rv-credited", "2016-03-05", "-360.00", True)], [("i-rv-credited", "2016-03-05", "-360.00", "True")])
    assert await _credit_rows(h, "2016-03", "2016-04") == (
        [("i-rv-credited", "2016-03-05", "0.00", False)], [("i-rv-credited", "2016-03-05", "0.00", "False")])
    # the client's share the same way, and the realisation report's months add up alike
    april = await h.client.get(f"/v1/tenants/{T}/reports/interruptions", params={"from": "2016-04", "to": "2016-04"},
                               headers=h.admin)
    assert [(i["amount_co_payment"], i["days"]) for i in april.json()["items"]] == [("-40.00", 4)]
    assert april.json()["total"] == 1
    realised = []
    for start, end in (("2016-03", "2016-03"), ("2016-04", "2016-04"), ("2016-03", "2016-04")):
        items = (await h.client.get(f"/v1/tenants/{T}/reports/realisation", params={"from": start, "to": end},
                                    headers=h.admin)).json()["items"]
        realised.append(sum(Decimal(i["amount_settled"]) for i in items))
    assert realised == [Decimal("360.00"), Decimal("990.00"), Decimal("1350.00")]


async def _credit_rows_of(h: Any, start: str, end: str) -> tuple[list[tuple[Any, ...]], int]:
    """The report's JSON rows of the months (id, what the tenant pays, the client's share, credit) and its total;
    the CSV the same rows."""
    rows, csv_rows = await _report_rows(h, start, end, ("interruption_id", "amount_tenant", "amount_co_payment",
                                                        "credit"))
    assert csv_rows == [tuple(str(v) for v in row) for row in rows]
    page = await h.client.get(f"/v1/tenants/{T}/reports/interruptions", params={"from": start, "to": end},
                              headers=h.admin)
    return rows, page.json()["total"]


async def _realised_less_care(h: Any, month: str, care: str) -> Decimal:
    """What the realisation report sums for the month (settled and still unsettled), less its care (`care`): what
    the month's absences and credits moved, which the interruptions report of the month must sum to."""
    items = (await h.client.get(f"/v1/tenants/{T}/reports/realisation", params={"from": month, "to": month},
                                headers=h.admin)).json()["items"]
    return sum((Decimal(i["amount_settled"]) + Decimal(i["amount_unsettled"]) for i in items), -Decimal(care))


async def _months_agree(h: Any, care: dict[str, str]) -> None:
    """Month by month, the interruptions report sums to what the realisation report shows of absences and credits."""
    for month, care_of_month in care.items():
        rows, _ = await _credit_rows_of(h, month, month)
        assert sum((Decimal(r[1]) for r in rows), Decimal(0)) == await _realised_less_care(h, month, care_of_month), \
            month


@pytest.mark.parametrize("payee", [None, "s-1"], ids=["company", "site"])  # the site paid on its own account
@pytest.mark.parametrize("sqlite", [False, True], ids=["postgres", "sqlite"])  # the embedded suite the same
async def test_a_credit_paid_and_reversed_shows_no_row_of_nothing_and_the_months_agree_with_the_realisation_report(
        harness_factory: Any, sqlite: bool, payee: str | None) -> None:
    """Five March absences (360.00 each, paid in March), each credited in April: one credit withdrawn before April's
    run (never paid), one paid and withdrawn in May, one paid and its absence corrected to a holiday the rule pays
    nothing for (the credit follows it to nothing), one paid and withdrawn only after May's run, one kept. A reversal
    belongs to its credit's month in the ledger, as in the realisation report: a credit that nets to nothing there
    is no "Hyvitys" row of 0.00; the others show, and each month sums to what the realisation report shows."""
    async with harness_factory(sqlite=sqlite) as h:
        await _paid_and_reversed(h, payee)


async def _paid_and_reversed(h: Any, payee: str | None) -> None:
    await h.seed(sites=[{"site_id": "s-1", "name": "Päivänsäde", "notification_email": "koti@paivansade.fi",
                         "billing": KUUSELA}])
    names = ("i-corrected", "i-kept", "i-late", "i-open", "i-reversed")
    for stay_id in names:
        stay = interruption(h, stay_id, "2016-03-02", "2016-03-05", [h.segment("2016-03-02", "2016-03-05", 4)])
        await h.publish("events.interruption.finalised", {**stay, "producer_part": payee, "revision": 1})
    assert h.payees(await h.run("2016-03")) == {f"{P1}/{payee or '-'}": "1800.00"}
    for stay_id in names:
        await h.publish("events.credit.requested", {
            **_credit(f"c-{stay_id}", stay_id, "-360.00", "-40.00", "2016-04"), "producer_part": payee,
            "kind": "interruption"})

    async def withdraw(stay_id: str) -> None:
        await h.publish("events.credit.withdrawn", {"credit_id": f"c-{stay_id}", "event_id": stay_id,
                                                    "kind": "interruption", "reason": "hyvitetty virheellisesti"})

    await withdraw("i-open")
    await h.event("e-april", "2016-04-01", "2016-04-30", producer_part=payee)  # 2700.00
    assert h.payees(await h.run("2016-04")) == {f"{P1}/{payee or '-'}": "1260.00"}  # less four credits paid
    await withdraw("i-reversed")
    holiday = {**interruption(h, "i-corrected", "2016-03-02", "2016-03-05", []), "reason": "holiday"}
    await h.publish("events.interruption.finalised", {**holiday, "producer_part": payee, "revision": 2})
    await h.event("e-may", "2016-05-01", "2016-05-15", producer_part=payee)  # 1350.00
    # May's care, the two reversed credits given back, March's pay of the corrected absence taken back
    assert h.payees(await h.run("2016-05")) == {f"{P1}/{payee or '-'}": "1710.00"}

    paid = [("i-kept", "-360.00", "-40.00", True), ("i-late", "-360.00", "-40.00", True)]
    assert await _credit_rows_of(h, "2016-04", "2016-04") == (paid, 2)
    assert await _credit_rows_of(h, "2016-04", "2016-05") == (paid, 2)
    assert await _credit_rows_of(h, "2016-05", "2016-05") == ([], 0)
    await _months_agree(h, {"2016-03": "0.00", "2016-04": "2700.00", "2016-05": "1350.00"})

    await withdraw("i-late")  # after the months' runs: taken back (paid in June) as a credit of April still
    assert await _credit_rows_of(h, "2016-04", "2016-05") == (paid[:1], 1)
    await _months_agree(h, {"2016-03": "0.00", "2016-04": "2700.00", "2016-05": "1350.00"})
    # the absences' own months show them whatever their credits net to, the corrected one at nothing
    assert (await _credit_rows_of(h, "2016-03", "2016-05"))[0] == [
        ("i-corrected", "0.00", "0.00", False), ("i-kept", "0.00", "0.00", False),
        ("i-late", "360.00", "40.00", False), ("i-open", "360.00", "40.00", False),
        ("i-reversed", "360.00", "40.00", False)]
