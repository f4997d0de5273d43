"""Provider journeys through the portal: company and billing, the application with its to-do list,
price lists, booking a voucher by its number, the month view, confirming drafts."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import httpx
from seteli_portal.i18n import money_fmt

from .conftest import csrf_of, login, submit
from .seed import PROVIDER_PASSWORD, Seed


async def test_billing_errors_are_shown_next_to_their_fields_and_a_valid_change_is_saved(
        portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    bad = await submit(portal, "/provider/company", "/provider/company/billing",
                       {"iban": "FI00 1234", "bic": "OKOYFIHH", "reference": "", "email": "",
                        "pdf_by_email": "on"})
    assert bad.status_code == 422
    # the error sits by the IBAN input, which points to it; what was typed is kept
    assert 'id="billing-iban-error"' in bad.text
    assert re.search(r'id="billing-iban"[^>]*value="FI00 1234"[^>]*aria-describedby="billing-iban-hint '
                     r'billing-iban-error"[^>]*aria-invalid="true"', bad.text), bad.text[-3000:]
    assert 'href="#billing-iban"' in bad.text  # the summary links to the field
    assert "Tilinumero ei ole kelvollinen IBAN." in bad.text  # the API's reason, in the user's language

    good = await submit(portal, "/provider/company", "/provider/company/billing",
                        {"iban": "FI2112345600000785", "bic": "NDEAFIHH", "reference": "1234561",
                         "email": "laskut@hoivakoti.fi"})
    assert good.status_code == 303
    page = await portal.get("/provider/company")
    assert "Laskutustiedot tallennettu." in page.text
    assert 'value="FI2112345600000785"' in page.text
    assert 'id="billing-pdf_by_email" name="pdf_by_email" type="checkbox">' in page.text  # now off


async def test_a_reference_with_a_wrong_check_digit_is_refused_at_its_field_in_finnish_and_swedish(
        portal: httpx.AsyncClient, data: Seed) -> None:
    """Issue 16, finding 6: refused where it is entered, not after the month is locked."""
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    bad = await submit(portal, "/provider/company", "/provider/company/billing",
                       {"iban": "FI2112345600000785", "bic": "NDEAFIHH", "reference": "1234562", "email": ""})
    assert bad.status_code == 422
    assert 'id="billing-reference-error"' in bad.text and 'href="#billing-reference"' in bad.text
    assert re.search(r'id="billing-reference"[^>]*value="1234562"[^>]*aria-invalid="true"', bad.text)
    assert "Viitenumero ei ole kelvollinen" in bad.text and 'id="billing-iban-error"' not in bad.text
    home = await portal.get("/provider/company")
    await portal.post("/language", data={"csrf": csrf_of(home.text), "lang": "sv", "next": "/provider/company"})
    svenska = await submit(portal, "/provider/company", "/provider/company/billing",
                           {"iban": "FI2112345600000785", "bic": "NDEAFIHH", "reference": "RF351234561"})
    assert svenska.status_code == 422 and 'id="billing-reference-error"' in svenska.text
    assert "Referensnumret är inte giltigt" in svenska.text


async def test_a_new_site_appears_in_the_company_page(portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    missing = await submit(portal, "/provider/company", "/provider/company/sites",
                           {"name": "Toimipaikka Kuusankoski", "notification_email": "ei-sahkoposti"})
    assert missing.status_code == 422 and 'id="site-notification_email-error"' in missing.text
    added = await submit(portal, "/provider/company", "/provider/company/sites",
                         {"name": "Toimipaikka Kuusankoski", "provider_code": "KSK",
                          "notification_email": "kuusankoski@hoivakoti.fi", "city": "Kouvola"})
    assert added.status_code == 303
    assert "Toimipaikka Kuusankoski" in (await portal.get("/provider/company")).text


async def sign_at_fake_identity(portal: httpx.AsyncClient, services: httpx.AsyncClient, sent: httpx.Response,
                                business_id: str, roles: str = "TJ") -> str:
    """The browser's trip: the fake identity page (the registry's), the portal's callback for the
    identification and for the mandate check; returns where the portal lands (or the refusal page's URL)."""
    page = sent.headers["location"]
    assert page.startswith("/registry/v1/fake-identity?")
    query = {k: v[0] for k, v in parse_qs(urlparse(page).query).items()}
    identified = await services.post("/registry/v1/fake-identity", data={
        "state": query["state"], "redirect_uri": query["redirect_uri"], "given_name": "Maija",
        "surname": "Meikäläinen", "identity_code": "010170-999R", "business_id": business_id, "roles": roles})
    location = identified.headers["location"]
    for _ in range(2):  # identification, then the mandate check; the suite mounts the portal at /portal
        assert location.startswith("/portal/provider/signing/callback?")
        back = await portal.get(location.removeprefix("/portal"))
        assert back.status_code in (303, 422), back.text[-1500:]
        if back.status_code == 422:
            return "refused:" + back.text
        location = back.headers["location"]
    return location


async def test_application_to_do_list_shrinks_until_it_is_sent_and_the_officer_approves_it(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    dashboard = await portal.get("/provider")
    assert "Kotihoito" in dashboard.text
    created = await portal.post("/provider/applications", data={"csrf": csrf_of(dashboard.text),
                                                                "service_id": data.home_care_id})
    assert created.status_code == 303
    url = created.headers["location"]
    page = await portal.get(url)
    # no site chosen: both items are on the to-do list
    assert (await submit(portal, url, f"{url}/sites", {})).status_code == 303
    page = await portal.get(url)
    todo = page.text.split('id="todo-list"')[1].split("</ul>")[0]
    assert "Valitse vähintään yksi toimipaikka" in todo and "Lisää vähintään yksi hinnasto" in todo

    # sending an incomplete application is refused with the reasons
    refused = await submit(portal, url, f"{url}/submit", {"accept_rulebook": "on"})
    assert refused.status_code >= 400 and 'role="alert"' in refused.text

    site_id = re.search(r'name="site_ids" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert (await submit(portal, url, f"{url}/sites", {"site_ids": site_id})).status_code == 303
    page = await portal.get(url)
    assert "Valitse vähintään yksi toimipaikka" not in page.text

    # a price without an amount is pointed at its own input
    form = {"name": "Kotihoito 2026", "start": "2026-01-01", "price_count": "2",
            "prices.0.content_id": re.search(r'name="prices.0.content_id" value="([^"]+)"', page.text).group(1),  # type: ignore[union-attr]
            "prices.1.content_id": re.search(r'name="prices.1.content_id" value="([^"]+)"', page.text).group(1),  # type: ignore[union-attr]
            "prices.0.unit_price": "48,50", "prices.1.unit_price": ""}
    blank = await submit(portal, url, f"{url}/price-lists", form)
    assert blank.status_code == 422 and 'id="pricelist-prices-1-unit_price-error"' in blank.text
    negative = await submit(portal, url, f"{url}/price-lists", {**form, "prices.1.unit_price": "-7,20"})
    assert negative.status_code == 422 and "Arvo ei voi olla negatiivinen." in negative.text  # not the API's English
    saved = await submit(portal, url, f"{url}/price-lists", {**form, "prices.1.unit_price": "7.20"})
    assert saved.status_code == 303, saved.text[-2000:]
    page = await portal.get(url)
    assert "Kaikki pakolliset tiedot on annettu." in page.text
    assert "48,50\u00a0€ / h" in page.text and "7,20\u00a0€ / kpl" in page.text
    # a second list of the same part from the same day: told at its start in Finnish (it was the API's English)
    twice = await submit(portal, url, f"{url}/price-lists", {**form, "name": "Toinen", "prices.1.unit_price": "7"})
    assert twice.status_code == 422 and 'id="pricelist-start-error"' in twice.text
    told = re.search(r'id="pricelist-start-error">(.*?)</p>', twice.text, re.S).group(1)  # type: ignore[union-attr]
    assert "starting that day" not in told and "alkaa jo" in told, told
    assert 'value="Toinen"' in twice.text  # what was typed is kept

    no_accept = await submit(portal, url, f"{url}/submit", {})
    assert no_accept.status_code == 422 and 'id="submit-accept_rulebook-error"' in no_accept.text
    # a person without the company's signing right (TJ/NIMKO) is refused, and nothing is sent
    unauthorised = await submit(portal, url, f"{url}/submit", {"accept_rulebook": "on"})
    refused = await sign_at_fake_identity(portal, services, unauthorised, data.demo.provider_business_id, "PJ")
    assert refused.startswith("refused:") and "nimenkirjoitusoikeutta" in refused
    assert "Lähetetty" not in (await portal.get(url)).text
    sent = await submit(portal, url, f"{url}/submit", {"accept_rulebook": "on"})
    assert sent.status_code == 303
    # sending is signing: to the registry's test identification (Suomi.fi in production) and back
    assert (await sign_at_fake_identity(portal, services, sent, data.demo.provider_business_id)) == url
    assert "Lähetetty" in (await portal.get(url)).text

    # a rescue plan in the register, for the officer to open
    attachments = await portal.get("/provider/attachments")
    uploaded = await portal.post("/provider/attachments", data={
        "csrf": csrf_of(attachments.text), "owner": "company", "type": "rescue_plan"},
        files={"file": ("pelastussuunnitelma.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")})
    assert uploaded.status_code == 303, uploaded.text[-1500:]

    # the officer sees it in the queue and decides on one page
    await login(portal, data.officer_email, "Demo-kunta-2026")
    queues = await portal.get("/officer")
    assert re.search(r'id="count-applications">\s*1 odottaa', queues.text), queues.text
    application_id = url.rsplit("/", 1)[1]
    officer_url = f"/officer/applications/{application_id}"
    assert officer_url in (await portal.get("/officer/applications")).text
    # the whole application in view: company and site, people, attachments that open, the liability
    # check and its date, the signer and the rulebook version accepted
    decision_page = await portal.get(officer_url)
    assert decision_page.status_code == 200, decision_page.text[-2000:]
    text = decision_page.text
    assert data.demo.provider_business_id in re.search(r'id="application-company">.*?</dl>', text, re.S).group(0)  # type: ignore[union-attr]
    assert re.search(r'id="application-liability">(Ei tarkistettu|Tulos: <strong>)', text)
    signer = re.search(r'id="application-signature">.*?</dl>', text, re.S).group(0)  # type: ignore[union-attr]
    assert "<dd>Maija Meikäläinen (TJ)</dd>" in signer  # as identified when signing
    files = re.findall(r'href="(/officer/applications/[^"]+/attachments/[^"]+)"', text)
    assert files, text[-3000:]
    assert "Pelastussuunnitelma" in text
    opened = await portal.get(files[0])
    assert opened.status_code == 200 and "attachment" in opened.headers["content-disposition"]
    assert opened.content.startswith(b"%PDF")
    no_reason = await submit(portal, officer_url, officer_url, {"decision": "return"})
    assert no_reason.status_code == 422 and 'id="decision-reason-error"' in no_reason.text
    approved = await submit(portal, officer_url, officer_url, {"decision": "approve"})
    assert approved.status_code == 303
    assert application_id not in (await portal.get("/officer/applications")).text


async def test_price_lists_page_lists_the_approved_price(portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    page = await portal.get("/provider/price-lists")
    assert page.status_code == 200
    assert "Hinnasto 2016" in page.text and "150,00\u00a0€ / vrk" in page.text and "toistaiseksi" in page.text


async def test_book_a_voucher_by_number_then_record_and_confirm_care_in_the_month_view(
        portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    unknown = await portal.get("/provider/book", params={"number": "99999999999"})
    assert unknown.status_code == 422 and "Tällä numerolla ei löytynyt seteliä." in unknown.text

    found = await portal.get("/provider/book", params={"number": data.voucher_number})
    assert "Bertil Bäck" in found.text and "Hoiva ja huolenpito" in found.text
    content_id = re.search(r'name="voucher_content_id" value="([^"]+)"', found.text).group(1)  # type: ignore[union-attr]
    no_terms = await portal.post("/provider/book", data={"csrf": csrf_of(found.text),
                                                          "voucher_number": data.voucher_number,
                                                          "voucher_content_id": content_id})
    assert no_terms.status_code == 422 and 'id="book-accept_terms-error"' in no_terms.text
    booked = await portal.post("/provider/book", data={
        "csrf": csrf_of(found.text), "voucher_number": data.voucher_number, "voucher_content_id": content_id,
        "accept_terms": "on", "client_number": "B-002"})
    assert booked.status_code == 303, booked.text[-1500:]
    month_url = booked.headers["location"]
    home = await portal.get("/provider")  # the new booking is on the home page's to-do list
    assert re.search(r'class="todo-booking"><a href="/provider/bookings/[^"]+">Uusi varaus: asiakas B-002', home.text)
    # and the main user sees the latest payments with their specifications
    assert "Viimeisimmät maksut" in home.text and re.search(r'href="/provider/payments/[^"]+\.pdf"', home.text)

    # record the voucher's first month as a draft, see it on the calendar, then confirm it
    month = data.voucher_month
    view = await portal.get(f"{month_url}?month={month}")
    assert "B-002" in view.text
    recorded = await portal.post(f"{month_url}/events", data={
        "csrf": csrf_of(view.text), "month": str(month), "start": str(month.first), "end": str(month.last),
        "status": "draft"})
    assert recorded.status_code == 303, recorded.text[-1500:]
    view = await portal.get(recorded.headers["location"])
    assert view.text.count('<span class="mark">Keskeneräinen</span>') == month.last.day
    days = month.last.day
    # the voucher pays 140.00 €/day of the 150.00 € price: the client's share is 10.00 €/day
    assert money_fmt(days * 140) in view.text and money_fmt(days * 10) in view.text

    # the home page says what is left and by when: the 2nd of the month after the draft's month
    deadline = month.next().first.replace(day=2)
    home = await portal.get("/provider")
    todo = re.search(r'<li id="todo-drafts">.*?</li>', home.text, re.S).group(0)  # type: ignore[union-attr]
    assert "1 keskeneräinen kirjaus" in todo and f"{deadline.day}.{deadline.month}.{deadline.year}" in todo
    drafts = await portal.get("/provider/drafts")
    assert "B-002" in drafts.text
    # this booking's draft (the suite is shared: another test's drafts may be listed beside it)
    event_ids = re.findall(r'name="event_ids" value="([^"]+)"[^>]*aria-label="[^"]* B-002 ', drafts.text)
    assert len(event_ids) == 1, drafts.text[-3000:]
    confirmed = await portal.post("/provider/drafts/confirm", data={"csrf": csrf_of(drafts.text),
                                                                     "event_ids": event_ids})
    assert confirmed.status_code == 303
    after = await portal.get("/provider/drafts")
    told = re.findall(r'<div class="alert[^"]*" role="status">(.*?)</div>', after.text, re.S)
    assert "Vahvistettu 1 kirjaus, epäonnistui 0." in after.text and "B-002" not in after.text, told
    assert 'id="todo-drafts"' not in (await portal.get("/provider")).text  # done: off the list
    view = await portal.get(f"{month_url}?month={month}")
    assert view.text.count('<span class="mark">Kirjattu</span>') == days

    clients = await portal.get("/provider/clients")
    assert "Bäck, Bertil" in clients.text and month_url in clients.text


async def test_an_event_outside_the_voucher_is_refused_next_to_the_dates(portal: httpx.AsyncClient,
                                                                          data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    clients = await portal.get("/provider/clients")
    month_url = re.search(r'href="(/provider/bookings/[^"]+)"', clients.text).group(1)  # type: ignore[union-attr]
    view = await portal.get(month_url)
    response = await portal.post(f"{month_url}/events", data={"csrf": csrf_of(view.text), "start": "2001-01-01",
                                                              "end": "2001-01-31"})
    assert response.status_code == 422
    assert 'role="alert"' in response.text


async def test_the_provider_chooses_among_the_tenants_where_it_is_approved(suite, data: Seed) -> None:  # type: ignore[no-untyped-def]
    from .conftest import portal_app

    app = portal_app(suite, data, default_tenant="")  # no tenant preselected by configuration
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal") as client:
        await login(client, data.provider_email, PROVIDER_PASSWORD)
        page = await client.get("/provider")
        tag = data.tenant_id.split("-", 1)[1]
        # a list of the municipalities by name, the one it is approved in chosen (first in the list)
        assert f'<option value="{data.tenant_id}" selected>Demokunta {tag}</option>' in page.text
        assert 'id="tenant-tenant" name="tenant" type="text"' not in page.text  # no id to type
        assert "Ikääntyneiden tehostettu palveluasuminen" in page.text  # its applications there
        # an id that is no municipality's (a tampered form) is refused, saying so; the choice stays
        refused = await client.post("/tenant", data={"csrf": csrf_of(page.text), "tenant": "no-such-town",
                                                     "next": "/provider"})
        assert refused.status_code == 303
        after = await client.get("/provider")
        assert "Kuntaa ei löytynyt. Valitse kunta luettelosta." in after.text
        assert f'<option value="{data.tenant_id}" selected>' in after.text


async def test_a_second_application_to_a_service_leads_to_the_one_the_provider_has(portal: httpx.AsyncClient,
                                                                                  data: Seed) -> None:
    # the provider already has an (approved) application for the demo service: the API refuses a second
    # (409, reason application_exists), and the portal takes the provider to the one it has, saying why
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    dashboard = await portal.get("/provider")
    refused = await portal.post("/provider/applications", data={"csrf": csrf_of(dashboard.text),
                                                                "service_id": data.service_id})
    assert refused.status_code == 303
    existing = refused.headers["location"]
    assert re.fullmatch(r"/provider/applications/[\w-]+", existing), existing
    shown = await portal.get(existing)
    assert shown.status_code == 200
    assert "Sinulla on jo hakemus tähän palveluun: jatka sitä." in shown.text
    assert "already have an application" not in shown.text

    await portal.post("/language", data={"csrf": csrf_of(shown.text), "lang": "sv", "next": "/provider"})
    again = await portal.post("/provider/applications", data={"csrf": csrf_of(shown.text),
                                                              "service_id": data.service_id})
    assert again.status_code == 303 and again.headers["location"] == existing
    assert "Du har redan en ansökan till den här tjänsten" in (await portal.get(existing)).text


def test_a_price_list_starting_before_the_approved_one_is_told_with_its_date() -> None:
    """The applications service's reason (price_lists.py) in the provider's language, the day in Finnish form."""
    from seteli_portal.apiclient import ApiError
    from seteli_portal.i18n import Translator
    from seteli_portal.routes_provider import price_list_errors

    refused = ApiError(422, "Invalid input", fields={"start": (
        "must be after the start of the approved price list of this producer part (2016-01-01); approved lists "
        "are never changed, a new one starts later")})
    assert price_list_errors(Translator("fi"), refused)["start"].startswith(
        "Hinnaston on alettava myöhemmin kuin tämän tuottajanosan hyväksytty hinnasto (1.1.2016)")
    assert "(1.1.2016)" in price_list_errors(Translator("sv"), refused)["start"]
