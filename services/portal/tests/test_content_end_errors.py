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
