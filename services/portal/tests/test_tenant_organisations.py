"""Tenant admin, journey 3: invites an association, which fills in its data through the mailed link and then
waits for the municipality; the admin approves it from the list; a new link is mailed on request; the course-entry
window of the year is opened, and a window that ends before it starts is refused and changes nothing."""

from __future__ import annotations

import asyncio
import re

import httpx

from seteli.embedded import Suite

from .conftest import csrf_of, login, submit
from .mailbox import link_in_mail, messages_to
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed


def _row(html: str, text: str) -> str:
    return next(r for r in re.findall(r'<tr id="organisation-[^"]+">.*?</tr>', html, re.S) if text in r)


async def test_a_tenant_admin_invites_and_approves_an_association_and_opens_the_course_window(
        portal: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    await login(portal, data.officer_email, OFFICER_PASSWORD)  # the demo tenant's admin
    page = await portal.get("/officer/organisations")
    assert page.status_code == 200 and 'href="/officer/organisations" aria-current="page"' in page.text

    email = f"pj-{data.tenant_id}@kyläyhdistys.fi".lower()
    missing = await submit(portal, "/officer/organisations", "/officer/organisations/invitations", {"email": ""})
    assert missing.status_code == 422 and 'id="invite-email-error"' in missing.text
    invited = await submit(portal, "/officer/organisations", "/officer/organisations/invitations",
                           {"email": email, "language": "sv"})
    assert invited.status_code == 303, invited.text[-1500:]
    page = await portal.get(invited.headers["location"])
    assert f"Kutsu lähetetty osoitteeseen {email}." in page.text
    row = _row(page.text, email)
    assert "Yhdistys" in row and "Kutsuttu" in row and "(ei vielä täytetty)" in row and "/approve" not in row

    # the association fills in its form through the link (in Swedish, as invited) and waits for approval
    link = await link_in_mail(suite, email, "association")
    form = await portal.get(link)
    saved = await portal.post("/association", data={"csrf": csrf_of(form.text), "token": link.split("token=")[1],
                                                    "name": "Byaföreningen rf", "city": "Kouvola"})
    assert saved.status_code == 200, saved.text[-1500:]
    page = await portal.get("/officer/organisations")
    row = _row(page.text, "Byaföreningen rf")
    assert "Odottaa hyväksyntää" in row and page.text.index("Byaföreningen rf") < page.text.index("Hyväksytty")

    # a new link on request; then the approval
    before = len(messages_to(suite, email))
    resent = await portal.post(re.search(r'action="([^"]+/link)"', row).group(1),  # type: ignore[union-attr]
                               data={"csrf": csrf_of(page.text)})
    assert resent.status_code == 303
    assert "Uusi linkki lähetetty" in (await portal.get(resent.headers["location"])).text
    for _ in range(300):  # the mail goes over the bus
        if len(messages_to(suite, email)) > before:
            break
        await asyncio.sleep(0.1)
    assert len(messages_to(suite, email)) == before + 1
    approved = await portal.post(re.search(r'action="([^"]+/approve)"', row).group(1),  # type: ignore[union-attr]
                                 data={"csrf": csrf_of(page.text)})
    assert approved.status_code == 303
    page = await portal.get(approved.headers["location"])
    assert "Hyväksytty" in _row(page.text, "Byaföreningen rf") and "/approve" not in _row(page.text, "Byaföreningen rf")

    # the course-entry window of the year
    wrong = await submit(portal, "/officer/organisations", "/officer/organisations/course-windows",
                         {"year": "2027", "opens_on": "2027-10-31", "closes_on": "2027-09-01"})
    assert wrong.status_code == 422 and "Päättymispäivä ei voi olla ennen alkamispäivää." in wrong.text
    assert 'id="window-2027"' not in wrong.text
    opened = await submit(portal, "/officer/organisations", "/officer/organisations/course-windows",
                          {"year": "2027", "opens_on": "2027-09-01", "closes_on": "2027-10-31"})
    assert opened.status_code == 303
    page = await portal.get(opened.headers["location"])
    assert "Vuoden 2027 ilmoittautumisaika tallennettu." in page.text
    window = re.search(r'<tr id="window-2027">.*?</tr>', page.text, re.S).group(0)  # type: ignore[union-attr]
    assert "1.9.2027" in window and "31.10.2027" in window


async def test_a_company_does_not_reach_the_municipalitys_organisations(portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    assert (await portal.get("/officer/organisations")).status_code == 403
