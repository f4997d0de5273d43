"""Interruption rules versioned by valid_from: each interruption day is paid by the rule valid on
that day (day numbers still count from the departure day), in the domain and through the service."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from seteli_events.domain import (
    ContentTerms,
    InterruptionDay,
    InterruptionRule,
    PriceList,
    ReasonRule,
    rule_on,
    split_interruption,
    value_interruption,
)

from .conftest import HOUSING_SERVICE, KOUVOLA_RULE, Harness, T

D = Decimal
HOUSING = ContentTerms("housing", "day", D("140.00"))  # voucher value 140.00 of a 155.00 price
LISTS = [PriceList("pl-2016", None, date(2016, 1, 1), {"housing": D("155.00")})]
REASONS = ("hospital", "holiday", "other")
RULE_A = InterruptionRule({r: ReasonRule.of([(0, 10, 100), (11, None, 0)]) for r in REASONS}, date(2016, 1, 1))
RULE_B = InterruptionRule({r: ReasonRule.of([(0, 10, 100), (11, 20, 50), (21, None, 0)]) for r in REASONS},
                          date(2016, 7, 1))


def test_interruption_crossing_a_rule_change_pays_each_day_by_its_rule() -> None:
    start, end = date(2016, 6, 20), date(2016, 7, 15)
    days = split_interruption(start, end, [RULE_B, RULE_A], "hospital")  # order does not matter
    expected = [InterruptionDay(start + timedelta(n), n, D(100), False) for n in range(11)]  # A: 06-20..06-30
    expected += [InterruptionDay(start + timedelta(n), n, D(50), False) for n in range(11, 21)]  # B: 07-01..07-10
    expected += [InterruptionDay(start + timedelta(n), n, D(0), False) for n in range(21, 25)]  # B: 07-11..07-14
    expected += [InterruptionDay(end, 25, D(100), True)]
    assert days == expected
    v = value_interruption(HOUSING, start, end, [RULE_A, RULE_B], "hospital", LISTS, None)
    assert [(s.start, s.end, s.units, s.percentage, s.amount_tenant, s.amount_co_payment) for s in v.segments] == [
        (date(2016, 6, 20), date(2016, 6, 30), D(11), D(100), D("1540.00"), D("165.00")),  # 11 × 140.00 / 15.00
        (date(2016, 7, 1), date(2016, 7, 10), D(10), D(50), D("700.00"), D("75.00")),  # 10 × 70.00 / 7.50
        (date(2016, 7, 11), date(2016, 7, 14), D(4), D(0), D("0.00"), D("0.00")),
        (date(2016, 7, 15), date(2016, 7, 15), D(1), D(100), D("140.00"), D("15.00")),
    ]
    assert (v.amount_tenant, v.amount_co_payment) == (D("2380.00"), D("255.00"))
    # Under rule A alone (before the change) days 11-24 would have been unpaid.
    alone = value_interruption(HOUSING, start, end, RULE_A, "hospital", LISTS, None)
    assert alone.amount_tenant == D("1680.00")


def test_the_rule_valid_on_a_day_holds_until_the_next_starts() -> None:
    rules = [RULE_A, RULE_B]
    assert rule_on(rules, date(2016, 6, 30)) is RULE_A
    assert rule_on(rules, date(2016, 7, 1)) is RULE_B
    assert rule_on(rules, date(2015, 7, 2)) is RULE_A  # before the first: the first, as the single rule did


@settings(max_examples=100, deadline=None)
@given(
    st.dates(min_value=date(2015, 1, 1), max_value=date(2017, 12, 31)),
    st.integers(min_value=1, max_value=90),
    st.sampled_from(REASONS),
    st.one_of(st.none(), st.dates(min_value=date(2014, 1, 1), max_value=date(2018, 12, 31))),
)
def test_a_single_rule_version_pays_as_the_single_rule_did(
    start: date, nights: int, reason: str, valid_from: date | None
) -> None:
    end = start + timedelta(days=nights)
    lists = [PriceList("pl", None, date(2014, 1, 1), {"housing": D("155.00")})]
    bare = InterruptionRule(dict(RULE_B.reasons))
    versioned = [InterruptionRule(dict(RULE_B.reasons), valid_from)]
    assert split_interruption(start, end, versioned, reason) == split_interruption(start, end, bare, reason)
    assert (value_interruption(HOUSING, start, end, versioned, reason, lists, None)
            == value_interruption(HOUSING, start, end, bare, reason, lists, None))


# --- through the service: the read model keeps every version -------------------------------------
def _versioned_service(rules: list[dict[str, Any]] | None, single: dict[str, Any] | None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "service_id": HOUSING_SERVICE, "name_fi": "Tehostettu palveluasuminen", "name_sv": "Serviceboende",
        "kind": "voucher", "auto_recording": True, "calendar": None, "interruption_rule": single,
        "contents": [{"content_id": "housing", "name_fi": "Asuminen", "name_sv": "Boende", "unit": "day",
                      "client_pays": False}]}
    if rules is not None:
        payload["interruption_rules"] = rules
    return payload


RULE_B_JSON = {"valid_from": "2016-07-01", "reasons": {r: {
    "bands": [{"from_day": 0, "to_day": 10, "percentage": "100"}, {"from_day": 11, "to_day": 20, "percentage": "50"},
              {"from_day": 21, "to_day": None, "percentage": "0"}],
    "return_day_percentage": "100"} for r in REASONS}}


async def test_consumer_keeps_every_version_and_valuation_uses_the_days_rule(seeded: Harness) -> None:
    h = seeded
    h.clock.set(datetime(2016, 9, 1, 9, 0, tzinfo=UTC))
    rule_a = {**KOUVOLA_RULE, "valid_from": "2016-01-01"}
    await h.feed("applications.service.defined", _versioned_service([rule_a, RULE_B_JSON], rule_a))
    response = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json={
        "booking_id": "b-housing", "start": "2016-06-20", "end": "2016-07-15", "reason": "hospital"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert [(s["start"], s["end"], s["percentage"], s["amount_tenant"]) for s in body["segments"]] == [
        ("2016-06-20", "2016-06-30", "100", "1540.00"),
        ("2016-07-01", "2016-07-10", "50", "700.00"),
        ("2016-07-11", "2016-07-14", "0", "0.00"),
        ("2016-07-15", "2016-07-15", "100", "140.00"),
    ]
    assert body["amount_tenant"] == "2380.00" and body["amount_co_payment"] == "255.00"
    finalised = (await h.published("events.interruption.finalised"))[-1]
    assert finalised["days"][11] == {"day": "2016-07-01", "day_number": 11, "percentage": "50"}
    # A publisher that sends only the single rule (as before versioning) replaces the versions by it.
    await h.feed("applications.service.defined", _versioned_service(None, rule_a))
    again = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json={
        "booking_id": "b-housing", "start": "2016-08-01", "end": "2016-08-26", "reason": "hospital"})
    assert again.status_code == 201, again.text
    assert again.json()["amount_tenant"] == "1680.00"  # days 11-24 at 0 % by rule A


async def test_a_changed_rule_values_the_absences_not_paid_yet_again(seeded: Harness) -> None:
    """The tenant admin corrects the rule in force: a hospital stay's days from the 11th are paid at 50 %, not 0 %.
    An absence is paid by the rule of its days, so July's finalised stay, not settled yet, is valued again and sent
    with its next revision (1680.00 -> 1960.00: four days at 70.00); May's, already paid, keeps its value. July's
    went on being paid by the old rule."""
    h = seeded
    may = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json={
        "booking_id": "b-housing", "start": "2015-05-04", "end": "2015-05-20", "reason": "hospital"})
    july = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json={
        "booking_id": "b-housing", "start": "2015-07-02", "end": "2015-07-17", "reason": "hospital"})
    assert may.status_code == july.status_code == 201, (may.text, july.text)
    await h.feed("settlement.events.settled", {"run_id": "run-2015-05", "interruption_ids": [may.json()["id"]]})
    corrected = {**KOUVOLA_RULE, "reasons": {**KOUVOLA_RULE["reasons"], "hospital": {
        "bands": [{"from_day": 0, "to_day": 10, "percentage": "100"},
                  {"from_day": 11, "to_day": None, "percentage": "50"}],
        "return_day_percentage": "100"}}}
    await h.feed("applications.service.defined", _versioned_service([corrected], corrected))
    sent = [(f["interruption_id"], f["revision"], f["amount_tenant"])
            for f in await h.published("events.interruption.finalised")]
    assert sent == [(may.json()["id"], 1, "1680.00"), (july.json()["id"], 1, "1680.00"),
                    (july.json()["id"], 2, "1960.00")]
    # the same definition heard again changes nothing more
    await h.feed("applications.service.defined", _versioned_service([corrected], corrected))
    assert len(await h.published("events.interruption.finalised")) == 3
