"""The officer approves an application that is missing something on the day of the decision (an attachment the
company removed, or one that expired, after sending): the applications service refuses with 409
`application_incomplete`; the officer reads why and what to do in their language, no English from the API."""

from __future__ import annotations

from dataclasses import dataclass

from seteli_portal.apiclient import ApiError
from seteli_portal.i18n import Translator
from seteli_portal.web import Page


@dataclass
class _Page:
    t: Translator


def test_an_approval_of_an_application_missing_something_today_says_to_return_it_in_finnish_and_swedish() -> None:
    exc = ApiError(409, "Application is incomplete",
                   "2 item(s) missing today: return the application for completion",
                   {"attachments.company.prov-1": "company prov-1: attachment 'rescue_plan' is missing"},
                   code="application_incomplete")
    for lang, expected in (
            ("fi", "Hakemuksesta puuttuu nyt tietoja (ks. puuttuvat kohdat sivun alussa), joten sitä ei voi "
                   "hyväksyä. Palauta hakemus täydennettäväksi."),
            ("sv", "Ansökan saknar nu uppgifter (se de saknade punkterna överst på sidan), så den kan inte "
                   "godkännas. Returnera ansökan för komplettering.")):
        assert Page.problem_message(_Page(Translator(lang)), exc) == expected  # type: ignore[arg-type]
