"""The provider records care on a day from which the municipality ended the content: the events service's
refusal (problem+json, the field `start` or `end`) is shown next to that field in the provider's language,
with no English from the API."""

from __future__ import annotations

from dataclasses import dataclass

from seteli_portal.apiclient import ApiError
from seteli_portal.i18n import Translator
from seteli_portal.routes_care import _event_errors


@dataclass
class _Page:
    t: Translator

    def problem_message(self, exc: ApiError) -> str:
        return exc.detail


# as the events service words it (seteli_events.service.recording.check_content_goes_on)
REASON = "the content has ended on 2016-03-06: no event on or after that day"


def test_an_event_of_an_ended_content_is_refused_by_its_field_in_finnish_and_swedish() -> None:
    for lang, expected in (
            ("fi", "Palvelun tämä sisältö on päättynyt: sille ei voi kirjata palvelua päättymispäivästä alkaen."),
            ("sv", "Det här innehållet i tjänsten har upphört: ingen service kan registreras för det från den dag "
                   "det upphörde.")):
        for field in ("start", "end"):
            exc = ApiError(422, "Invalid input", "The content of the service has ended on 2016-03-06",
                           {field: REASON}, code="content_ended")
            errors = _event_errors(_Page(Translator(lang)), exc, "day")  # type: ignore[arg-type]
            assert errors == {field: expected}


def test_a_price_list_pricing_an_ended_content_is_refused_by_its_price_in_finnish_and_swedish() -> None:
    from seteli_portal.routes_provider import price_list_errors

    # as the applications service words it (seteli_applications.price_lists)
    reason = "the content is ended from 2027-01-01: a price list starting then or later cannot price it"
    exc = ApiError(422, "Invalid input", "", {"prices.1.content_id": reason})
    assert price_list_errors(Translator("fi"), exc) == {
        "prices.1.unit_price": "Sisältö päättyy 1.1.2027: hinnasto, joka alkaa silloin tai myöhemmin, ei voi "
                               "hinnoitella sitä."}
    assert price_list_errors(Translator("sv"), exc) == {
        "prices.1.unit_price": "Innehållet upphör 1.1.2027: en prislista som börjar då eller senare kan inte "
                               "prissätta det."}
    other = ApiError(422, "Invalid input", "", {"start": "must be after the start of the approved price list"})
    assert price_list_errors(Translator("fi"), other) == dict(other.fields)  # the others as before


def test_a_credited_event_refused_for_editing_says_why_in_finnish_and_swedish() -> None:
    """An event the officer approved and credited before it was paid is not edited (the events service answers
    409 `event_credited`): the provider reads why and what to do, in its language."""
    from seteli_portal.web import Page

    exc = ApiError(409, "Conflict", "The event is credited as a whole; record a corrected event instead", {},
                   code="event_credited")
    for lang, expected in (
            ("fi", "Tapahtuma on hyvitetty kokonaan; kirjaa sen sijaan korjattu tapahtuma."),
            ("sv", "Händelsen är krediterad i sin helhet; registrera i stället en rättad händelse.")):
        page = _Page(Translator(lang))
        # the portal's own lookup by the machine code, and the form shows it as its message
        assert Page.problem_message(page, exc) == expected  # type: ignore[arg-type]
        assert "form" in _event_errors(page, exc, "hour")  # type: ignore[arg-type]
