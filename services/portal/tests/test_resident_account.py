"""The signed-in resident: sign in with strong identity through the (fake) Suomi.fi page, read one's own
co-payment breakdown and give a complaint; another client's data stays out of reach."""

from __future__ import annotations

import asyncio
import io
import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
from pypdf import PdfReader
from seteli_portal.i18n import money_fmt

from seteli.embedded import Suite

from .conftest import csrf_of, login, portal_app
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .test_officer_clients import _api


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


async def _client(officer: httpx.AsyncClient, data: Seed, name: str) -> dict[str, Any]:
    listing = (await officer.get(f"/vouchers/v1/tenants/{data.tenant_id}/clients", params={"name": name})).json()
    detail = await officer.get(f"/vouchers/v1/tenants/{data.tenant_id}/clients/{listing['items'][0]['id']}")
    return dict(detail.json())  # with the identity code: what the person types on the test page


async def _identify(portal: httpx.AsyncClient, suite: Suite, identity_code: str) -> httpx.Response:
    started = await portal.get("/resident/sign-in")
    assert started.status_code == 303, started.text[:500]
    page_url = started.headers["location"]
    assert "identity_code" not in page_url
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=suite.app), base_url="http://suite") as suomi:
        back = await suomi.post(urlparse(page_url).path, data={
            **_query(page_url), "given_name": "Aino", "surname": "Asiakas", "identity_code": identity_code})
    assert back.status_code == 303, back.text[:500]
    returned = _query(back.headers["location"])
    return await portal.get("/resident/callback", params=returned)


async def _signed_in(portal: httpx.AsyncClient, suite: Suite, data: Seed, identity_code: str) -> httpx.Response:
    response = await _identify(portal, suite, identity_code)
    if response.status_code == 200 and "tenant_id" in response.text:  # a client of another test's tenant too
        response = await portal.post("/resident/choose-tenant", data={
            "csrf": csrf_of(response.text), "state": re.search(r'name="state" value="([^"]+)"', response.text)
            .group(1), "tenant_id": data.tenant_id})  # type: ignore[union-attr]
    return response


async def test_a_resident_signs_in_reads_their_co_payment_and_complains(
        portal: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    login_page = await portal.get("/login")
    assert 'href="/resident/sign-in"' in login_page.text
    officer = await _api(suite, data.officer_email, OFFICER_PASSWORD)
    aino, bertil = await _client(officer, data, "Aino Asiakas"), await _client(officer, data, "Bertil")

    signed = await _signed_in(portal, suite, data, aino["identity_code"])
    assert signed.status_code == 303 and signed.headers["location"] == "/resident", signed.text[:800]
    home = await portal.get("/resident")
    assert home.status_code == 200 and "Aino Asiakas" in home.text and aino["identity_code"] not in home.text
    # her vouchers, with the number and code she gives a provider
    own = re.search(r'<table id="own-vouchers">.*?</table>', home.text, re.S)
    vouchers = (await officer.get(f"/vouchers/v1/tenants/{data.tenant_id}/clients/{aino['id']}/vouchers")).json()
    assert own and vouchers["items"]
    for voucher in vouchers["items"]:
        assert voucher["printable_number"] in own.group(0) and voucher["verification_code"] in own.group(0)

    month = data.demo.month
    bad = await portal.get("/resident", params={"service_id": data.service_id, "start": f"{month}-20",
                                                 "end": f"{month}-01"})
    assert bad.status_code == 422 and 'id="copay-end-error"' in bad.text
    page = await portal.get("/resident", params={"service_id": data.service_id, "start": f"{month}-01",
                                                  "end": f"{month}-28"})
    assert page.status_code == 200, page.text[-1500:]
    assert money_fmt("140.00") in page.text and re.search(r'id="copay-total">[^<]*\d', page.text)
    pdf_link = re.search(r'href="([^"]*/resident/co-payments\.pdf[^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    pdf = await portal.get(pdf_link.replace("&amp;", "&"))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).replace("\xa0", " ")
    shown_total = re.search(r'id="copay-total">([^<]+)<', page.text).group(1)  # type: ignore[union-attr]
    # the PDF is the same breakdown the page shows: the client's own total
    assert "Asiakas maksaa" in text and shown_total.replace("\xa0", " ").replace("€", "EUR").strip() in text, text
    # her own access log lists these reads too (issue 17/9): they travel from events to vouchers
    # They travel over the bus: on a loaded machine a consumer that met a busy SQLite file retries
    # after 1, 5 and 30 s, so wait by the clock, not by a count of tries.
    deadline = asyncio.get_running_loop().time() + 120
    while True:
        log = await portal.get("/resident/access-log")
        assert log.status_code == 200, log.text[-1500:]
        # her own read of the PDF (an officer's read of it may be listed already)
        if re.search(r"<td>Asiakas</td><td>Asiakas itse</td><td>Omavastuuerittely \(PDF\)</td>", log.text) \
                or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.2)
    own = r"<td>Asiakas</td><td>Asiakas itse</td><td>{}</td><td>Omien tietojen katselu</td>"
    assert re.search(own.format("Omavastuuerittely"), log.text), log.text[-2000:]
    assert re.search(own.format(r"Omavastuuerittely \(PDF\)"), log.text), log.text[-3000:]
    assert "co_payment" not in log.text and ">client<" not in log.text

    # the feedback form offers her own providers, not the municipality's whole catalog
    choice = re.search(r'<select id="feedback-provider_id".*?</select>', page.text, re.S)
    assert choice is not None
    offered = re.findall(r'<option value="([^"]+)"', choice.group(0))
    providers = (await officer.get(f"/vouchers/v1/tenants/{data.tenant_id}/clients/{aino['id']}/providers")).json()
    assert offered == [p["id"] for p in providers["items"]] and data.provider_id in offered

    missing = await portal.post("/resident/feedback", data={"csrf": csrf_of(page.text), "kind": "complaint"})
    assert missing.status_code == 422
    assert 'id="feedback-provider_id-error"' in missing.text and 'id="feedback-text-error"' in missing.text
    assert 'aria-describedby="feedback-text-error"' in missing.text
    # a company she has no voucher booked with: told so in Finnish at the choice (it was the API's English)
    stranger = await portal.post("/resident/feedback", data={
        "csrf": csrf_of(missing.text), "provider_id": "00000000-0000-4000-8000-000000000000", "kind": "thanks",
        "text": "Kiitos!"})
    assert stranger.status_code == 422 and 'id="feedback-provider_id-error"' in stranger.text
    told = re.search(r'id="feedback-provider_id-error">(.*?)</p>', stranger.text, re.S).group(1)  # type: ignore[union-attr]
    assert "booked" not in told and "palveluseteli" in told, told
    assert "Kiitos!</textarea>" in stranger.text  # what she wrote is kept
    sent = await portal.post("/resident/feedback", data={
        "csrf": csrf_of(missing.text), "provider_id": data.provider_id, "kind": "complaint",
        "text": "Ateria oli kylmä kolmena päivänä."})
    assert sent.status_code == 303, sent.text[-1500:]
    assert "Palaute lähetetty" in (await portal.get("/resident")).text

    given = await officer.get(f"/events/v1/tenants/{data.tenant_id}/feedback", params={"kind": "complaint"})
    complaint = [f for f in given.json()["items"] if f["text"] == "Ateria oli kylmä kolmena päivänä."]
    assert complaint and complaint[0]["needs_reply"] is True  # a complaint is always answered
    mine = re.search(rf'<article class="card" id="feedback-{complaint[0]["id"]}">.*?</article>',
                     (await portal.get("/resident")).text, re.S)
    assert mine and "Ateria oli kylmä kolmena päivänä." in mine.group(0) and "Odottaa vastausta." in mine.group(0)
    # the provider's home says a reply is waiting
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=portal_app(suite, data)),
                                 base_url="http://portal", timeout=60) as company:
        await login(company, data.provider_email, PROVIDER_PASSWORD)
        home = await company.get("/provider")
        assert 'id="todo-feedback"' in home.text and "odottaa vastaustanne" in home.text
    provider = await _api(suite, data.provider_email, PROVIDER_PASSWORD)
    replied = await provider.post(f"/events/v1/tenants/{data.tenant_id}/feedback/{complaint[0]['id']}/reply",
                                  json={"text": "Pahoittelemme, lämmitämme ateriat jatkossa."})
    assert replied.status_code == 200, replied.text
    await provider.aclose()
    mine = re.search(rf'<article class="card" id="feedback-{complaint[0]["id"]}">.*?</article>',
                     (await portal.get("/resident")).text, re.S)
    assert mine and "Pahoittelemme, lämmitämme ateriat jatkossa." in mine.group(0)
    assert "Odottaa vastausta." not in mine.group(0)
    # another client's breakdown is not reachable: the officer's pages refuse a resident
    other = await portal.get(f"/officer/clients/{bertil['id']}/co-payments")
    assert other.status_code in (302, 303, 403)  # not the officer's pages


async def test_a_person_who_is_no_client_is_told_so(portal: httpx.AsyncClient, suite: Suite) -> None:
    refused = await _identify(portal, suite, "010170-902A")
    assert refused.status_code == 403 and "palvelusetelin asiakkaaksi" in refused.text
    assert "010170-902A" not in refused.text
    assert (await portal.get("/resident")).status_code in (302, 303)  # not signed in


async def test_a_resident_with_no_provider_yet_is_offered_none_to_give_feedback_about(
        portal: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    """Feedback is about a provider who cares or cared for the client (004 §4.4): a resident whose voucher
    nobody has booked yet is told so, not offered the catalog's companies (the service refused each of them)."""
    import random

    from seteli.demo import random_test_identity_code

    officer = await _api(suite, data.officer_email, OFFICER_PASSWORD)
    code = random_test_identity_code(random.Random(f"no-provider-{data.tenant_id}"))
    made = (await officer.post(f"/vouchers/v1/tenants/{data.tenant_id}/clients", json={
        "first_name": "Eino", "last_name": "Etsijä", "identity_code": code, "language": "fi"})).json()
    service = (await officer.get(f"/applications/v1/tenants/{data.tenant_id}/services/{data.service_id}")).json()
    month = data.demo.month
    granted = await officer.post(f"/vouchers/v1/tenants/{data.tenant_id}/vouchers", json={
        "client_id": made["id"], "service_id": data.service_id, "granted_on": f"{month}-01",
        "valid_from": f"{month}-01", "valid_until": f"{month}-28",
        "contents": [{"content_id": service["contents"][0]["id"], "granted_amount": "28", "period": "month",
                      "voucher_value": "140.00"}]})
    assert granted.status_code == 201, granted.text
    await officer.aclose()

    signed = await _signed_in(portal, suite, data, code)
    assert signed.status_code == 303, signed.text[:800]
    home = await portal.get("/resident")
    assert home.status_code == 200
    assert 'id="feedback-provider_id"' not in home.text and data.provider_id not in home.text
    assert "Palautetta voi antaa palveluntuottajasta, joka on varannut palvelusetelisi" in home.text
