"""Tenant admin journey 3, the third decision: the admin asks a company for more about its registration
request (in Finnish), the company answers through the mailed link (in Swedish), correcting its details, and
the request is back in the admin's queue, marked answered with the history, and is approved."""

from __future__ import annotations

import html
import random
import re

import httpx

from seteli.demo import random_business_id
from seteli.embedded import Suite

from .conftest import csrf_of, login, portal_app, submit
from .mailbox import link_in_mail, messages_to
from .seed import OFFICER_PASSWORD, Seed

RNG = random.Random(1919)


async def _request(portal: httpx.AsyncClient, data: Seed, name: str, email: str) -> None:
    fields = {"tenant_id": data.tenant_id, "company_name": name, "business_id": random_business_id(RNG),
              "street_address": "Strandgatan 3", "postal_code": "06100", "city": "Borgå", "first_name": "Stina",
              "last_name": "Svensson", "email": email, "phone": "0405556666", "password": "Begaran-2026x",
              "password_again": "Begaran-2026x", "language": "sv"}
    sent = await submit(portal, "/registration-request", "/registration-request", fields)
    assert sent.status_code == 303, sent.text[-1500:]


def _texts(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


async def test_admin_asks_in_finnish_the_company_answers_in_swedish_and_the_admin_approves(
        portal: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    email = "stina@komplettering.fi"
    await _request(portal, data, "Komplettering Ab", email)
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    listing = await portal.get("/officer/registrations")
    url = re.search(r'href="(/officer/registrations/[^"]+)">Komplettering Ab', listing.text).group(1)  # type: ignore[union-attr]
    page = await portal.get(url)
    assert "Pyydä lisätietoja" in page.text and 'maxlength="2000"' in page.text

    # the message is required, and at most 2000 characters: said in Finnish with the field's label
    ask = f"{url}/more-info"
    empty = await submit(portal, url, ask, {"message": "  "})
    assert empty.status_code == 422 and 'id="ask-errors"' in empty.text
    assert "Mitä puuttuu: Täytä tämä kenttä." in _texts(empty.text)
    long = await submit(portal, url, ask, {"message": "x" * 2001})
    assert long.status_code == 422 and "Kirjoita enintään 2000 merkkiä." in long.text
    assert messages_to(suite, email) == []
    sent = await submit(portal, url, ask, {"message": "Bifoga ett utdrag ur handelsregistret, tack."})
    assert sent.status_code == 303 and sent.headers["location"].endswith("/officer/registrations")
    assert "Lisätietopyyntö lähetetty yritykselle." in (await portal.get("/officer/registrations")).text
    waiting = await portal.get(url)
    assert "Odottaa yrityksen vastausta lisätietopyyntöön." in waiting.text and "Lisätietoja pyydetty" in waiting.text
    assert 'id="decide-h"' not in waiting.text  # nothing to decide while the company answers
    # the queue's filters: waiting for a decision no longer lists it; waiting for the company does
    pending = await portal.get("/officer/registrations")
    assert ">Komplettering Ab<" not in pending.text
    tab = re.search(r'<a href="([^"]+)">Lisätietoja pyydetty</a>', pending.text)
    assert tab is not None, pending.text[-3000:]
    asked = await portal.get(tab.group(1))
    assert ">Komplettering Ab<" in asked.text and 'aria-current="page"><strong>Lisätietoja pyydetty' in asked.text
    assert ">Komplettering Ab<" not in (await portal.get("/officer/registrations?status=nonsense")).text
    again = await portal.post(ask, data={"csrf": csrf_of(waiting.text), "message": "Toinen"})
    assert again.status_code == 409 and "Pyyntö ei enää odota päätöstä" in again.text

    # the company, in Swedish, from the link in its Swedish mail
    link = await link_in_mail(suite, email, "registration-request/answer")
    [mail] = messages_to(suite, email)
    assert "Vad som saknas: Bifoga ett utdrag ur handelsregistret, tack." in mail
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=portal_app(suite, data)), base_url="http://portal",
                                 timeout=60) as company:
        landing = await company.get(link)  # opens in the language of the request: Swedish
        assert landing.status_code == 303
        form = await company.get(landing.headers["location"])
        assert form.status_code == 200 and "Svara på begäran om komplettering" in form.text
        assert "Bifoga ett utdrag ur handelsregistret, tack." in form.text
        token = link.split("token=")[1]
        fields = {"token": token, "company_name": "Komplettering Ab", "street_address": "Strandgatan 3",
                  "postal_code": "0610", "city": "Borgå", "first_name": "Stina", "last_name": "Svensson",
                  "phone": "0409998888", "reply": ""}
        bad = await company.post("/registration-request/answer", data={"csrf": csrf_of(form.text), **fields})
        assert bad.status_code == 422 and 'id="answer-errors"' in bad.text
        assert "Ert svar: Fyll i detta fält." in _texts(bad.text)
        assert "Postnummer: " in _texts(bad.text) and "Mitä puuttuu" not in bad.text
        fields |= {"postal_code": "06100", "reply": "Utdraget är bifogat, och telefonnumret är nytt."}
        answered = await company.post("/registration-request/answer", data={"csrf": csrf_of(bad.text), **fields})
        assert answered.status_code == 200 and "Tack! Ert svar har skickats" in answered.text
        used = await company.get(link)
        assert used.status_code == 400  # the link is used up

    # back in the admin's queue, marked answered, with the history; then approved
    queue = await portal.get("/officer/registrations")
    row = re.search(r"Komplettering Ab.*?</tr>", queue.text, re.S).group(0)  # type: ignore[union-attr]
    assert "Vastattu" in row
    back = await portal.get(url)
    text = _texts(back.text)
    assert "Yritys vastasi lisätietopyyntöön" in text and "Utdraget är bifogat, och telefonnumret är nytt." in text
    assert "Korjatut tiedot: Puhelin" in " ".join(text.split()) and "0409998888" in text
    assert "Lisätietoja pyydetty" in text and "Stina Svensson" in text
    approved = await submit(portal, url, url, {"decision": "approved"})
    assert approved.status_code == 303
    assert "Hyväksytty" in _texts((await portal.get(url)).text)
