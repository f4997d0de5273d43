"""A correction request closed as 'removed' (its paid care lay beyond the last valid day) is answered on the
provider's credits page and the officer's answered list (one macro) with the day and the cause events kept: the
voucher ended, the client died, the booking ended, or the booked service ended; requests removed before events kept
the cause get the neutral answer (with the day when kept, else without). Finnish and Swedish."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from seteli_portal.i18n import Translator
from seteli_portal.web import make_env

LAST = date(2016, 2, 15)
PAID_BACK_FI = "tätä hoitoa ei enää makseta, ja siitä maksettu vähennetään seuraavasta maksusta."
PAID_BACK_SV = "den här vården betalas inte längre, och det som betalats för den dras av från nästa betalning."


def answer(row: dict[str, Any], lang: str) -> str:
    template = make_env().from_string("{% import '_macros.html' as m with context %}{{ m.correction_answer(r) }}")
    return template.render(r=row, t=Translator(lang), url=lambda path: path)


def removed(valid_until: date | None, cause: str | None) -> dict[str, Any]:
    return {"state": "removed", "answer": None, "valid_until": valid_until, "removed_cause": cause}


@pytest.mark.parametrize(("cause", "fi", "sv"), [
    ("voucher", "Hoitoa maksetaan 15.2.2016 asti, koska palvelusetelin voimassaolo päättyi: ",
     "Vården betalas till och med 15.2.2016, eftersom servicesedelns giltighet upphörde: "),
    ("death", "Hoitoa maksetaan 15.2.2016 asti, koska asiakas on kuollut (palveluseteli on voimassa kuolinpäivää "
              "seuraavaan päivään asti): ",
     "Vården betalas till och med 15.2.2016, eftersom klienten har avlidit (servicesedeln gäller till och med dagen "
     "efter dödsdagen): "),
    ("booking", "Hoitoa maksetaan 15.2.2016 asti, koska palveluvaraus päättyi: ",
     "Vården betalas till och med 15.2.2016, eftersom bokningen upphörde: "),
    ("service", "Hoitoa maksetaan 15.2.2016 asti, koska varatun palvelun voimassaolo päättyi: ",
     "Vården betalas till och med 15.2.2016, eftersom den bokade tjänstens giltighet upphörde: "),
])
def test_a_removed_request_names_its_cause_and_day(cause: str, fi: str, sv: str) -> None:
    assert answer(removed(LAST, cause), "fi") == fi + PAID_BACK_FI
    assert answer(removed(LAST, cause), "sv") == sv + PAID_BACK_SV


def test_a_request_removed_before_the_cause_was_kept_keeps_the_neutral_answer() -> None:
    assert answer(removed(LAST, None), "fi") == (
        "Hoitoa maksetaan 15.2.2016 asti, koska palvelusetelin, varauksen tai varatun palvelun voimassaolo päättyi: "
        + PAID_BACK_FI)
    assert answer(removed(LAST, None), "sv") == (
        "Vården betalas till och med 15.2.2016, eftersom servicesedelns, bokningens eller den bokade tjänstens "
        "giltighet upphörde: " + PAID_BACK_SV)
    assert answer(removed(None, None), "fi").startswith(
        "Palvelusetelin, varauksen tai varatun palvelun voimassaolo päättyi ennen tätä hoitoa")
    assert answer(removed(None, None), "sv").startswith(
        "Servicesedelns, bokningens eller den bokade tjänstens giltighet upphörde före den här vården")


def test_an_answered_request_shows_the_officers_answer_and_an_open_one_none() -> None:
    assert answer({"state": "declined", "answer": "Ei perusteita", "removed_cause": None}, "fi") == "Ei perusteita"
    assert answer({"state": "open", "answer": None, "removed_cause": None}, "sv") == ""
