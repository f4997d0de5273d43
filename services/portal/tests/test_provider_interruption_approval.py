"""The provider's own pages where the municipality approves interruptions (issue 20, 004 §4.3.5.2): the
provider finalises an interruption in the month view and sees it wait, on the home page too; the officer
rejects it with a reason; the provider reads the reason in Finnish and in Swedish, corrects it, and it waits
again. The demo tenant's setting is turned back off at the end, for the other tests of this suite."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx

from .conftest import csrf_of, login, submit
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .service_calls import book_a_new_client, officer_headers

REASON = "Paluupäivä on väärin"
CELL = re.compile(r'<td class="[^"]*">(?:<span class="day">(\d+)</span>(.*?))?</td>', re.S)


def _away_days(html: str) -> dict[int, str]:
    """The month calendar's days marked away, with the mark the provider reads on each."""
    table = html.split('<table class="calendar"', 1)[1].split("</table>", 1)[0]
    marks = {int(day): re.findall(r'<span class="mark away">([^<]*)</span>', rest)
             for day, rest in CELL.findall(table) if day}
    return {day: found[0] for day, found in marks.items() if found}


async def _approval_setting(services: httpx.AsyncClient, data: Seed, admin: dict[str, str], on: bool) -> None:
    """The tenant admin's setting in the registry (the events service hears of it over the bus)."""
    url = f"/registry/v1/tenants/{data.tenant_id}"
    tenant = (await services.get(url, headers=admin)).json()
    saved = await services.put(f"{url}/settings", headers=admin, json={
        "languages": tenant["languages"], "payer_iban": tenant["payer_iban"], "payer_bic": tenant["payer_bic"],
        "interruptions_need_approval": on})
    assert saved.status_code == 200, saved.text
    assert saved.json()["interruptions_need_approval"] is on
    assert "registry.tenant.changed;" in saved.headers["seteli-consistency"]  # followed by the next calls


async def _finalised_interruption(services: httpx.AsyncClient, data: Seed, provider: dict[str, str],
                                  booking_id: str, start: str, end: str) -> dict[str, Any]:
    """The provider's interruption, finalised and then removed: whether it waited for approval. The client
    follows its writes (the booking, the setting): the events service answers once it has them."""
    url = f"/events/v1/tenants/{data.tenant_id}/interruptions"
    made = await services.post(url, headers=provider, json={"booking_id": booking_id, "start": start, "end": end,
                                                            "reason": "holiday"})
    assert made.status_code == 201, made.text
    assert (await services.delete(f"{url}/{made.json()['id']}", headers=provider)).status_code == 204
    return dict(made.json())


async def test_the_provider_sees_an_interruption_wait_rejected_with_its_reason_and_corrected_in_fi_and_sv(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    admin = await officer_headers(services, "http://suite", data.officer_email, OFFICER_PASSWORD)
    provider = await officer_headers(services, "http://suite", data.provider_email, PROVIDER_PASSWORD)
    booking = await book_a_new_client(services, data, data.service_id, "K-020", "31", "month", "140.00", 2020)
    month = data.voucher_month  # a past month: the return day has come
    first = month.first
    interruptions = f"/events/v1/tenants/{data.tenant_id}/interruptions"
    await _approval_setting(services, data, admin, True)
    try:
        # the events service has the setting once it answers this (the portal's provider has no token of it)
        probe = await _finalised_interruption(services, data, provider, booking["id"],
                                              str(first + timedelta(days=20)), str(first + timedelta(days=22)))
        assert probe["approval"] == "pending"

        await login(portal, data.provider_email, PROVIDER_PASSWORD)
        url = f"/provider/bookings/{booking['id']}"
        view_url = f"{url}?month={month}"
        departure, back = first + timedelta(days=2), first + timedelta(days=7)
        draft = await submit(portal, view_url, f"{url}/interruptions", {
            "month": str(month), "start": str(departure), "reason": "hospital"})
        assert draft.status_code == 303, draft.text[-2000:]
        view = await portal.get(view_url)
        assert "Luonnos – paluupäivä puuttuu" in view.text  # a draft waits for nobody
        interruption_id = re.search(r"/interruptions/([^/]+)/end", view.text).group(1)  # type: ignore[union-attr]
        ended = await submit(portal, view_url, f"{url}/interruptions/{interruption_id}/end",
                             {"month": str(month), "end": str(back)})
        assert ended.status_code == 303, ended.text[-2000:]
        view = await portal.get(view_url)
        assert "Paluu kirjattu. Keskeytys odottaa kunnan hyväksyntää." in view.text
        assert '<span class="badge badge-pending">Odottaa kunnan hyväksyntää</span>' in view.text
        assert "Hylätty:" not in view.text
        away_days = range(departure.day, back.day + 1)  # the return day too
        assert _away_days(view.text) == {d: "Poissa – odottaa kunnan hyväksyntää" for d in away_days}
        home = await portal.get("/provider")
        assert '<li id="todo-interruptions-waiting">1 keskeytys odottaa kunnan hyväksyntää.</li>' in home.text
        assert 'id="todo-interruptions-rejected"' not in home.text

        # the officer rejects it with a reason
        decided = await services.post(f"{interruptions}/{interruption_id}/decision", headers=admin,
                                      json={"decision": "reject", "reason": REASON})
        assert decided.status_code == 200, decided.text
        view = await portal.get(view_url)
        assert '<span class="badge badge-rejected">Hylätty</span>' in view.text
        assert f"Hylätty: {REASON}" in view.text
        assert "Korjaa keskeytys: korjattu keskeytys lähetetään uudelleen kunnan hyväksyttäväksi." in view.text
        assert "<details open>" in view.text  # its correction form is open
        # the calendar no longer says "Poissa" on its days: they are not counted as an interruption
        assert _away_days(view.text) == {d: "Keskeytys hylätty" for d in away_days}
        assert '<span class="swatch away-rejected"></span> Keskeytys hylätty' in view.text
        assert '<span class="swatch away-pending">' not in view.text
        assert '<span class="badge badge-pending">Odottaa kunnan hyväksyntää</span>' not in view.text
        home = await portal.get("/provider")
        assert 'id="todo-interruptions-waiting"' not in home.text
        rejected = re.search(r'<li id="todo-interruptions-rejected">(.*?)</ul></li>', home.text, re.S)
        assert rejected, home.text[-3000:]
        assert "Kunta hylkäsi 1 keskeytyksen: korjaa se" in rejected.group(1)
        assert f'href="{url}?month={month}#interruptions-h"' in rejected.group(1) and "K-020" in rejected.group(1)

        # in Swedish: the reason as the officer wrote it
        await portal.post("/language", data={"csrf": csrf_of(home.text), "lang": "sv", "next": "/provider"})
        home = await portal.get("/provider")
        assert "Kommunen avvisade 1 avbrott: rätta det, så skickas det på nytt för godkännande." in home.text
        view = await portal.get(view_url)
        assert '<span class="badge badge-rejected">Avvisat</span>' in view.text and f"Avvisat: {REASON}" in view.text
        assert "Rätta avbrottet: ett rättat avbrott skickas på nytt för kommunens godkännande." in view.text
        assert _away_days(view.text) == {d: "Avbrott avvisat" for d in away_days}
        assert '<span class="swatch away-rejected"></span> Avbrott avvisat' in view.text

        # corrected, it waits again (the events service queues it for the officer once more)
        fixed = await submit(portal, view_url, f"{url}/interruptions/{interruption_id}/edit", {
            "month": str(month), "start": str(departure), "end": str(back - timedelta(days=1)), "reason": "hospital"})
        assert fixed.status_code == 303, fixed.text[-2000:]
        view = await portal.get(view_url)
        assert "Avbrottet har rättats och skickats för kommunens godkännande." in view.text
        assert '<span class="badge badge-pending">Väntar på kommunens godkännande</span>' in view.text
        assert "Avvisat:" not in view.text and "<details open>" not in view.text
        assert _away_days(view.text) == {d: "Borta – väntar på kommunens godkännande" for d in away_days[:-1]}
        home = await portal.get("/provider")
        assert '<li id="todo-interruptions-waiting">1 avbrott väntar på kommunens godkännande.</li>' in home.text
        assert 'id="todo-interruptions-rejected"' not in home.text
        queue = (await services.get(f"/events/v1/tenants/{data.tenant_id}/approvals/interruptions",
                                    headers=admin)).json()["items"]
        assert [(q["id"], q["end"], q["decision_reason"]) for q in queue if q["id"] == interruption_id] == [
            (interruption_id, str(back - timedelta(days=1)), None)]
    finally:
        # the demo tenant as it was: this booking's interruptions gone (settlement never heard of a waiting
        # one), then the setting off, once the events service has heard of it
        listed = (await services.get(interruptions, headers=provider,
                                     params={"booking_id": booking["id"]})).json()["items"]
        for interruption in listed:
            gone = await services.delete(f"{interruptions}/{interruption['id']}", headers=provider)
            assert gone.status_code == 204, gone.text
        await _approval_setting(services, data, admin, False)
        off = await _finalised_interruption(services, data, provider, booking["id"], str(first + timedelta(days=20)),
                                            str(first + timedelta(days=22)))
        assert off["approval"] is None  # straight to settlement again: the other tests' tenant as it was
