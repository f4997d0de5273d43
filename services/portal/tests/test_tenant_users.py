"""Tenant admin, journey 2: invites an officer, gives and takes the admin's role, passivates a person who
left; an officer does not reach the page."""

from __future__ import annotations

import re

import httpx

from .conftest import csrf_of, login, submit
from .seed import OFFICER_PASSWORD, Seed


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
