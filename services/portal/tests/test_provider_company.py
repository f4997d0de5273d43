"""The provider's company data through the portal: employees, subcontractors, attachments with their
validity (upload, replace, delete, expired marked), the contractor-liability check, and the
application's steps 5-6 with each to-do item linking to where it is fixed."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from seteli_common.clock import SystemClock, today_in_helsinki
from seteli_portal.apiclient import ApiError
from seteli_portal.web import Page

from seteli.demo import _login, _ok
from seteli.embedded import Suite

from .conftest import csrf_of, login, submit
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .test_company_search_info import BASE, _approved_company

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


async def _upload(portal: httpx.AsyncClient, fields: dict[str, str], content: bytes = PDF,
                  action: str = "/provider/attachments", filename: str = "todistus.pdf") -> httpx.Response:
    page = await portal.get("/provider/attachments")
    return await portal.post(action, data={"csrf": csrf_of(page.text), **fields},
                             files={"file": (filename, content, "application/pdf")})


async def _todo_without(portal: httpx.AsyncClient, url: str, text: str, seconds: float = 15) -> str:
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        todo = (await portal.get(url)).text.split('id="todo-list"')[1].split("</ul>")[0]
        if text not in todo or asyncio.get_running_loop().time() > deadline:
            return todo
        await asyncio.sleep(0.2)


async def test_employees_and_subcontractors_with_their_field_errors(portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    page = await portal.get("/provider/people")
    assert page.status_code == 200 and "<h1>Henkilöstö ja alihankkijat</h1>" in page.text
    site_id, site_name = re.search(r'<select id="employee-site_id" name="site_id">\s*<option value="">[^<]*</option>'
                                   r'\s*<option value="([^"]+)">([^<]+)</option>', page.text).groups()  # type: ignore[union-attr]

    nameless = await submit(portal, "/provider/people", "/provider/people/employees",
                            {"name": "", "title": "vastaava sairaanhoitaja", "site_id": site_id})
    assert nameless.status_code == 422
    assert re.search(r'id="employee-name"[^>]*aria-describedby="employee-name-error"[^>]*aria-invalid="true"',
                     nameless.text)
    assert 'value="vastaava sairaanhoitaja"' in nameless.text  # what was typed is kept
    bad_email = await submit(portal, "/provider/people", "/provider/people/employees",
                             {"name": "Liisa Vastaava", "email": "ei-osoite", "site_id": site_id})
    assert bad_email.status_code == 422 and 'id="employee-email-error"' in bad_email.text
    assert "Liisa Vastaava</td>" not in (await portal.get("/provider/people")).text  # nothing was saved

    added = await submit(portal, "/provider/people", "/provider/people/employees",
                         {"name": "Liisa Vastaava", "title": "vastaava sairaanhoitaja", "email": "liisa@hoivakoti.fi",
                          "phone": "0401234567", "site_id": site_id})
    assert added.status_code == 303
    page = await portal.get("/provider/people")
    assert "Työntekijä lisätty." in page.text
    assert re.search(rf"<td>Liisa Vastaava</td><td>vastaava sairaanhoitaja</td>\s*<td>{re.escape(site_name)}</td>",
                     page.text)

    wrong = await submit(portal, "/provider/people", "/provider/people/subcontractors",
                         {"business_id": "1234567-0", "name": "Siivous Oy"})
    assert wrong.status_code == 422 and "Y-tunnus ei ole kelvollinen." in wrong.text
    assert 'href="#subcontractor-business_id"' in wrong.text
    good = await submit(portal, "/provider/people", "/provider/people/subcontractors",
                        {"business_id": "2077474-0", "name": "Siivous Oy"})
    assert good.status_code == 303
    twice = await submit(portal, "/provider/people", "/provider/people/subcontractors",
                         {"business_id": "2077474-0", "name": "Siivous Oy"})
    assert twice.status_code == 422 and "on jo listalla" in twice.text
    page = await portal.get("/provider/people")
    assert page.text.count("<td>2077474-0</td>") == 1


async def test_attachments_upload_replace_delete_and_expired_ones_are_marked(portal: httpx.AsyncClient,
                                                                              data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    yesterday = today_in_helsinki(SystemClock()) - timedelta(days=1)
    not_a_pdf = await _upload(portal, {"owner": "company", "type": "annual_report"}, content=b"plain text")
    assert not_a_pdf.status_code == 422
    assert re.search(r'id="attachment-file"[^>]*aria-describedby="attachment-file-hint attachment-file-error"',
                     not_a_pdf.text)
    assert "Vain PDF-tiedostot ja kuvat kelpaavat." in not_a_pdf.text
    backwards = await _upload(portal, {"owner": "company", "type": "annual_report", "valid_from": "2026-02-01",
                                       "valid_until": "2026-01-01"})
    assert backwards.status_code == 422 and "Voimassaolon loppu ei voi olla ennen sen alkua." in backwards.text
    assert 'value="2026-02-01"' in backwards.text
    untyped = await _upload(portal, {"owner": "company", "type": ""})
    assert untyped.status_code == 422 and 'id="attachment-type-error"' in untyped.text
    assert "Tilinpäätös" not in (await portal.get("/provider/attachments")).text.split('id="upload-h"')[0]

    added = await _upload(portal, {"owner": "company", "type": "annual_report", "valid_from": "2025-01-01",
                                   "valid_until": str(yesterday)}, filename="tilinpäätös 2025.pdf")
    assert added.status_code == 303, added.text[-2000:]
    page = await portal.get("/provider/attachments")
    row = re.search(r'<tr class="attachment-expired">.*?</tr>', page.text, re.S)
    assert row and "Tilinpäätös" in row.group(0) and "Vanhentunut" in row.group(0)
    attachment_id = re.search(r"/provider/attachments/([^/]+)/replace", row.group(0)).group(1)  # type: ignore[union-attr]
    file = await portal.get(f"/provider/attachments/{attachment_id}/file")
    assert file.status_code == 200 and file.content == PDF
    # the user's own name comes back exactly (filename*), with an ASCII stand-in for old clients
    assert 'filename="tilinp_t_s_2025.pdf"' in file.headers["content-disposition"]
    assert "filename*=UTF-8''tilinp%C3%A4%C3%A4t%C3%B6s%202025.pdf" in file.headers["content-disposition"]

    # a new file with a new validity: no longer expired
    empty = await _upload(portal, {}, content=b"", action=f"/provider/attachments/{attachment_id}/replace")
    assert empty.status_code == 422 and f'id="replace-{attachment_id}-file-error"' in empty.text
    replaced = await _upload(portal, {"valid_from": "2026-01-01", "valid_until": ""},
                             action=f"/provider/attachments/{attachment_id}/replace")
    assert replaced.status_code == 303
    page = await portal.get("/provider/attachments")
    assert "Liitteen tiedosto vaihdettu." in page.text
    row = re.search(r'<tr class="attachment-valid">\s*<td>Tilinpäätös</td>.*?</tr>', page.text, re.S)
    assert row, page.text
    new_id = re.search(r"/provider/attachments/([^/]+)/replace", row.group(0)).group(1)  # type: ignore[union-attr]

    deleted = await portal.post(f"/provider/attachments/{new_id}/delete", data={"csrf": csrf_of(page.text)})
    assert deleted.status_code == 303
    page = await portal.get("/provider/attachments")
    assert "Liite poistettu." in page.text and "<td>Tilinpäätös</td>" not in page.text


async def test_the_liability_check_shows_its_result_and_date(portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    page = await portal.get("/provider/attachments")
    assert "Ei tarkistettu" in page.text.split('id="liability"')[1]
    # The page shows the day in Helsinki (not UTC); the check may straddle Helsinki's midnight.
    before = today_in_helsinki(SystemClock())
    checked = await portal.post("/provider/liability-checks", data={"csrf": csrf_of(page.text),
                                                                     "subcontractor_id": ""})
    assert checked.status_code == 303
    page = await portal.get("/provider/attachments")
    table = page.text.split('id="liability"')[1].split("</table>")[0]
    days = {before, today_in_helsinki(SystemClock())}
    assert "Kunnossa" in table and any(f"{d.day}.{d.month}.{d.year}" in table for d in days), table


async def test_application_steps_5_and_6_and_attachment_to_dos_that_link_to_their_fix(
        portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    await submit(portal, "/provider/people", "/provider/people/subcontractors",
                 {"business_id": "0737546-2", "name": "Kiinteistöhuolto Oy"})
    people = await portal.get("/provider/people")
    employee_added = await portal.post("/provider/people/employees", data={
        "csrf": csrf_of(people.text), "name": "Heikki Hoitaja", "title": "lähihoitaja"})
    assert employee_added.status_code == 303
    dashboard = await portal.get("/provider")
    created = await portal.post("/provider/applications", data={"csrf": csrf_of(dashboard.text),
                                                                "service_id": data.attachments_service_id})
    url = created.headers["location"]
    page = await portal.get(url)
    todo = page.text.split('id="todo-list"')[1].split("</ul>")[0]
    # the company's TyEL certificate is missing: the item links to the upload form, type and owner chosen
    link = re.search(r'<a href="(/provider/attachments\?owner=company&amp;type=tyel_certificate#upload-h)">'
                     r"Liite puuttuu: TyEL-vakuutustodistus – Hoivakoti", todo)
    assert link, todo

    # steps 5 and 6: choose an employee and a subcontractor
    employee_id = re.search(r'id="employees-([^"]+)" name="ids" value="[^"]+">\s*<label[^>]*>Heikki Hoitaja',
                            page.text).group(1)  # type: ignore[union-attr]
    sub_id = re.search(r'id="subcontractors-([^"]+)" name="ids" value="[^"]+">\s*<label[^>]*>Kiinteistöhuolto Oy',
                       page.text).group(1)  # type: ignore[union-attr]
    assert (await submit(portal, url, f"{url}/steps/employees", {"ids": employee_id})).status_code == 303
    assert (await submit(portal, url, f"{url}/steps/subcontractors", {"ids": sub_id})).status_code == 303
    page = await portal.get(url)
    assert re.search(rf'id="employees-{employee_id}" name="ids" value="{employee_id}" checked>', page.text)
    todo = page.text.split('id="todo-list"')[1].split("</ul>")[0]
    sub_link = f"/provider/attachments?owner=subcontractor:{sub_id}&amp;type=liability_insurance#upload-h"
    assert sub_link in todo and "Vastuuvakuutus – Kiinteistöhuolto Oy (0737546-2)" in todo

    # the link opens the upload form with the owner and type chosen; uploading clears the item
    form = await portal.get(link.group(1).replace("&amp;", "&"))
    assert f'<option value="subcontractor:{sub_id}"' in form.text
    assert '<option value="tyel_certificate" selected>' in form.text
    assert (await _upload(portal, {"owner": "company", "type": "tyel_certificate"})).status_code == 303
    todo = await _todo_without(portal, url, "TyEL")  # the applications service learns of it over the bus
    assert "TyEL" not in todo and "Vastuuvakuutus" in todo


async def test_another_company_reaches_none_of_this_company_data(portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    added = await _upload(portal, {"owner": "company", "type": "staff_list"})
    assert added.status_code == 303
    page = await portal.get("/provider/attachments")
    attachment_id = re.search(r"/provider/attachments/([^/]+)/file", page.text).group(1)  # type: ignore[union-attr]
    await submit(portal, "/provider/people", "/provider/people/employees", {"name": "Salainen Työntekijä"})

    await login(portal, data.other_provider_email, PROVIDER_PASSWORD)
    assert (await portal.get(f"/provider/attachments/{attachment_id}/file")).status_code == 404
    other = await portal.get("/provider/attachments")
    assert attachment_id not in other.text and "Henkilöstöluettelo" not in other.text.split('id="upload-h"')[0]
    gone = await portal.post(f"/provider/attachments/{attachment_id}/delete", data={"csrf": csrf_of(other.text)})
    assert gone.status_code == 404
    assert "Salainen Työntekijä" not in (await portal.get("/provider/people")).text

    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    assert attachment_id in (await portal.get("/provider/attachments")).text  # still there


def _people_row(html: str, text: str) -> str:
    """The table row of the people page that shows `text`."""
    match = re.search(rf"<tr>(?:(?!</tr>).)*{re.escape(text)}(?:(?!</tr>).)*</tr>", html, re.S)
    assert match, f"no row with {text!r}"
    return match.group(0)


async def test_an_employee_is_edited_and_removed(portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    await submit(portal, "/provider/people", "/provider/people/employees",
                 {"name": "Muokattava Maija", "title": "lähihoitaja", "email": "maija@hoivakoti.fi"})
    page = await portal.get("/provider/people")
    row = _people_row(page.text, "Muokattava Maija")
    employee_id = re.search(r'href="/provider/people/employees/([^"]+)">Muokkaa<span class="visually-hidden">: '
                            r'Muokattava Maija</span>', row).group(1)  # type: ignore[union-attr]
    assert re.search(r'<button type="submit" class="link-button">Poista<span class="visually-hidden">: '
                     r'Muokattava Maija</span></button>', row)

    url = f"/provider/people/employees/{employee_id}"
    form = await portal.get(url)
    assert form.status_code == 200 and "<h1" in form.text and "Muokkaa työntekijän tietoja" in form.text
    assert 'value="Muokattava Maija"' in form.text and 'value="maija@hoivakoti.fi"' in form.text  # prefilled
    nameless = await portal.post(url, data={"csrf": csrf_of(form.text), "name": "", "title": "sairaanhoitaja"})
    assert nameless.status_code == 422 and 'href="#employee-name"' in nameless.text
    assert re.search(r'id="employee-name"[^>]*aria-describedby="employee-name-error"', nameless.text)
    assert 'value="sairaanhoitaja"' in nameless.text  # what was typed is kept
    bad_email = await portal.post(url, data={"csrf": csrf_of(form.text), "name": "Maija", "email": "ei-osoite"})
    assert bad_email.status_code == 422 and 'id="employee-email-error"' in bad_email.text
    changed = await portal.post(url, data={"csrf": csrf_of(form.text), "name": "Muokattu Maija",
                                           "title": "sairaanhoitaja", "email": "", "phone": "0409876543"})
    assert changed.status_code == 303 and changed.headers["location"] == "/provider/people"
    page = await portal.get("/provider/people")
    assert "Työntekijän tiedot tallennettu." in page.text
    assert "<td>Muokattu Maija</td><td>sairaanhoitaja</td>" in page.text and "Muokattava Maija" not in page.text

    removed = await portal.post(f"{url}/remove", data={"csrf": csrf_of(page.text)})
    assert removed.status_code == 303
    page = await portal.get("/provider/people")
    assert "Työntekijä poistettu." in page.text and "Muokattu Maija" not in page.text
    assert (await portal.get(url)).status_code == 404  # a removed one is no longer offered for editing
    without_csrf = await portal.post(f"{url}/remove", data={})
    assert without_csrf.status_code == 400


async def test_a_subcontractor_is_renamed_and_removed(portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    await submit(portal, "/provider/people", "/provider/people/subcontractors",
                 {"business_id": "0116297-6", "name": "Ikkunanpesu Oy"})
    page = await portal.get("/provider/people")
    row = _people_row(page.text, "<td>0116297-6</td>")
    sub_id = re.search(r'action="/provider/people/subcontractors/([^"/]+)"', row).group(1)  # type: ignore[union-attr]
    assert "Muuta nimeä<span class=\"visually-hidden\">: Ikkunanpesu Oy</span>" in row
    assert 'for="rename-' + sub_id + '-name"' in row

    action = f"/provider/people/subcontractors/{sub_id}"
    empty = await portal.post(action, data={"csrf": csrf_of(page.text), "name": " "})
    assert empty.status_code == 422
    assert f'href="#rename-{sub_id}-name"' in empty.text and "<details open>" in empty.text
    assert re.search(rf'id="rename-{sub_id}-name"[^>]*aria-describedby="rename-{sub_id}-name-error"', empty.text)
    renamed = await portal.post(action, data={"csrf": csrf_of(page.text), "name": "Ikkunanpesu Kirkas Oy"})
    assert renamed.status_code == 303
    page = await portal.get("/provider/people")
    assert "Alihankkijan nimi muutettu." in page.text
    assert "<td>Ikkunanpesu Kirkas Oy</td><td>0116297-6</td>" in page.text

    removed = await portal.post(f"{action}/remove", data={"csrf": csrf_of(page.text)})
    assert removed.status_code == 303
    page = await portal.get("/provider/people")
    assert "Alihankkija poistettu." in page.text and "<td>0116297-6</td>" not in page.text
    again = await submit(portal, "/provider/people", "/provider/people/subcontractors",
                         {"business_id": "0116297-6", "name": "Ikkunanpesu Oy"})
    assert again.status_code == 303  # the same business id brings it back
    page = await portal.get("/provider/people")
    assert f'action="/provider/people/subcontractors/{sub_id}"' in page.text


async def test_a_provider_user_sees_no_edit_or_remove_controls(portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    await submit(portal, "/provider/people", "/provider/people/employees", {"name": "Näkyvä Niina"})
    await submit(portal, "/provider/people", "/provider/people/subcontractors",
                 {"business_id": "0112038-9", "name": "Näkyvä Alihankkija Oy"})
    page = await portal.get("/provider/people")
    employee_id = re.search(r'href="/provider/people/employees/([^"]+)">Muokkaa<span class="visually-hidden">: '
                            r'Näkyvä Niina<', page.text).group(1)  # type: ignore[union-attr]
    tag = data.tenant_id.split("-", 1)[1]
    email = f"lukija-{tag}@hoivakoti.fi"
    created = await submit(portal, "/provider/users", "/provider/users", {
        "name": "Lauri Lukija", "email": email, "password": "Alku-salasana-1", "role": "provider_user",
        "service_ids": data.service_id})
    assert created.status_code == 303, created.text[-2000:]
    first = await submit(portal, "/login", "/login", {"email": email, "password": "Alku-salasana-1", "next": "/"})
    assert first.headers["location"] == "/change-password"
    form = await portal.get("/change-password")
    changed = await portal.post("/change-password", data={
        "csrf": csrf_of(form.text), "current_password": "Alku-salasana-1",
        "new_password": "Lukijan-oma-2026", "new_password_again": "Lukijan-oma-2026"})
    assert changed.status_code == 303

    people = await portal.get("/provider/people")
    assert people.status_code == 200
    assert "Näkyvä Niina" in people.text and "Näkyvä Alihankkija Oy" in people.text
    assert "/provider/people/employees/" not in people.text and "/remove" not in people.text
    assert "Muokkaa" not in people.text and "Muuta nimeä" not in people.text and "Poista" not in people.text
    assert (await portal.get(f"/provider/people/employees/{employee_id}")).status_code == 403
    refused = await portal.post(f"/provider/people/employees/{employee_id}/remove",
                                data={"csrf": csrf_of(people.text)})
    assert refused.status_code == 403
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    assert "Näkyvä Niina" in (await portal.get("/provider/people")).text  # still there


async def test_the_officer_sees_the_companys_own_liability_check_not_a_subcontractors(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    """The application's page shows the company's latest liability check: a later check of one of its
    subcontractors (all in order) showed as the company's result, hiding what needs attention."""
    company = await _approved_company(services, data)
    provider = await _login(services, BASE, company.email, PROVIDER_PASSWORD)
    registry = f"{BASE['registry']}/v1/providers/{company.id}"
    business_id = _ok(await services.get(registry, headers=provider), "company")["business_id"]
    liability = suite.runtimes["registry"].extras["adapters"].liability
    liability.set_state(business_id, "tax_debt", "attention")
    _ok(await services.post(f"{registry}/liability-checks", headers=provider, json={}), "company check", 201)
    sub = _ok(await services.post(f"{registry}/subcontractors", headers=provider, json={
        "business_id": "0737546-2", "name": "Kiinteistöhuolto Oy"}), "subcontractor", 201)
    _ok(await services.post(f"{registry}/liability-checks", headers=provider, json={"subcontractor_id": sub["id"]}),
        "subcontractor check", 201)
    apps = f"{BASE['applications']}/v1/tenants/{data.tenant_id}/applications"
    application_id = _ok(await services.get(apps, headers=provider), "applications")["items"][0]["id"]
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    page = await portal.get(f"/officer/applications/{application_id}")
    assert page.status_code == 200, page.text[-1500:]
    shown = page.text.split('id="application-liability">')[1].split("</p>")[0]
    assert "Huomioitavaa" in shown and "Kunnossa" not in shown, shown


# --- a conflict keeps the form: what was typed and the reason, never an error page ----------------------------

async def test_an_employee_removed_in_another_tab_keeps_the_typed_changes_and_says_why(
        portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    await submit(portal, "/provider/people", "/provider/people/employees", {"name": "Kahden Välilehden Kaisa"})
    row = _people_row((await portal.get("/provider/people")).text, "Kahden Välilehden Kaisa")
    employee_id = re.search(r'href="/provider/people/employees/([^"]+)"', row).group(1)  # type: ignore[union-attr]
    url = f"/provider/people/employees/{employee_id}"
    form = await portal.get(url)  # the edit form open in one tab
    removed = await portal.post(f"{url}/remove", data={"csrf": csrf_of(form.text)})  # removed in another
    assert removed.status_code == 303

    saved = await portal.post(url, data={"csrf": csrf_of(form.text), "name": "Kaisa Uusinimi",
                                         "title": "lähihoitaja", "phone": "0401112223"})
    assert saved.status_code == 409 and "<form" in saved.text
    assert 'value="Kaisa Uusinimi"' in saved.text and 'value="lähihoitaja"' in saved.text  # nothing typed is lost
    assert "Tieto on poistettu, eikä sitä voi enää muuttaa." in saved.text


async def test_a_subcontractor_removed_in_another_tab_says_why_on_the_people_page(
        portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    await submit(portal, "/provider/people", "/provider/people/subcontractors",
                 {"business_id": "0354521-7", "name": "Poistuva Alihankinta Oy"})
    page = await portal.get("/provider/people")
    row = _people_row(page.text, "<td>0354521-7</td>")
    action = re.search(r'action="(/provider/people/subcontractors/[^"/]+)"', row).group(1)  # type: ignore[union-attr]
    assert (await portal.post(f"{action}/remove", data={"csrf": csrf_of(page.text)})).status_code == 303

    renamed = await portal.post(action, data={"csrf": csrf_of(page.text), "name": "Uusi Nimi Oy"})
    assert renamed.status_code == 409 and 'id="rename-errors"' in renamed.text
    assert "Tieto on poistettu, eikä sitä voi enää muuttaa." in renamed.text


async def test_a_conflict_on_a_site_shows_the_site_form_with_what_was_typed(
        portal: httpx.AsyncClient, data: Seed, monkeypatch: pytest.MonkeyPatch) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    company = await portal.get("/provider/company")
    url = re.search(r'href="(/provider/company/sites/[^"#]+)"', company.text).group(1)  # type: ignore[union-attr]
    form = await portal.get(url)
    call = Page.call

    async def refused(self: Page, method: str, service: str, path: str, **kwargs: Any) -> Any:
        if method == "PATCH" and "/sites/" in path:  # the registry's answer to a site removed meanwhile
            raise ApiError(409, "Conflict", "This site has been removed", {"removed_at": "This site has been removed"},
                           "removed", "https://seteli.fi/problems/conflict", {"code": "removed", "field": "removed_at"})
        return await call(self, method, service, path, **kwargs)

    monkeypatch.setattr(Page, "call", refused)
    fields = {"name": "Toimipaikka Uusi Nimi", "city": "Kouvola", "postal_code": "45100", "street_address": "Katu 1"}
    saved = await portal.post(url, data={"csrf": csrf_of(form.text), **fields})
    assert saved.status_code == 409 and 'value="Toimipaikka Uusi Nimi"' in saved.text
    assert "Tieto on poistettu, eikä sitä voi enää muuttaa." in saved.text
