"""A refusal with a code of its own that names a field (problem+json `errors[].field` or `field`) is shown by
that field with its own sentence, in Finnish and Swedish: not the service's English, not a sentence about
another mistake, and with its days and months written as people write them."""

from __future__ import annotations

import httpx
import pytest
from seteli_portal.apiclient import ApiError
from seteli_portal.bootstrap import build_app
from seteli_portal.config import SERVICE_NAMES, PortalSettings
from seteli_portal.routes_provider_care import _interruption_errors
from seteli_portal.web import Page
from starlette.requests import Request


def _page(lang: str, *problems: ApiError) -> Page:
    app = build_app(PortalSettings(cookie_secure=False, session_secret="test-secret"),
                    service_urls={name: f"http://{name}" for name in SERVICE_NAMES})
    request = Request({"type": "http", "app": app, "method": "POST", "path": "/", "root_path": "",
                       "query_string": b"", "headers": [], "state": {"session": {"lang": lang}}})
    page = Page(request)
    page.problems.extend(problems)  # as Page.call keeps them
    return page


CONTENT_ENDED = {
    "fi": "Kunta on lopettanut tämän palvelusisällön: sitä ei voi enää varata eikä kirjata.",
    "sv": "Kommunen har avslutat detta tjänsteinnehåll: det kan inte längre bokas eller registreras.",
}


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_an_interruption_returning_after_the_content_ended_says_so_by_the_return_day(lang: str) -> None:
    """Not "the return day must be after the departure" (interruption.end_after_start): the content ended."""
    exc = ApiError(422, "Invalid input", "The content of the service has ended on 2016-03-06",
                   {"end": "the content has ended on 2016-03-06: no event on or after that day"},
                   code="content_ended", extra={"code": "content_ended", "ended_from": "2016-03-06"})
    page = _page(lang, exc)
    assert _interruption_errors(page, exc) == {"end": CONTENT_ENDED[lang]}


@pytest.mark.parametrize(("lang", "expected"), [
    ("fi", "Allekirjoitus vanheni. Allekirjoita uudelleen."),
    ("sv", "Underskriften gick ut. Underteckna på nytt."),
])
def test_a_coded_refusal_of_a_field_is_its_own_sentence_by_that_field(lang: str, expected: str) -> None:
    reason = "signature_expired: the signature has expired; sign again"
    exc = ApiError(422, "Signature refused", "the signature has expired; sign again",
                   {"signature_assertion": reason}, code="signature_expired")
    assert _page(lang, exc).localize({"signature_assertion": reason}) == {"signature_assertion": expected}


@pytest.mark.parametrize(("lang", "expected"), [
    ("fi", "Kuukausi on vielä kesken: sen voi esikatsella, mutta lukita vasta 1.4.2016 alkaen."),
    ("sv", "Månaden pågår ännu: den kan förhandsgranskas men låsas först från och med 1.4.2016."),
])
def test_a_refusals_day_is_written_as_people_write_it(lang: str, expected: str) -> None:
    text = "The month has not ended yet"
    exc = ApiError(409, "Month not ended", text, {"month": text}, code="month_not_ended",
                   extra={"reason": "month_not_ended", "lockable_from": "2016-04-01"})
    page = _page(lang, exc)
    assert page.problem_message(exc) == expected
    assert page.localize({"month": text}) == {"month": expected}


@pytest.mark.parametrize(("lang", "expected"), [
    ("fi", "Kuukauden 3/2016 tilitys on vielä maksussa. Voit lukita uuden tilityksen, kun se on valmis."),
    ("sv", "Redovisningen för månaden 3/2016 betalas ännu. Du kan låsa en ny redovisning när den är klar."),
])
def test_a_refusals_month_is_written_as_people_write_it(lang: str, expected: str) -> None:
    exc = ApiError(409, "Run in progress", "Another settlement run of this tenant is still being paid",
                   code="run_in_progress", extra={"reason": "run_in_progress", "run_id": "r-1",
                                                  "running_month": "2016-03"})
    assert _page(lang, exc).problem_message(exc) == expected


def test_a_code_the_portal_has_no_text_for_falls_back_to_its_problem_type() -> None:
    exc = ApiError(409, "Conflict", "Something new", code="something_new",
                   type="https://seteli.fi/problems/conflict")
    assert _page("fi", exc).problem_message(exc) == \
        "Tieto on jo olemassa tai se on muuttunut välillä. Lataa sivu ja tarkista tiedot."


@pytest.mark.parametrize(("lang", "expected"), [
    ("fi", {"contents.0.content_id": "Sama sisältö on setelillä kahdesti. Myönnä kukin sisältö kerran.",
            "contents.1.voucher_value": "Ostopalvelulla ei ole setelin arvoa, koska kunta maksaa hinnan. "
                                        "Jätä arvo tyhjäksi."}),
    ("sv", {"contents.0.content_id": "Samma innehåll finns två gånger på sedeln. Bevilja varje innehåll en gång.",
            "contents.1.voucher_value": "En köpt tjänst har inget sedelvärde eftersom kommunen betalar priset. "
                                        "Lämna värdet tomt."}),
])
def test_each_of_several_refused_fields_gets_the_sentence_of_its_own_rule(lang: str, expected: dict[str, str]) -> None:
    """Several fields refused at once, each naming its rule (`errors[].code`): not "Tarkista arvo (granted twice
    in one voucher)" with the service's English."""
    response = httpx.Response(422, headers={"content-type": "application/problem+json"}, json={
        "type": "https://seteli.fi/problems/invalid-input", "title": "Invalid input", "status": 422,
        "errors": [{"field": "contents.0.content_id", "reason": "granted twice in one voucher",
                    "code": "content_granted_twice"},
                   {"field": "contents.1.voucher_value", "reason": "a purchased service has no voucher value: the "
                    "municipality pays the price", "code": "purchased_no_value"}]})
    exc = ApiError.from_response(response)
    page = _page(lang, exc)
    assert page.localize(exc.for_form(("contents.0.content_id", "contents.1.voucher_value"))) == expected
