"""Tenant admin, journey 4: the municipality's languages, the payer account its payment material carries, and
where its notices go; a wrong account is refused field by field in the admin's language and changes nothing;
an officer does not reach the page."""

from __future__ import annotations

import re

import httpx

from .conftest import csrf_of, login, submit
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed


def _value(html: str, name: str) -> str:
    return re.search(rf'name="{name}" type="[a-z]+" value="([^"]*)"', html).group(1)  # type: ignore[union-attr]


async def test_a_tenant_admin_sets_languages_payer_account_and_the_notice_address(
        portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.officer_email, OFFICER_PASSWORD)  # the demo tenant's admin
    home = await portal.get("/officer")
    await portal.post("/language", data={"csrf": csrf_of(home.text), "lang": "sv", "next": "/officer/settings"})
    page = await portal.get("/officer/settings")
    assert page.status_code == 200 and 'href="/officer/settings" aria-current="page"' in page.text
    assert "Kommunens inställningar" in page.text and "Betalarens kontonummer (IBAN)" in page.text
    before = {"payer_iban": _value(page.text, "payer_iban"), "payer_bic": _value(page.text, "payer_bic")}
    languages = {lang: 'id="account-language_' + lang + '" name="language_' + lang + '" type="checkbox" checked'
                 in page.text for lang in ("fi", "sv")}

    wrong = await submit(portal, "/officer/settings", "/officer/settings/account", {
        "language_fi": "on", "payer_iban": "FI21 1234 5600 0007 86", "payer_bic": "NDEA"})
    assert wrong.status_code == 422
    assert "Kontonumret är inte ett giltigt IBAN." in wrong.text
    assert 'id="account-payer_iban-error"' in wrong.text and 'id="account-payer_bic-error"' in wrong.text
    assert "Tilinumero" not in wrong.text  # no Finnish on the Swedish page
    none = await submit(portal, "/officer/settings", "/officer/settings/account", {
        "payer_iban": before["payer_iban"], "payer_bic": before["payer_bic"]})
    assert none.status_code == 422 and "Välj minst ett språk." in none.text

    saved = await submit(portal, "/officer/settings", "/officer/settings/account", {
        "language_fi": "on", "language_sv": "on", "payer_iban": "FI58 1017 1000 0001 22", "payer_bic": "nordfihh"})
    assert saved.status_code == 303, saved.text[-1500:]
    page = await portal.get(saved.headers["location"])
    assert "Kommunens inställningar har sparats." in page.text
    assert _value(page.text, "payer_iban") == "FI5810171000000122" and _value(page.text, "payer_bic") == "NORDFIHH"

    # where the municipality's notices go, in Finnish
    await portal.post("/language", data={"csrf": csrf_of(page.text), "lang": "fi", "next": "/officer/settings"})
    bad = await submit(portal, "/officer/settings", "/officer/settings/notices", {"notification_email": "ei osoite"})
    assert bad.status_code == 422 and 'id="notices-notification_email-error"' in bad.text
    assert "Anna sähköpostiosoite muodossa nimi@esimerkki.fi." in bad.text
    ok = await submit(portal, "/officer/settings", "/officer/settings/notices",
                      {"notification_email": "palveluseteli@demokunta.fi"})
    assert ok.status_code == 303
    page = await portal.get(ok.headers["location"])
    assert "Ilmoitusosoite tallennettu." in page.text
    assert _value(page.text, "notification_email") == "palveluseteli@demokunta.fi"

    # the demo tenant as it was, for the other tests of this suite
    assert (await submit(portal, "/officer/settings", "/officer/settings/notices",
                         {"notification_email": ""})).status_code == 303
    restore = {"payer_iban": before["payer_iban"], "payer_bic": before["payer_bic"],
               **{f"language_{lang}": "on" for lang, on in languages.items() if on}}
    assert (await submit(portal, "/officer/settings", "/officer/settings/account", restore)).status_code == 303


async def test_a_company_does_not_reach_the_municipalitys_settings(portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    assert (await portal.get("/officer/settings")).status_code == 403
