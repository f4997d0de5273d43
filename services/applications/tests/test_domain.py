"""Pure rules: interruption-rule bands, validity chains, price look-up, completeness."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from seteli_applications.demo import kouvola_interruption_rule
from seteli_applications.domain import (
    band_percentage,
    calendar_problems,
    completeness,
    interruption_rule_problems,
    unit_price_on,
    valid_until,
)


def test_kouvola_rule_pays_days_0_to_10_and_nothing_from_day_11() -> None:
    rule = kouvola_interruption_rule()
    assert interruption_rule_problems(rule) == []
    hospital = rule["reasons"]["hospital"]
    assert [band_percentage(hospital, d) for d in (0, 1, 10, 11, 14, 400)] == [100, 100, 100, 0, 0, 0]
    assert hospital["return_day_percentage"] == 100


def test_rule_with_gap_or_closed_end_is_refused() -> None:
    gap = {"reasons": {"other": {"bands": [{"from_day": 0, "to_day": 5, "percentage": 100},
                                           {"from_day": 7, "to_day": None, "percentage": 0}]}}}
    assert [e.field for e in interruption_rule_problems(gap)] == ["interruption_rule.reasons.other.bands.1.from_day"]
    closed = {"reasons": {"holiday": {"bands": [{"from_day": 0, "to_day": 5, "percentage": 100}]}}}
    assert [e.field for e in interruption_rule_problems(closed)] == ["interruption_rule.reasons.holiday.bands"]


def test_a_reason_the_rule_does_not_know_names_its_rule() -> None:
    """The API's schema takes only hospital, holiday and other; a rule read from elsewhere (a stored version)
    is checked by the same function, and its refusal has a code the portal says in Finnish and Swedish."""
    unknown = {"reasons": {"vacation": {"bands": [{"from_day": 0, "to_day": None, "percentage": 100}]}}}
    assert [(e.field, e.code) for e in interruption_rule_problems(unknown)] == [
        ("interruption_rule.reasons.vacation", "rule_reason_unknown")]


def test_calendar_days_must_be_in_order() -> None:
    assert calendar_problems({"provider_deadline_day": 2, "approval_deadline_day": 3, "transfer_day": 4}) == []
    assert calendar_problems({"provider_deadline_day": 5, "approval_deadline_day": 3, "transfer_day": 4})
    assert calendar_problems({"provider_deadline_day": 0, "approval_deadline_day": 3, "transfer_day": 40})


def test_validity_runs_to_the_day_before_the_next_start() -> None:
    starts = [date(2015, 1, 1), date(2016, 1, 1), date(2016, 7, 1)]
    assert valid_until(starts, date(2015, 1, 1)) == date(2015, 12, 31)
    assert valid_until(starts, date(2016, 1, 1)) == date(2016, 6, 30)
    assert valid_until(starts, date(2016, 7, 1)) is None


def test_price_on_event_date_with_part_and_company_fallback() -> None:
    lists = [
        {"id": "c15", "producer_part": None, "start": date(2015, 1, 1), "prices": {"h": Decimal("100.00")}},
        {"id": "c16", "producer_part": None, "start": date(2016, 1, 1), "prices": {"h": Decimal("110.00")}},
        {"id": "s16", "producer_part": "site:a", "start": date(2016, 2, 1), "prices": {"h": Decimal("120.00")}},
    ]
    def price(day: date, part: str | None = None) -> Decimal | None:
        found = unit_price_on(lists, content_id="h", producer_part=part, day=day)
        return found[0] if found else None
    assert price(date(2015, 12, 31)) == Decimal("100.00")
    assert price(date(2016, 1, 1)) == Decimal("110.00")
    assert price(date(2016, 1, 31), "site:a") == Decimal("110.00")
    assert price(date(2016, 2, 1), "site:a") == Decimal("120.00")
    assert price(date(2014, 12, 31)) is None


def test_completeness_reports_expired_apart_from_missing() -> None:
    attachments = [{"level": "site", "owner_id": "s1", "type": "rescue_plan", "valid_from": date(2015, 1, 1),
                    "valid_until": date(2016, 3, 14)}]
    missing = completeness(required={"site": [{"type": "rescue_plan"}, {"type": "staff_list"}]}, provider_id="p",
                           site_ids=["s1"], subcontractor_ids=[], attachments=attachments, today=date(2016, 3, 15),
                           price_list_count=1, needs_price_list=True, rulebook_accepted=True)
    assert [(m.code, m.type) for m in missing] == [("attachment_expired", "rescue_plan"),
                                                   ("attachment_missing", "staff_list")]
    valid_today = [{**attachments[0], "valid_until": date(2016, 3, 15)}]
    assert len(completeness(required={"site": [{"type": "rescue_plan"}]}, provider_id="p", site_ids=["s1"],
                            subcontractor_ids=[], attachments=valid_today, today=date(2016, 3, 15),
                            price_list_count=1, needs_price_list=True, rulebook_accepted=None)) == 0
