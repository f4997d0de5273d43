"""A field refused by a rule with a name (`errors[].code`, `invalid(..., code=...)`) is shown at that field in
the person's language: before, a rule the portal had no English pattern for showed "Tarkista arvo (<the
service's English>)", or a sentence about another mistake."""

from __future__ import annotations

import html
import random
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from seteli_common.clock import SystemClock, today_in_helsinki
from seteli_common.validators import identity_code_birth_date
from seteli_portal.apiclient import ApiError
from seteli_portal.i18n import Translator
from seteli_portal.web import Page
from seteli_registry.adapters.identity import Person
from seteli_registry.adapters.mandates import OrganisationRoles
from sqlalchemy import text

from seteli.demo import random_business_id, random_test_identity_code
from seteli.embedded import Suite

from .conftest import csrf_of, login, submit
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .service_calls import book_a_new_client, client_headers, officer_headers, registration_waiting

RETURN_DAY_NOT_COME = {
    "fi": "Paluupäivä kirjataan vasta, kun se on tullut: valitse tämä päivä tai aiempi päivä.",
    "sv": "Återkomstdagen registreras först när den har kommit: välj i dag eller en tidigare dag.",
}
DEATH_BEFORE_BIRTH = {
    "fi": "Kuolinpäivä ei voi olla ennen asiakkaan syntymäpäivää. Tarkista vuosi.",
    "sv": "Dödsdatumet kan inte vara före klientens födelsedag. Kontrollera året.",
}


async def _in(portal: httpx.AsyncClient, lang: str, next_page: str) -> None:
    page = await portal.get(next_page)
    await portal.post("/language", data={"csrf": csrf_of(page.text), "lang": lang, "next": next_page})


@pytest.mark.parametrize("lang", ["fi", "sv"])
async def test_a_return_day_still_to_come_is_told_so_not_that_it_is_before_the_departure(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed, lang: str) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    month = data.voucher_month
    booking = await book_a_new_client(services, data, data.service_id, f"R-{lang}", "31", "month", "140.00",
                                      4100 + len(lang) + ord(lang[0]), portal=portal,
                                      valid_until=month.first + timedelta(days=300))
    url = f"/provider/bookings/{booking['id']}"
    view_url = f"{url}?month={month}"
    draft = await submit(portal, view_url, f"{url}/interruptions", {
        "month": str(month), "start": str(month.first + timedelta(days=2)), "reason": "hospital"})
    assert draft.status_code == 303, draft.text[-1500:]
    interruption_id = re.search(r"/interruptions/([^/]+)/end", (await portal.get(view_url)).text).group(1)  # type: ignore[union-attr]
    await _in(portal, lang, view_url)

    tomorrow_or_later = today_in_helsinki(SystemClock()) + timedelta(days=2)
    early = await submit(portal, view_url, f"{url}/interruptions/{interruption_id}/end",
                         {"month": str(month), "end": str(tomorrow_or_later)})
    assert early.status_code == 422 and f'id="end-{interruption_id}-end-error"' in early.text
    told = re.search(rf'id="end-{interruption_id}-end-error">(.*?)</p>', early.text, re.S).group(1)  # type: ignore[union-attr]
    assert RETURN_DAY_NOT_COME[lang] in told, told
    await _in(portal, "fi", view_url)
    # the suite is shared: the open draft is no other test's (the provider's drafts page lists open ones)
    provider = await officer_headers(services, "http://suite", data.provider_email, PROVIDER_PASSWORD)
    removed = await services.delete(f"http://suite/events/v1/tenants/{data.tenant_id}/interruptions/{interruption_id}",
                                    headers=provider)
    assert removed.status_code == 204, removed.text


@pytest.mark.parametrize("lang", ["fi", "sv"])
async def test_a_death_before_the_clients_birth_is_told_in_the_officers_language(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed, lang: str) -> None:
    officer = await officer_headers(services, "http://suite", data.officer_email, OFFICER_PASSWORD)
    code = random_test_identity_code(random.Random(4200 + ord(lang[0])))
    made = await services.post(f"/vouchers/v1/tenants/{data.tenant_id}/clients", headers=officer, json={
        "first_name": "Syntymä", "last_name": f"Päivä{lang}", "language": lang, "identity_code": code})
    assert made.status_code == 201, made.text
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    client_url = f"/officer/clients/{made.json()['id']}"
    await _in(portal, lang, client_url)

    page = await portal.get(client_url)
    refused = await portal.post(f"{client_url}/death", data={
        "csrf": csrf_of(page.text), "confirm": "on",
        "date_of_death": str(identity_code_birth_date(code) - timedelta(days=1))})
    assert refused.status_code == 422 and 'id="death-date_of_death-error"' in refused.text
    told = re.search(r'id="death-date_of_death-error">(.*?)</p>', refused.text, re.S).group(1)  # type: ignore[union-attr]
    assert DEATH_BEFORE_BIRTH[lang] in told, told
    await _in(portal, "fi", client_url)


GRANTED_IN_FUTURE = {
    "fi": "Myöntämispäivä ei voi olla tulevaisuudessa: seteli myönnetään viimeistään tänään.",
    "sv": "Beviljandedagen kan inte vara i framtiden: sedeln beviljas senast i dag.",
}


@pytest.mark.parametrize("lang", ["fi", "sv"])
async def test_a_grant_dated_in_the_future_is_told_at_its_granting_day(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed, lang: str) -> None:
    officer = await officer_headers(services, "http://suite", data.officer_email, OFFICER_PASSWORD)
    made = await services.post(f"/vouchers/v1/tenants/{data.tenant_id}/clients", headers=officer, json={
        "first_name": "Tuleva", "last_name": f"Myöntö{lang}", "language": lang,
        "identity_code": random_test_identity_code(random.Random(4300 + ord(lang[0])))})
    assert made.status_code == 201, made.text
    service = (await services.get(f"/applications/v1/tenants/{data.tenant_id}/services/{data.service_id}",
                                  headers=officer)).json()
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    client_url = f"/officer/clients/{made.json()['id']}"
    await _in(portal, lang, client_url)

    later = today_in_helsinki(SystemClock()) + timedelta(days=30)
    refused = await submit(portal, client_url, f"{client_url}/vouchers", {
        "granted_on": str(later), "valid_from": str(later), "valid_until": str(later + timedelta(days=90)),
        "content_id": f"{data.service_id}/{service['contents'][0]['id']}", "granted_amount": "31", "period": "month",
        "voucher_value": "140,00"})
    assert refused.status_code == 422 and 'id="grant-granted_on-error"' in refused.text, refused.text[-1500:]
    told = re.search(r'id="grant-granted_on-error">(.*?)</p>', refused.text, re.S).group(1)  # type: ignore[union-attr]
    assert GRANTED_IN_FUTURE[lang] in told and "voucher" not in told, told
    assert f'value="{later}"' in refused.text  # what was typed is kept
    await _in(portal, "fi", client_url)


# --- every field refusal names its rule (a code), which the portal says in Finnish and Swedish -------------

@dataclass(frozen=True)
class Refused:
    """A request a service refuses at `field` with `code`; `fi`/`sv` is what the portal says at that field."""

    call: Callable[[httpx.AsyncClient, Suite, Seed], Awaitable[httpx.Response]]
    field: str
    code: str
    fi: str
    sv: str


def _shown_at(lang: str, refused: httpx.Response, field: str) -> str:
    """What a portal page shows at the field, as a route does: the refusal's errors by the form's inputs
    (`ApiError.for_form`), then `Page.localize` in the person's language."""
    page = object.__new__(Page)  # only what localize reads: the language and this request's refusals
    page.lang, page.t = lang, Translator(lang)
    error = ApiError.from_response(refused)
    page.problems = [error]
    return page.localize(error.for_form([field]))[field]


async def _officer(services: httpx.AsyncClient, data: Seed) -> dict[str, str]:
    return await officer_headers(services, "http://suite", data.officer_email, OFFICER_PASSWORD)


async def _provider(services: httpx.AsyncClient, data: Seed) -> dict[str, str]:
    return await officer_headers(services, "http://suite", data.provider_email, PROVIDER_PASSWORD)


def _change_service(body: dict[str, Any]) -> Callable[[httpx.AsyncClient, Suite, Seed], Awaitable[httpx.Response]]:
    async def call(services: httpx.AsyncClient, suite: Suite, data: Seed) -> httpx.Response:
        return await services.patch(f"/applications/v1/tenants/{data.tenant_id}/services/{data.service_id}",
                                    headers=await _officer(services, data), json=body)
    return call


async def _feedback(services: httpx.AsyncClient, suite: Suite, data: Seed, client_id: str,
                    **more: Any) -> httpx.Response:
    return await services.post(f"/events/v1/tenants/{data.tenant_id}/feedback",
                               headers=client_headers(suite, data.tenant_id, client_id),
                               json={"provider_id": data.provider_id, "kind": "thanks", "text": "Kiitos", **more})


async def _co_payments(services: httpx.AsyncClient, data: Seed, **params: str) -> httpx.Response:
    return await services.get(f"/events/v1/tenants/{data.tenant_id}/co-payments",
                              headers=await _officer(services, data),
                              params={"service_id": data.service_id, "from": "2020-01-01", "to": "2020-01-31",
                                      **params})


async def _ask_more(services: httpx.AsyncClient, suite: Suite, data: Seed) -> httpx.Response:
    """The officer sends a waiting registration request back with a message of spaces (the portal's form
    asks for the message itself; the API says so too)."""
    officer = await _officer(services, data)
    request_id, _ = await registration_waiting(services, "http://suite", data.tenant_id)
    return await services.post(f"/registry/v1/tenants/{data.tenant_id}/registration-requests/{request_id}/more-info",
                               headers=officer, json={"message": "   "})


async def _course(services: httpx.AsyncClient, suite: Suite, data: Seed) -> httpx.Response:
    return await services.post(f"/registry/v1/providers/{data.provider_id}/courses",
                               headers=await _provider(services, data),
                               json={"tenant_id": "no-such-tenant", "year": 2020, "name": "Kurssi",
                                     "start_date": "2020-03-02", "end_date": "2020-03-06", "contact_persons": []})


def _emptied(what: str, field: str) -> Callable[[httpx.AsyncClient, Suite, Seed], Awaitable[httpx.Response]]:
    """The provider's correction of an event or an interruption that empties a field it cannot be without
    (refused before the event or interruption is looked up)."""
    async def call(services: httpx.AsyncClient, suite: Suite, data: Seed) -> httpx.Response:
        return await services.patch(f"/events/v1/tenants/{data.tenant_id}/{what}/no-such-id",
                                    headers=await _provider(services, data), json={field: None})
    return call


_RULE = {"valid_from": "2016-01-01", "reasons": {"hospital": {"bands": [{"from_day": 0, "percentage": 100}]}}}

REFUSED_AT_FIELD = {
    # applications: the tenant admin's service (the portal's forms send one of each; the API takes any)
    "rule_given_twice": Refused(
        _change_service({"interruption_rule": _RULE, "interruption_rules": [_RULE]}), "interruption_rule",
        "rule_given_twice", "Anna keskeytyssääntö yhdellä tavalla: joko yksi sääntö tai kaikki sen versiot.",
        "Ange avbrottsregeln på ett sätt: antingen en regel eller alla dess versioner."),
    "attachment_type_unknown": Refused(
        _change_service({"required_attachments": {"company": ["no_such_type"]}}), "required_attachments.company",
        "attachment_type_unknown", "Liitetyyppiä ei tunneta. Lataa sivu uudelleen ja valitse liitetyypit listalta.",
        "Bilagetypen är okänd. Ladda om sidan och välj bilagetyperna i listan."),
    "content_unknown": Refused(
        _change_service({"contents": [{"id": "no-such-content", "name_fi": "Sisältö", "name_sv": "Innehåll",
                                       "unit": "day"}]}), "contents.0.id",
        "content_unknown", "Palvelulla ei ole tätä sisältöä. Lataa sivu uudelleen ja tee muutos uudestaan.",
        "Tjänsten har inte detta innehåll. Ladda om sidan och gör ändringen på nytt."),
    "rule_has_own_date": Refused(
        _change_service({"interruption_rule": _RULE, "effective_from": "2099-01-01"}), "effective_from",
        "rule_has_own_date", "Keskeytyssääntö on voimassa omasta alkamispäivästään, joten sille ei anneta "
                             "voimaantulopäivää.",
        "Avbrottsregeln gäller från sin egen startdag, så den får ingen dag för ikraftträdande."),
    "day_of_month": Refused(
        _change_service({"calendar": {"provider_deadline_day": 30, "approval_deadline_day": 30,
                                      "transfer_day": 30}}), "calendar.provider_deadline_day",
        "day_of_month", "Anna kuukauden päivä 1–28.", "Ange en dag i månaden 1–28."),
    # events: a resident's feedback, the co-payment breakdown
    "feedback_by_client_only": Refused(
        lambda services, suite, data: _feedback(services, suite, data, ""), "client",
        "feedback_by_client_only", "Palautetta voi antaa vain asiakas tai hänen edustajansa.",
        "Respons kan ges endast av klienten eller klientens ombud."),
    "event_unknown": Refused(
        lambda services, suite, data: _feedback(services, suite, data, data.care_client_id, event_id="no-such-event"),
        "event_id", "event_unknown", "Tätä kirjausta ei löydy sinun kirjauksistasi tällä palveluntuottajalla. "
                                     "Lataa sivu uudelleen ja valitse kirjaus.",
        "Registreringen finns inte bland dina registreringar hos den här serviceproducenten. Ladda om sidan och "
        "välj registreringen."),
    "co_payments_client_required": Refused(
        lambda services, suite, data: _co_payments(services, data), "client_id", "value_required",
        "Täytä tämä kenttä.", "Fyll i detta fält."),
    "co_payments_to_before_from": Refused(
        lambda services, suite, data: _co_payments(services, data, client_id=data.care_client_id, to="2019-12-31"),
        "to", "end_before_start", "Loppupäivä ei voi olla ennen alkupäivää.",
        "Slutdagen kan inte vara före startdagen."),
    "event_start_emptied": Refused(_emptied("events", "start"), "start", "value_required", "Täytä tämä kenttä.",
                                   "Fyll i detta fält."),
    "interruption_reason_emptied": Refused(_emptied("interruptions", "reason"), "reason", "value_required",
                                           "Täytä tämä kenttä.", "Fyll i detta fält."),
    # registry: a registration request sent back, a company's course
    "ask_more_message_required": Refused(_ask_more, "message", "value_required", "Täytä tämä kenttä.",
                                         "Fyll i detta fält."),
    "tenant_unknown": Refused(_course, "tenant_id", "tenant_unknown",
                              "Kuntaa ei löydy. Lataa sivu uudelleen ja valitse kunta listalta.",
                              "Kommunen hittas inte. Ladda om sidan och välj kommunen i listan."),
}


@pytest.mark.parametrize("case", REFUSED_AT_FIELD.values(), ids=REFUSED_AT_FIELD.keys())
async def test_a_refused_field_names_its_rule_and_the_portal_says_it_in_finnish_and_swedish(
        services: httpx.AsyncClient, suite: Suite, data: Seed, case: Refused) -> None:
    refused = await case.call(services, suite, data)
    assert refused.status_code == 422, refused.text
    errors = refused.json().get("errors") or []
    assert {"field": case.field, "code": case.code} in [{"field": e["field"], "code": e.get("code")} for e in errors], \
        errors
    assert _shown_at("fi", refused, case.field) == case.fi
    assert _shown_at("sv", refused, case.field) == case.sv


# --- signing in with strong identification: why a company chosen is refused --------------------------------

STRONG_REFUSED = {
    "company_not_mandated": {
        "fi": "Sinulla ei ole valtuutta asioida tämän yrityksen puolesta. Valitse yritys listalta."},
    "strong_account_missing": {
        "fi": "Sinulla ei ole vielä käyttäjätunnusta tähän yritykseen: anna sähköpostiosoite ja salasana, niin "
              "tunnus luodaan."},
    "account_passive": {
        "fi": "Käyttäjätunnuksesi tähän yritykseen on passivoitu. Pyydä yrityksen pääkäyttäjää aktivoimaan se.",
        "sv": "Ditt användarkonto i detta företag är passiverat. Be företagets huvudanvändare att aktivera det."},
}


async def _identified_strongly(portal: httpx.AsyncClient, person: str) -> tuple[str, str]:
    """The fake Suomi.fi identification and mandates, as far as the page where the person picks a company."""
    fake = await portal.get((await portal.get("/strong-login")).headers["location"])
    state = re.search(r'name="state" value="([^"]+)"', fake.text).group(1)  # type: ignore[union-attr]
    identified = await portal.post("/strong-login/callback", data={"csrf": csrf_of(fake.text), "state": state,
                                                                   "code": person})
    assert identified.status_code == 303, identified.text[-800:]
    chooser = await portal.get((await portal.get(identified.headers["location"])).headers["location"])
    assert chooser.status_code == 200, chooser.text[-800:]
    return state, chooser.text


@pytest.mark.parametrize(("code", "lang"), [("company_not_mandated", "fi"), ("strong_account_missing", "fi"),
                                            ("account_passive", "fi"), ("account_passive", "sv")])
async def test_a_company_refused_at_strong_sign_in_is_told_why_at_the_company(
        portal: httpx.AsyncClient, suite: Suite, code: str, lang: str) -> None:
    """Before, the page said "the business ID is not valid" (a passivated account, a company not hers) or
    "give an email address as name@example.fi" (no account yet) about a company she had only chosen."""
    adapters = suite.runtimes["registry"].extras["adapters"]
    rng = random.Random(f"strong-{code}-{lang}")
    person, identity_code, business_id = f"strong-{code}-{lang}", random_test_identity_code(rng), \
        random_business_id(rng)
    adapters.identity.add(person, Person(identity_code, "Ville", "Vahva"))
    adapters.mandates.add(identity_code, [OrganisationRoles(business_id, "Vahva Valtuutus Oy", ["TJ"])])
    email, password = f"{person}@vahvavaltuutus.fi", "Vahva-valtuutus-1"
    sign_up = {"business_id": business_id, "email": email, "password": password, "password_again": password}
    if code == "account_passive":  # she signed up this way; the company's account was passivated since
        state, chooser = await _identified_strongly(portal, person)
        signed = await portal.post("/strong-login/company", data={"csrf": csrf_of(chooser), "state": state, **sign_up})
        assert signed.status_code == 303, signed.text[-1500:]
        async with suite.runtimes["registry"].db.engine.begin() as conn:
            await conn.execute(text("UPDATE users SET status = 'passive' WHERE email = :email"), {"email": email})
        home = await portal.get("/provider")
        assert (await portal.post("/logout", data={"csrf": csrf_of(home.text)})).status_code == 303
    await _in(portal, lang, "/login")

    state, chooser = await _identified_strongly(portal, person)
    if code == "strong_account_missing":  # the sign-in button of a company she has no account in (a stale page)
        refused = await portal.post("/strong-login/sign-in", data={"csrf": csrf_of(chooser), "state": state,
                                                                   "business_id": business_id})
    else:
        chosen = random_business_id(rng) if code == "company_not_mandated" else business_id
        refused = await portal.post("/strong-login/company", data={"csrf": csrf_of(chooser), "state": state,
                                                                   **sign_up, "business_id": chosen})
    assert refused.status_code == 422, refused.text[-1500:]
    told = re.search(r'id="strong-business_id-error">(.*?)</p>', refused.text, re.S)
    assert told is not None, refused.text[-1500:]
    assert html.unescape(told.group(1)) == STRONG_REFUSED[code][lang]
    await _in(portal, "fi", "/login")
