"""The pages the registry's emails land on, followed from the mails themselves: self-registration and
its confirmation link, password reset behind the human-verification question, an association's link;
the registration request to a tenant; strong company identification through the fakes."""

from __future__ import annotations

import random
import re

import httpx
from seteli_portal.config import SERVICE_NAMES
from seteli_registry.adapters.identity import Person
from seteli_registry.adapters.mandates import OrganisationRoles

from seteli.demo import _login, random_business_id, random_test_identity_code
from seteli.embedded import Suite

from .conftest import csrf_of, login, submit
from .mailbox import link_in_mail, messages_to
from .seed import OFFICER_PASSWORD, Seed

BASE = {name: f"http://suite/{name}" for name in SERVICE_NAMES}

RNG = random.Random(2026)


def _human_answer(html: str) -> str:
    a, b = re.search(r"Paljonko on (\d+) \+ (\d+)\?", html).groups()  # type: ignore[union-attr]
    return str(int(a) + int(b))


async def _register(portal: httpx.AsyncClient, email: str, password: str = "Uusi-yritys-2026") -> httpx.Response:
    return await submit(portal, "/register", "/register", {
        "name": "Kotiapu Testinen Oy", "business_id": random_business_id(RNG), "email": email,
        "phone": "0401112222", "postal_code": "45100", "city": "Kouvola", "language": "fi",
        "main_user.name": "Tiina Testinen", "main_user.email": email, "main_user.password": password,
        "password_again": password})


async def test_self_registration_confirmed_from_the_mailed_link_then_sign_in(portal: httpx.AsyncClient,
                                                                             suite: Suite) -> None:
    email = "tiina@kotiapu-testinen.fi"
    differ = await submit(portal, "/register", "/register", {
        "name": "Kotiapu Testinen Oy", "business_id": "1234567-1", "email": email, "main_user.name": "Tiina",
        "main_user.email": email, "main_user.password": "Uusi-yritys-2026", "password_again": "Toinen-2026"})
    assert differ.status_code == 422
    assert 'id="register-password_again-error"' in differ.text and "Salasanat eivät ole samat." in differ.text
    assert 'value="Uusi-yritys-2026"' not in differ.text  # a password is never echoed back
    weak = await _register(portal, email, "lyhyt")
    assert weak.status_code == 422 and 'id="register-main_user-password-error"' in weak.text
    assert messages_to(suite, email) == []  # nothing was registered, nothing mailed

    sent = await _register(portal, email)
    assert sent.status_code == 303, sent.text[-1500:]
    link = await link_in_mail(suite, email, "confirm-registration")
    landing = await portal.get(link)
    assert landing.status_code == 200 and "Vahvista rekisteröityminen" in landing.text
    assert (await submit(portal, "/login", "/login", {"email": email, "password": "Uusi-yritys-2026"})
            ).status_code in (400, 401, 403)  # not before confirming
    confirmed = await portal.post("/confirm-registration", data={"csrf": csrf_of(landing.text),
                                                                 "token": link.split("token=")[1]})
    assert confirmed.status_code == 303 and confirmed.headers["location"] == "/login"
    assert "Rekisteröityminen vahvistettu." in (await portal.get("/login")).text
    await login(portal, email, "Uusi-yritys-2026")
    assert (await portal.get("/")).headers["location"] == "/provider"

    again = await portal.post("/confirm-registration", data={"csrf": csrf_of((await portal.get(link)).text),
                                                             "token": link.split("token=")[1]})
    assert again.status_code == 400 and "Linkki ei kelpaa" in again.text  # single use


async def test_signing_in_before_confirming_says_to_confirm_the_email_not_that_the_password_is_wrong(
        portal: httpx.AsyncClient, suite: Suite) -> None:
    email = "sanna@kotiapu-vahvistamatta.fi"
    assert (await _register(portal, email)).status_code == 303
    early = await submit(portal, "/login", "/login", {"email": email, "password": "Uusi-yritys-2026"})
    assert early.status_code == 401
    assert "Vahvista ensin sähköpostiosoitteesi linkillä" in early.text
    assert "Sähköposti tai salasana on väärin" not in early.text
    wrong = await submit(portal, "/login", "/login", {"email": email, "password": "Arvattu-sana-2026"})
    assert wrong.status_code == 401 and "Sähköposti tai salasana on väärin" in wrong.text  # a stranger learns nothing
    assert "Vahvista ensin" not in wrong.text


async def test_password_reset_behind_the_question_then_the_mailed_link(portal: httpx.AsyncClient,
                                                                      suite: Suite) -> None:
    email = "ville@kotiapu-reset.fi"
    assert (await _register(portal, email)).status_code == 303
    confirm = await link_in_mail(suite, email, "confirm-registration")
    page = await portal.get(confirm)
    await portal.post("/confirm-registration", data={"csrf": csrf_of(page.text), "token": confirm.split("=")[1]})

    login_page = await portal.get("/login")
    assert 'href="/reset-password/request"' in login_page.text
    form = await portal.get("/reset-password/request")
    wrong = await portal.post("/reset-password/request", data={"csrf": csrf_of(form.text), "email": email,
                                                               "human": "999"})
    assert wrong.status_code == 422 and 'id="reset-human-error"' in wrong.text
    assert not [t for t in messages_to(suite, email) if "reset-password" in t]  # no mail for a wrong answer
    asked = await portal.post("/reset-password/request", data={
        "csrf": csrf_of(wrong.text), "email": email, "human": _human_answer(wrong.text)})
    assert asked.status_code == 303
    link = await link_in_mail(suite, email, "reset-password")

    landing = await portal.get(link)
    assert landing.status_code == 200 and 'id="reset-new_password"' in landing.text
    token = link.split("token=")[1]
    mismatch = await portal.post("/reset-password", data={"csrf": csrf_of(landing.text), "token": token,
                                                          "new_password": "Uusi-salasana-9",
                                                          "new_password_again": "Uusi-salasana-8"})
    assert mismatch.status_code == 422 and 'id="reset-new_password_again-error"' in mismatch.text
    common = await portal.post("/reset-password", data={"csrf": csrf_of(landing.text), "token": token,
                                                        "new_password": "Salasana123",
                                                        "new_password_again": "Salasana123"})
    assert common.status_code == 422 and "Salasana on liian yleinen." in common.text  # the registry's policy
    assert 'id="reset-new_password-error"' in common.text
    done = await portal.post("/reset-password", data={"csrf": csrf_of(landing.text), "token": token,
                                                      "new_password": "Uusi-salasana-9",
                                                      "new_password_again": "Uusi-salasana-9"})
    assert done.status_code == 303 and done.headers["location"] == "/login"
    await login(portal, email, "Uusi-salasana-9")
    reused = await portal.post("/reset-password", data={"csrf": csrf_of((await portal.get(link)).text),
                                                        "token": token, "new_password": "Kolmas-salasana-7",
                                                        "new_password_again": "Kolmas-salasana-7"})
    assert reused.status_code == 400 and "Linkki ei kelpaa" in reused.text
    assert (await portal.get("/reset-password")).status_code == 400  # no token at all


async def test_association_fills_and_edits_its_data_through_the_link(portal: httpx.AsyncClient, suite: Suite,
                                                                     data: Seed) -> None:
    api = httpx.AsyncClient(transport=httpx.ASGITransport(app=suite.app), base_url="http://suite/registry")
    token = (await api.post("/v1/auth/token", json={"email": data.officer_email,
                                                    "password": OFFICER_PASSWORD})).json()["access_token"]
    email = "pj@omaishoitajat-test.fi"
    invited = await api.post(f"/v1/tenants/{data.tenant_id}/association-invitations",
                             headers={"authorization": f"Bearer {token}"}, json={"email": email})
    assert invited.status_code == 201, invited.text
    link = await link_in_mail(suite, email, "association")
    form = await portal.get(link)
    assert form.status_code == 200 and "Yhdistyksen tiedot" in form.text
    token_value = link.split("token=")[1]
    empty = await portal.post("/association", data={"csrf": csrf_of(form.text), "token": token_value, "name": ""})
    assert empty.status_code == 422 and 'id="association-name-error"' in empty.text
    bad_code = await portal.post("/association", data={"csrf": csrf_of(form.text), "token": token_value,
                                                       "name": "Omaishoitajat ry", "postal_code": "451"})
    assert bad_code.status_code == 422 and 'id="association-postal_code-error"' in bad_code.text
    still = await portal.get(link)
    assert 'value="Omaishoitajat ry"' not in still.text  # the refused form changed nothing
    saved = await portal.post("/association", data={
        "csrf": csrf_of(form.text), "token": token_value, "name": "Omaishoitajat ry", "city": "Kouvola",
        "operating_areas": "Kouvola, Iitti", "service_languages": ["fi", "sv"]})
    assert saved.status_code == 200, saved.text[-1500:]
    assert "kun kunta on hyväksynyt ne" in saved.text
    edited = await portal.get(link)  # the same link edits later
    assert 'value="Omaishoitajat ry"' in edited.text
    assert 'value="iitti, kouvola"' in edited.text  # the registry keeps search tags normalised
    assert (await portal.get("/association", params={"token": "not-a-link"})).status_code == 400
    await api.aclose()


async def test_registration_request_reaches_the_tenant_admin(portal: httpx.AsyncClient, data: Seed) -> None:
    fields = {"tenant_id": data.tenant_id, "company_name": "Pyyntö Testi Oy", "business_id": "7019376-9",
              "street_address": "Torikatu 3", "postal_code": "45100", "city": "Kouvola", "first_name": "Pirjo",
              "last_name": "Pyytäjä", "email": "pirjo@pyyntotesti.fi", "phone": "0405556666",
              "password": "Pyynto-2026x", "password_again": "Pyynto-2026x", "language": "fi"}
    bad = await submit(portal, "/registration-request", "/registration-request", fields)
    assert bad.status_code == 422 and 'id="request-business_id-error"' in bad.text
    assert "Y-tunnus ei ole kelvollinen." in bad.text, re.findall(r'class="error"[^>]*>(.*?)</p>', bad.text)
    fields["business_id"] = random_business_id(RNG)
    sent = await submit(portal, "/registration-request", "/registration-request", fields)
    assert sent.status_code == 303, sent.text[-1500:]

    await login(portal, data.officer_email, OFFICER_PASSWORD)
    listing = await portal.get("/officer/registrations")
    assert "Pyyntö Testi Oy" in listing.text
    url = re.search(r'href="(/officer/registrations/[^"]+)">Pyyntö Testi Oy', listing.text).group(1)  # type: ignore[union-attr]
    rejected = await submit(portal, url, url, {"decision": "rejected", "reason": "Testi"})
    assert rejected.status_code == 303  # decided, so the other tests' queue counts stay as they were


async def test_a_registration_request_picks_the_municipality_by_its_name(
        portal: httpx.AsyncClient, data: Seed, services: httpx.AsyncClient) -> None:
    """A company asking to join picks the municipality from a list by its name (it had to type the
    municipality's id in a text field, prefilled with an id like 'demo-1a2b3c')."""
    tenants = (await services.get("/applications/v1/public/tenants")).json()["items"]
    tenant = next(t for t in tenants if t["id"] == data.tenant_id)
    form = await portal.get("/registration-request")
    assert '<select id="request-tenant_id" name="tenant_id"' in form.text, form.text[:3000]
    assert f'<option value="{data.tenant_id}" selected>{tenant["name_fi"]}</option>' in form.text
    assert f'value="{data.tenant_id}"' in form.text and f'>{data.tenant_id}<' not in form.text
    unchosen = await portal.post("/registration-request", data={"csrf": csrf_of(form.text), "tenant_id": ""})
    assert unchosen.status_code == 422 and 'id="request-tenant_id-error"' in unchosen.text
    assert '<select id="request-tenant_id" name="tenant_id"' in unchosen.text


async def test_the_company_register_facts_read_in_the_officers_language(portal: httpx.AsyncClient, suite: Suite,
                                                                       data: Seed) -> None:
    """The registration request's check against the company register: labelled in Finnish, yes/no in words
    (it listed the register's raw keys: company_form, registers {'trade_register': True}, active True)."""
    from seteli_registry.adapters.company_register import CompanyInfo

    business_id = random_business_id(RNG)
    suite.runtimes["registry"].extras["adapters"].company_register.add(CompanyInfo(
        business_id=business_id, name="Rekisteri Testi Oy", company_form="Osakeyhtiö", street_address="Torikatu 4",
        postal_code="45100", city="Kouvola", registers={"trade_register": True, "vat_register": False},
        situations=["Yrityssaneeraus"], trade_register_status="1", active=True))
    fields = {"tenant_id": data.tenant_id, "company_name": "Rekisteri Testi Oy", "business_id": business_id,
              "street_address": "Torikatu 4", "postal_code": "45100", "city": "Kouvola", "first_name": "Risto",
              "last_name": "Rekisteri", "email": f"risto-{business_id}@rekisteritesti.fi", "phone": "0405556667",
              "password": "Rekisteri-2026x", "password_again": "Rekisteri-2026x", "language": "fi"}
    sent = await submit(portal, "/registration-request", "/registration-request", fields)
    assert sent.status_code == 303, sent.text[-1500:]
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    listing = await portal.get("/officer/registrations")
    url = re.search(r'href="(/officer/registrations/[^"]+)">Rekisteri Testi Oy', listing.text).group(1)  # type: ignore[union-attr]
    page = await portal.get(url)
    facts = page.text.split('id="reg-h"')[1].split("</section>")[0]
    for raw in ("company_form", "registers", "trade_register", "situations", "active", "True", "False", "{"):
        assert raw not in facts, (raw, facts)
    assert "<dt>Yritysmuoto</dt><dd>Osakeyhtiö</dd>" in facts and "Kaupparekisteri: kyllä" in facts
    assert "Arvonlisäverorekisteri: ei" in facts and "Yrityssaneeraus" in facts
    rejected = await submit(portal, url, url, {"decision": "rejected", "reason": "Testi"})
    assert rejected.status_code == 303  # decided, so the other tests' queue counts stay as they were


async def test_strong_identification_picks_a_company_and_signs_in(portal: httpx.AsyncClient, suite: Suite) -> None:
    adapters = suite.runtimes["registry"].extras["adapters"]
    code = random_test_identity_code(RNG)
    business_id = random_business_id(RNG)
    adapters.identity.add("test-person-1", Person(code, "Sanna", "Vahva"))
    adapters.mandates.add(code, [OrganisationRoles(business_id, "Vahva Hoiva Oy", ["TJ"])])

    login_page = await portal.get("/login")
    assert 'href="/strong-login"' in login_page.text
    started = await portal.get("/strong-login")
    assert started.status_code == 303 and started.headers["location"].startswith("/strong-login/callback?")
    fake = await portal.get(started.headers["location"])
    assert fake.status_code == 200 and "Testitunnistus" in fake.text
    state = re.search(r'name="state" value="([^"]+)"', fake.text).group(1)  # type: ignore[union-attr]
    empty = await portal.post("/strong-login/callback", data={"csrf": csrf_of(fake.text), "state": state,
                                                              "code": ""})
    assert empty.status_code == 422 and 'id="fake-code-error"' in empty.text
    identified = await portal.post("/strong-login/callback", data={"csrf": csrf_of(fake.text), "state": state,
                                                                   "code": "test-person-1"})
    assert identified.status_code == 303, identified.text[-800:]
    authorized = await portal.get(identified.headers["location"])
    assert authorized.status_code == 303
    chooser = await portal.get(authorized.headers["location"])
    assert "Vahva Hoiva Oy" in chooser.text and "Sanna Vahva" in chooser.text
    assert code not in chooser.text
    mismatch = await portal.post("/strong-login/company", data={
        "csrf": csrf_of(chooser.text), "state": state, "business_id": business_id, "email": "sanna@vahva.fi",
        "password": "Vahva-hoiva-1", "password_again": "Vahva-hoiva-2"})
    assert mismatch.status_code == 422 and 'id="strong-password_again-error"' in mismatch.text
    assert 'name="company_email"' in chooser.text  # the company's own address, apart from her login
    # none given, the card shows none and the company's notices come to her until it gives one (not her login)
    assert "Tyhjä: kortilla ei näy sähköpostia, ja yrityksen ilmoitukset tulevat sinulle" in chooser.text
    signed = await portal.post("/strong-login/company", data={
        "csrf": csrf_of(chooser.text), "state": state, "business_id": business_id, "email": "sanna@vahva.fi",
        "company_email": "toimisto@vahva.fi", "password": "Vahva-hoiva-1", "password_again": "Vahva-hoiva-1"})
    assert signed.status_code == 303, signed.text[-1500:]
    assert (await portal.get("/")).headers["location"] == "/provider"
    company = await portal.get("/provider/company")
    assert "toimisto@vahva.fi" in company.text

    # Signed out, she identifies again: her company is offered as hers, one button signs her in (once a 409)
    home = await portal.get("/provider")
    assert (await portal.post("/logout", data={"csrf": csrf_of(home.text)})).status_code == 303
    fake = await portal.get((await portal.get("/strong-login")).headers["location"])
    state = re.search(r'name="state" value="([^"]+)"', fake.text).group(1)  # type: ignore[union-attr]
    identified = await portal.post("/strong-login/callback", data={"csrf": csrf_of(fake.text), "state": state,
                                                                   "code": "test-person-1"})
    chooser = await portal.get((await portal.get(identified.headers["location"])).headers["location"])
    assert "Kirjaudu yrityksen Vahva Hoiva Oy käyttäjänä" in chooser.text
    assert 'name="password"' not in chooser.text  # no new account, no new password
    again = await portal.post("/strong-login/sign-in", data={"csrf": csrf_of(chooser.text), "state": state,
                                                             "business_id": business_id})
    assert again.status_code == 303, again.text[-1500:]
    assert (await portal.get("/")).headers["location"] == "/provider"


async def test_a_callback_not_started_in_this_browser_is_refused(portal: httpx.AsyncClient) -> None:
    page = await portal.get("/strong-login/callback", params={"state": "forged", "code": "x"})
    assert page.status_code == 400 and "Tunnistautuminen ei onnistunut" in page.text


async def test_an_approved_registration_request_shows_the_companys_address_on_the_public_card(
        portal: httpx.AsyncClient, data: Seed, services: httpx.AsyncClient) -> None:
    """The contact person's email (her username) was the public card's address once the officer approved the
    request; the card now shows the address the company gave for the public, and never hers."""
    business_id = random_business_id(RNG)
    fields = {"tenant_id": data.tenant_id, "company_name": "Julkinen Osoite Oy", "business_id": business_id,
              "street_address": "Torikatu 5", "postal_code": "45100", "city": "Kouvola", "first_name": "Outi",
              "last_name": "Osoite", "email": "outi.osoite@julkinenosoite.fi", "phone": "0405557777",
              "company_email": "ei osoite", "password": "Osoite-2026x", "password_again": "Osoite-2026x",
              "language": "fi"}
    form = await portal.get("/registration-request")
    assert 'id="request-company_email"' in form.text
    bad = await submit(portal, "/registration-request", "/registration-request", fields)
    assert bad.status_code == 422 and 'id="request-company_email-error"' in bad.text
    fields["company_email"] = "palvelu@julkinenosoite.fi"
    sent = await submit(portal, "/registration-request", "/registration-request", fields)
    assert sent.status_code == 303, sent.text[-1500:]

    await login(portal, data.officer_email, OFFICER_PASSWORD)
    listing = await portal.get("/officer/registrations")
    url = re.search(r'href="(/officer/registrations/[^"]+)">Julkinen Osoite Oy', listing.text).group(1)  # type: ignore[union-attr]
    assert "palvelu@julkinenosoite.fi" in (await portal.get(url)).text  # the officer sees both addresses
    approved = await submit(portal, url, url, {"decision": "approved"})
    assert approved.status_code == 303, approved.text[-1500:]

    officer = await _login(services, BASE, data.officer_email, OFFICER_PASSWORD)
    request = (await services.get(f"{BASE['registry']}/v1/tenants/{data.tenant_id}/registration-requests/"
                                  f"{url.rsplit('/', 1)[1]}", headers=officer)).json()
    card = await portal.get(f"/catalog/providers/{request['provider_id']}")
    assert card.status_code == 200
    assert 'href="mailto:palvelu@julkinenosoite.fi"' in card.text
    assert "outi.osoite@julkinenosoite.fi" not in card.text
