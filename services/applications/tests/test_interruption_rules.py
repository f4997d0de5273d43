"""Interruption rules versioned by their valid_from: API validation, the rule in force, the event.
The test clock stands at 2016-03-15."""

from __future__ import annotations

from datetime import date
from typing import Any

from seteli_applications.demo import kouvola_interruption_rule, kouvola_services
from seteli_applications.domain import rule_in_force

Api = Flow = Any  # fixtures of conftest.py


def _rule(valid_from: str | None, late_percentage: int) -> dict[str, Any]:
    reason = {"bands": [{"from_day": 0, "to_day": 10, "percentage": 100},
                        {"from_day": 11, "to_day": None, "percentage": late_percentage}],
              "return_day_percentage": 100}
    return {"valid_from": valid_from, "reasons": {r: reason for r in ("hospital", "holiday", "other")}}


async def test_versions_are_kept_and_the_one_in_force_today_is_the_single_rule(api: Api, flow: Flow) -> None:
    body = {**kouvola_services()[1], "interruption_rule": None,
            "interruption_rules": [_rule("2016-07-01", 50), _rule("2016-01-01", 0)]}
    service = await flow.service(body)
    assert [r["valid_from"] for r in service["interruption_rules"]] == ["2016-01-01", "2016-07-01"]
    assert service["interruption_rule"]["valid_from"] == "2016-01-01"  # in force on 2016-03-15
    published = (await api.published("applications.service.defined"))[-1]["payload"]
    assert published["interruption_rule"]["valid_from"] == "2016-01-01"
    assert [r["valid_from"] for r in published["interruption_rules"]] == ["2016-01-01", "2016-07-01"]


async def test_single_rule_field_replaces_its_date_or_adds_a_version(api: Api, flow: Flow) -> None:
    service = await flow.service(kouvola_services()[1])
    assert [r["valid_from"] for r in service["interruption_rules"]] == ["2016-01-01"]
    base = f"/v1/tenants/kouvola/services/{service['id']}"
    added = await api.client.patch(base, headers=api.admin, json={"interruption_rule": _rule("2016-07-01", 50)})
    assert added.status_code == 200, added.text
    assert [r["valid_from"] for r in added.json()["interruption_rules"]] == ["2016-01-01", "2016-07-01"]
    replaced = await api.client.patch(base, headers=api.admin, json={"interruption_rule": _rule("2016-01-01", 20)})
    rules = replaced.json()["interruption_rules"]
    assert [r["reasons"]["hospital"]["bands"][1]["percentage"] for r in rules] == [20, 50]
    assert replaced.json()["interruption_rule"] == rules[0]


async def test_two_rules_of_one_date_are_refused_and_change_nothing(api: Api, flow: Flow) -> None:
    service = await flow.service(kouvola_services()[1])
    base = f"/v1/tenants/kouvola/services/{service['id']}"
    before = len(await api.published("applications.service.defined"))
    bad = await api.client.patch(base, headers=api.admin, json={"interruption_rules": [
        _rule("2016-07-01", 50), _rule("2016-07-01", 0), {**_rule(None, 0), "reasons": {}}]})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert {(e["field"], e["reason"]) for e in bad.json()["errors"]} == {
        ("interruption_rules.1.valid_from", "another rule has the same valid_from"),
        ("interruption_rules.2.reasons", "at least one reason (hospital, holiday, other) is needed"),
        ("interruption_rules.2.valid_from", "each of several rules needs its valid_from"),
    }
    kept = (await api.client.get(base, headers=api.admin)).json()
    assert kept["interruption_rules"] == [kouvola_interruption_rule()]
    assert len(await api.published("applications.service.defined")) == before
    created = await api.client.post("/v1/tenants/kouvola/services", headers=api.admin, json={
        **kouvola_services()[1], "interruption_rules": [_rule("2016-01-01", 0)]})
    assert created.status_code == 422  # the single field and the list at once
    assert [e["field"] for e in created.json()["errors"]] == ["interruption_rule"]


def test_rule_in_force_is_the_latest_started_else_the_first_to_come() -> None:
    rules = [_rule("2016-07-01", 50), _rule("2016-01-01", 0)]
    assert rule_in_force(rules, date(2016, 6, 30)) == rules[1]
    assert rule_in_force(rules, date(2016, 7, 1)) == rules[0]
    assert rule_in_force(rules, date(2015, 12, 31)) == rules[1]  # none started yet: the first to come
    assert rule_in_force([], date(2016, 1, 1)) is None
