"""Tenant admin, journey 2: invites an officer, gives and takes the admin's role, passivates a person who
left; an officer does not reach the page."""

from __future__ import annotations

import re

import httpx

from .conftest import csrf_of, login, submit
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .service_calls import officer_headers


def _row(html: str, email: str) -> str:
    return next(r for r in re.findall(r'<tr id="user-[^"]+">.*?</tr>', html, re.S) if email in r)


async def test_a_tenant_admin_invites_an_officer_changes_the_role_and_passivates(
        portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.officer_email, OFFICER_PASSWORD)  # the demo tenant's admin
    page = await portal.get("/officer/users")
    assert page.status_code == 200 and 'href="/officer/users" aria-current="page"' in page.text
    email = f"ville-{data.tenant_id}@demokunta.fi"
    missing = await submit(portal, "/officer/users", "/officer/users", {"name": "Ville Virkailija", "email": email,
                                                                      "password": "", "role": "tenant_officer"})
    assert missing.status_code == 422 and 'id="user-password-error"' in missing.text
    created = await submit(portal, "/officer/users", "/officer/users", {
        "name": "Ville Virkailija", "email": email, "password": "Alku-salasana-77", "role": "tenant_officer",
        "language": "sv"})
    assert created.status_code == 303, created.text[-1500:]
    page = await portal.get("/officer/users")
    row = _row(page.text, email)
    assert "Ville Virkailija" in row and 'selected>Viranhaltija' in row.replace('"tenant_officer" ', "")
    user_id = re.search(r'id="user-([^"]+)"', row).group(1)  # type: ignore[union-attr]
    promoted = await portal.post(f"/officer/users/{user_id}/role", data={"csrf": csrf_of(page.text),
                                                                          "role": "tenant_admin"})
    assert promoted.status_code == 303
    page = await portal.get("/officer/users")
    assert "Rooli tallennettu" in page.text
    assert re.search(r'value="tenant_admin" selected', _row(page.text, email))
    # one's own role is not offered (the tenant keeps an admin)
    own = _row(page.text, data.officer_email)
    assert "<select" not in own and "passivate" not in own
    out = await portal.post(f"/officer/users/{user_id}/passivate", data={"csrf": csrf_of(page.text)})
    assert out.status_code == 303
    page = await portal.get("/officer/users")
    assert "passive" in _row(page.text, email) and "/passivate" not in _row(page.text, email)
    # the person cannot sign in any more
    failed = await submit(portal, "/login", "/login", {"email": email, "password": "Alku-salasana-77", "next": "/"})
    assert failed.status_code != 303
    # back from a leave: activated again, the person signs in with the password they had
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    page = await portal.get("/officer/users")
    assert f"/officer/users/{user_id}/activate" in _row(page.text, email)
    back = await portal.post(f"/officer/users/{user_id}/activate", data={"csrf": csrf_of(page.text)})
    assert back.status_code == 303
    page = await portal.get("/officer/users")
    assert "Käyttäjä aktivoitu uudelleen" in page.text
    assert "/activate" not in _row(page.text, email) and "/passivate" in _row(page.text, email)
    signed_in = await submit(portal, "/login", "/login", {"email": email, "password": "Alku-salasana-77", "next": "/"})
    assert signed_in.status_code == 303


async def test_the_tenant_admin_unlocks_a_locked_user_of_a_company_it_works_with(
        portal: httpx.AsyncClient, data: Seed, services: httpx.AsyncClient) -> None:
    """Journey 2's last step: a company's user who locked themselves out calls the municipality; its admin finds
    them on the users page and unlocks them (never another tenant's companies' users)."""
    main = await officer_headers(services, "http://suite", data.provider_email, PROVIDER_PASSWORD)
    email = f"lukittu-{data.tenant_id}@paivansade.fi"
    made = await services.post(f"http://suite/registry/v1/providers/{data.provider_id}/users", headers=main, json={
        "email": email, "name": "Lotta Lukittu", "password": "Alku-salasana-88", "role": "provider_user",
        "language": "fi"})
    assert made.status_code == 201, made.text
    for _ in range(5):  # five wrong passwords lock the account
        await services.post("http://suite/registry/v1/auth/token", json={"email": email, "password": "väärä"})
    locked = await services.post("http://suite/registry/v1/auth/token",
                                 json={"email": email, "password": "Alku-salasana-88"})
    assert locked.status_code == 401  # the right password does not help while locked

    await login(portal, data.officer_email, OFFICER_PASSWORD)  # the demo tenant's admin
    page = await portal.get("/officer/users")
    table = re.search(r'<table id="locked-provider-users">.*?</table>', page.text, re.S)
    assert table is not None, page.text[-2000:]
    row = next(r for r in re.findall(r"<tr>.*?</tr>", table.group(0), re.S) if email in r)
    assert "Lotta Lukittu" in row and re.search(r"\d+\.\d+\.\d{4} \d+\.\d{2}", row)
    action = re.search(r'action="(/officer/users/[^"]+/unlock)"', row).group(1)  # type: ignore[union-attr]
    unlocked = await portal.post(action, data={"csrf": csrf_of(page.text)})
    assert unlocked.status_code == 303
    after = await portal.get("/officer/users")
    assert email not in after.text
    # the right password is taken again (403: the new user must first change the initial password)
    again = await services.post("http://suite/registry/v1/auth/token",
                                json={"email": email, "password": "Alku-salasana-88"})
    assert again.status_code == 403, again.text
