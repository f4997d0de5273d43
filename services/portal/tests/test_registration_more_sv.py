"""Tenant admin journey 3's third decision walked in Swedish: the admin's "ask for more" form, its errors (with
the field's label), the notice, the waiting request and, once the company has answered, the request's history
with the corrected details — all in Swedish, no Finnish text of these pages left."""

from __future__ import annotations

import html
import random
import re
from pathlib import Path

import httpx

from seteli.demo import random_business_id
from seteli.embedded import Suite

from .conftest import csrf_of, login, portal_app, submit
from .mailbox import link_in_mail
from .seed import OFFICER_PASSWORD, Seed

RNG = random.Random(2020)
LOCALES = Path(__file__).resolve().parents[1] / "src" / "seteli_portal" / "locales"


def _texts(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _messages(lang: str) -> dict[str, str]:
    po = (LOCALES / lang / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    return dict(re.findall(r'^msgid "([^"]+)"\nmsgstr "([^"]*)"', po, re.M))


def _finnish_left(page: str) -> list[str]:
    """The Finnish texts of "ask for more" (and the labels it names) that differ from their Swedish ones and
    show on the page anyway."""
    fi, sv = _messages("fi"), _messages("sv")
    keys = [k for k in fi if k.startswith(("askmore.", "state.more_requested"))] + [
        "field.phone", "error.required", "registration.request"]
    text = _texts(page)
    return [fi[k].split("{")[0] for k in keys
            if k in sv and fi[k] != sv[k] and len(fi[k].split("{")[0]) > 4 and fi[k].split("{")[0] in text]


async def test_the_admin_asks_for_more_and_reads_the_answer_in_swedish(
        portal: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    email = "tuula@taydennys.fi"
    sent = await submit(portal, "/registration-request", "/registration-request", {
        "tenant_id": data.tenant_id, "company_name": "Täydennys Oy", "business_id": random_business_id(RNG),
        "street_address": "Kauppakatu 3", "postal_code": "45100", "city": "Kouvola", "first_name": "Tuula",
        "last_name": "Täydentäjä", "email": email, "phone": "0405557777", "password": "Taydennys-2026x",
        "password_again": "Taydennys-2026x", "language": "fi"})
    assert sent.status_code == 303, sent.text[-1500:]
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    listing = await portal.get("/officer/registrations")
    url = re.search(r'href="(/officer/registrations/[^"]+)">Täydennys Oy', listing.text).group(1)  # type: ignore[union-attr]
    assert "Pyydä lisätietoja" in _finnish_left((await portal.get(url)).text)  # the check finds Finnish
    await portal.post("/language", data={"csrf": csrf_of(listing.text), "lang": "sv", "next": url})

    page = await portal.get(url)
    assert page.status_code == 200 and 'lang="sv"' in page.text
    text = _texts(page.text)
    assert "Begär komplettering" in text and "Vad saknas" in text
    assert "Obligatorisk, högst 2000 tecken. Meddelandet skickas till företaget." in text
    assert _finnish_left(page.text) == []

    ask = f"{url}/more-info"
    empty = await submit(portal, url, ask, {"message": "  "})
    assert empty.status_code == 422 and 'id="ask-errors"' in empty.text
    assert "Vad saknas: Fyll i detta fält." in _texts(empty.text)  # the label, never the key
    assert "message" not in _texts(empty.text).split("Vad saknas:")[0][-40:] and "Mitä puuttuu" not in empty.text
    assert _finnish_left(empty.text) == []
    long = await submit(portal, url, ask, {"message": "x" * 2001})
    assert long.status_code == 422 and "Skriv högst 2000 tecken." in _texts(long.text)
    assert _finnish_left(long.text) == []

    done = await submit(portal, url, ask, {"message": "Bifoga ett utdrag ur handelsregistret."})
    assert done.status_code == 303
    queue = await portal.get("/officer/registrations")
    assert "Begäran om komplettering har skickats till företaget." in _texts(queue.text)
    waiting = await portal.get(url)
    text = _texts(waiting.text)
    assert "Väntar på företagets svar på begäran om komplettering." in text
    assert "Begäran om komplettering och svar" in text and "Komplettering begärd" in text
    assert "Bifoga ett utdrag ur handelsregistret." in text
    assert _finnish_left(waiting.text) == []
    again = await portal.post(ask, data={"csrf": csrf_of(waiting.text), "message": "En gång till"})
    assert again.status_code == 409
    assert "Begäran väntar inte längre på beslut, så komplettering kan inte begäras." in _texts(again.text)
    assert _finnish_left(again.text) == []

    # the company answers in Finnish from its mail, with a new phone number
    link = await link_in_mail(suite, email, "registration-request/answer")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=portal_app(suite, data)), base_url="http://portal",
                                 timeout=60) as company:
        form = await company.get(link, follow_redirects=True)
        assert form.status_code == 200, form.text[-1500:]
        answered = await company.post("/registration-request/answer", data={
            "csrf": csrf_of(form.text), "token": link.split("token=")[1], "company_name": "Täydennys Oy",
            "street_address": "Kauppakatu 3", "postal_code": "45100", "city": "Kouvola", "first_name": "Tuula",
            "last_name": "Täydentäjä", "phone": "0405558888", "reply": "Ote liitetty, puhelinnumero vaihtui."})
        assert answered.status_code == 200, answered.text[-1500:]

    queue = await portal.get("/officer/registrations")
    row = re.search(r"Täydennys Oy.*?</tr>", queue.text, re.S).group(0)  # type: ignore[union-attr]
    assert "Besvarad" in row and "Vastattu" not in row
    back = await portal.get(url)
    text = _texts(back.text)
    assert "Företaget svarade på begäran om komplettering" in text
    assert "Företaget svarade" in text and "Ote liitetty, puhelinnumero vaihtui." in text  # their words as given
    assert "Korrigerade uppgifter: Telefon" in text and "0405558888" in text
    assert "Komplettering begärd" in text and "Tuula Täydentäjä" in text
    assert _finnish_left(back.text) == []
