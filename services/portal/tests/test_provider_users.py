"""The main user's users and service teams: create (the initial password changed at first login),
teams per (tenant, service), unlock a locked user, passivate; nobody else reaches the page."""

from __future__ import annotations

import re

import httpx

from .conftest import csrf_of, login, submit
from .seed import PROVIDER_PASSWORD, Seed


def _row(html: str, email: str) -> str:
    match = re.search(rf'<tr id="user-[^"]+">\s*<td>[^<]*</td><td>{re.escape(email)}</td>.*?</tr>', html, re.S)
    assert match, html[-3000:]
    return match.group(0)


async def test_the_main_user_creates_a_user_in_a_service_team_unlocks_and_passivates_it(
        portal: httpx.AsyncClient, data: Seed, services: httpx.AsyncClient) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    page = await portal.get("/provider/users")
    assert page.status_code == 200 and "<h1>Käyttäjät ja palvelutiimit</h1>" in page.text
    me = _row(page.text, data.provider_email)
    assert "Aktiivinen" in me and "Passivoi" not in me  # one cannot passivate oneself
    tag = data.tenant_id.split("-", 1)[1]
    email = f"hoitaja-{tag}@hoivakoti.fi"

    short = await submit(portal, "/provider/users", "/provider/users", {
        "name": "Heikki Hoitaja", "email": email, "password": "lyhyt", "service_ids": data.service_id})
    assert short.status_code == 422
    assert re.search(r'id="user-password"[^>]*aria-describedby="user-password-hint user-password-error"', short.text)
    assert "Salasanan on oltava vähintään 8 merkkiä" in short.text
    assert 'value="Heikki Hoitaja"' in short.text and 'value="lyhyt"' not in short.text  # never echoed
    assert email not in short.text.split('id="user-add-h"')[0]  # nobody was created

    created = await submit(portal, "/provider/users", "/provider/users", {
        "name": "Heikki Hoitaja", "email": email, "password": "Alku-salasana-1", "role": "provider_user",
        "language": "sv", "service_ids": data.service_id})
    assert created.status_code == 303, created.text[-2000:]
    page = await portal.get("/provider/users")
    row = _row(page.text, email)
    assert "Vaihtaa salasanan ensimmäisellä kirjautumisella" in row and "Käyttäjä" in row
    user_id = re.search(r'<tr id="user-([^"]+)">', row).group(1)  # type: ignore[union-attr]
    assert re.search(rf'id="team-{user_id}-{data.service_id}" name="service_ids" value="{data.service_id}" checked>',
                     row)
    twice = await submit(portal, "/provider/users", "/provider/users", {
        "name": "Heikki Toinen", "email": email, "password": "Alku-salasana-1"})
    assert twice.status_code == 422 and "Tällä sähköpostilla on jo käyttäjä." in twice.text
    # the first sign-in with the initial password asks for a new one, then signs in with it
    first = await submit(portal, "/login", "/login", {"email": email, "password": "Alku-salasana-1", "next": "/"})
    assert first.status_code == 303 and first.headers["location"] == "/change-password"
    form = await portal.get("/change-password")
    assert email in form.text and "Vaihda salasana ennen kuin jatkat." in form.text
    new = {"new_password": "Hoitajan-oma-2026", "new_password_again": "Hoitajan-oma-2026"}
    wrong = await portal.post("/change-password", data={"csrf": csrf_of(form.text), "current_password": "Ei-tama-1",
                                                         **new})
    assert wrong.status_code == 422 and 'id="change-current_password-error"' in wrong.text
    differ = await portal.post("/change-password", data={"csrf": csrf_of(form.text),
                                                          "current_password": "Alku-salasana-1",
                                                          **new, "new_password_again": "Jotain-muuta-2026"})
    assert differ.status_code == 422 and 'id="change-new_password_again-error"' in differ.text
    changed = await portal.post("/change-password", data={"csrf": csrf_of(form.text),
                                                           "current_password": "Alku-salasana-1", **new})
    assert changed.status_code == 303 and changed.headers["location"] == "/"
    home = await portal.get("/", follow_redirects=True)
    assert "Heikki Hoitaja" in home.text and "Salasana vaihdettu." in home.text
    assert (await portal.get("/provider/users")).status_code == 403  # the main user's page only
    # a user (not the main user) reads the company data but changes none of it
    attachments = await portal.get("/provider/attachments")
    assert attachments.status_code == 200 and 'id="upload-h"' not in attachments.text
    people = await portal.get("/provider/people")
    assert people.status_code == 200 and 'action="/provider/people/employees"' not in people.text
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    assert "Vaihtaa salasanan" not in _row((await portal.get("/provider/users")).text, email)

    # out of the team, then five wrong passwords lock the account: the main user unlocks it
    assert (await submit(portal, "/provider/users", f"/provider/users/{user_id}/teams", {})).status_code == 303
    row = _row((await portal.get("/provider/users")).text, email)
    assert " checked>" not in row
    for _ in range(5):
        await services.post("/registry/v1/auth/token", json={"email": email, "password": "Väärä-salasana-9"})
    row = _row((await portal.get("/provider/users")).text, email)
    assert "Lukittu" in row and f"/provider/users/{user_id}/unlock" in row
    assert (await submit(portal, "/provider/users", f"/provider/users/{user_id}/unlock", {})).status_code == 303
    row = _row((await portal.get("/provider/users")).text, email)
    assert "Aktiivinen" in row and "unlock" not in row

    assert (await submit(portal, "/provider/users", f"/provider/users/{user_id}/passivate", {})).status_code == 303
    page = await portal.get("/provider/users")
    assert "Käyttäjä passivoitu." in page.text and "Passiivinen" in _row(page.text, email)
    assert "Passivoi" not in _row(page.text, email)
    assert (await submit(portal, "/provider/users", f"/provider/users/{user_id}/activate", {})).status_code == 303
    page = await portal.get("/provider/users")
    assert "Käyttäjä aktivoitu uudelleen" in page.text and "Aktiivinen" in _row(page.text, email)
    assert (await submit(portal, "/provider/users", f"/provider/users/{user_id}/passivate", {})).status_code == 303

    # another company's main user reaches none of it
    await login(portal, data.other_provider_email, PROVIDER_PASSWORD)
    other = await portal.get("/provider/users")
    assert email not in other.text
    refused = await submit(portal, "/provider/users", f"/provider/users/{user_id}/unlock", {})
    assert refused.status_code == 404
    refused = await submit(portal, "/provider/users", f"/provider/users/{user_id}/teams",
                           {"service_ids": data.service_id})
    assert refused.status_code == 404


async def test_tenant_staff_do_not_get_the_provider_users_page(portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.officer_email, "Demo-kunta-2026")
    assert (await portal.get("/provider/users")).status_code == 403


async def test_the_users_page_names_the_municipality_by_its_name(portal: httpx.AsyncClient, data: Seed,
                                                                 services: httpx.AsyncClient) -> None:
    """The teams are of the municipality chosen now: named as it is named (it showed its id, 'demo-1a2b3c')."""
    tenants = (await services.get("/applications/v1/public/tenants")).json()["items"]
    tenant = next(t for t in tenants if t["id"] == data.tenant_id)
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    page = await portal.get("/provider/users")
    lead = re.search(r"<h1>.*?</h1>\s*<p>(.*?)</p>", page.text, re.S).group(1)  # type: ignore[union-attr]
    assert data.tenant_id not in lead and f"kunnassa {tenant['name_fi']}" in lead, lead


async def _user_signed_in(portal: httpx.AsyncClient, data: Seed, name: str, local: str, teams: str | None) -> None:
    """The main user creates a provider user (in the service team of `teams`, or in none); the user signs in."""
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    email = f"{local}-{data.tenant_id.split('-', 1)[1]}@hoivakoti.fi"
    fields = {"name": name, "email": email, "password": "Alku-salasana-1", "role": "provider_user"}
    created = await submit(portal, "/provider/users", "/provider/users",
                           {**fields, "service_ids": teams} if teams else fields)
    assert created.status_code == 303, created.text[-2000:]
    await submit(portal, "/login", "/login", {"email": email, "password": "Alku-salasana-1", "next": "/"})
    form = await portal.get("/change-password")
    changed = await portal.post("/change-password", data={
        "csrf": csrf_of(form.text), "current_password": "Alku-salasana-1",
        "new_password": "Tiimin-oma-2026", "new_password_again": "Tiimin-oma-2026"})
    assert changed.status_code == 303


async def test_a_provider_user_reaches_only_its_service_teams_applications_and_price_lists(
        portal: httpx.AsyncClient, data: Seed) -> None:
    """004 §3.2: a user not attached to a service's team does not reach that service's data; the company's
    application of the service and its price lists (the company's commercial terms there) are such data."""
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    every = set(re.findall(r'href="/provider/applications/([^"]+)"', (await portal.get("/provider")).text))

    await _user_signed_in(portal, data, "Tiina Tiimissä", "tiimissa", data.service_id)
    home = (await portal.get("/provider")).text
    teams = set(re.findall(r'href="/provider/applications/([^"]+)"', home))
    assert len(teams) == 1 and teams < every, (teams, every)  # the team's service's one, not the others
    [application_id] = teams
    assert (await portal.get(f"/provider/applications/{application_id}")).status_code == 200

    await _user_signed_in(portal, data, "Oskari Ulkona", "ulkona", None)
    home = await portal.get("/provider")
    assert home.status_code == 200
    assert "/provider/applications/" not in home.text and 'id="apply-service"' not in home.text
    assert "Yrityksen pääkäyttäjä lisää sinut palvelutiimiin" in home.text
    assert (await portal.get(f"/provider/applications/{application_id}")).status_code == 404
    refused = await portal.post(f"/provider/applications/{application_id}/price-lists", data={
        "csrf": csrf_of(home.text), "name": "Uusi hinnasto", "start": "2030-01-01"})
    assert refused.status_code == 404
