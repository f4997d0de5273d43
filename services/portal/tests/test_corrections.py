"""Provider asks, officer answers (issue 20, 004 §4.3.4 and §4.3.8): a provider asks the municipality to correct
a paid event from its month view; the officer sees the request in a queue with what was paid and why, and
credits it (deducted in the next run) or declines it, saying why; the provider reads the answer."""

from __future__ import annotations

import random
import re

import httpx
from seteli_common.clock import Month
from seteli_common.consistency import AFTER_HEADER, CONSISTENCY_HEADER
from seteli_portal.i18n import date_fmt, money_fmt

from seteli.demo import _eventually, random_test_identity_code
from seteli.embedded import Suite

from .conftest import csrf_of, login, submit
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .test_officer_clients import _api


async def _paid_event(suite: Suite, data: Seed, last_name: str, seed: int, first_day: int = 1) -> tuple[dict, dict]:
    """A client of its own, three days of the demo's (ended) month (from `first_day`) recorded and paid by a run."""
    officer = await _api(suite, data.officer_email, OFFICER_PASSWORD)
    provider = await _api(suite, data.provider_email, PROVIDER_PASSWORD)
    base = f"/vouchers/v1/tenants/{data.tenant_id}"
    month = Month.parse(data.demo.month)
    made = (await officer.post(f"{base}/clients", json={
        "first_name": "Kalle", "last_name": last_name, "language": "fi",
        "identity_code": random_test_identity_code(random.Random(seed))})).json()
    service = (await officer.get(f"/applications/v1/tenants/{data.tenant_id}/services/{data.service_id}")).json()
    voucher = (await officer.post(f"{base}/vouchers", json={
        "client_id": made["id"], "service_id": data.service_id, "granted_on": str(month.first),
        "valid_from": str(month.first), "valid_until": str(month.next().last),
        "contents": [{"content_id": service["contents"][0]["id"], "granted_amount": "31", "period": "month",
                      "voucher_value": "140.00"}]})).json()
    answer = await provider.post(f"{base}/bookings", json={
        "voucher_number": voucher["number"], "voucher_content_id": voucher["contents"][0]["id"],
        "accept_terms": True, "client_number": f"K-{seed}"})
    assert answer.status_code == 201, answer.text
    booking = answer.json()
    events = f"/events/v1/tenants/{data.tenant_id}/events"
    # the events service waits for the booking (the provider's client sends its token)
    answer = await provider.post(events, json={"booking_id": booking["id"],
                                               "start": str(month.first.replace(day=first_day)),
                                               "end": str(month.first.replace(day=first_day + 2)),
                                               "status": "recorded"})
    assert answer.status_code == 201, answer.text
    recorded = answer.json()
    # the officer's run follows the provider's entry (its token, handed over): settlement waits for it
    run = await officer.post(f"/settlement/v1/tenants/{data.tenant_id}/runs", json={"month": str(month),
                             "dry_run": False}, headers={AFTER_HEADER: answer.headers[CONSISTENCY_HEADER]})
    assert run.status_code == 201 and recorded["id"] in str(run.json()), run.text
    # the run's answer names its news to events (its tokens, kept by the officer's client): events answers
    # "settled" only once it has that news
    event = (await officer.get(f"{events}/{recorded['id']}")).json()
    assert event["settled"], event
    await officer.aclose()
    await provider.aclose()
    return booking, recorded


async def test_a_provider_asks_to_correct_a_paid_event_and_the_officer_credits_it(
        portal: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    booking, event = await _paid_event(suite, data, "Korjaus", 901)
    month = data.demo.month
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    url = f"/provider/bookings/{booking['id']}?month={month}"
    page = await portal.get(url)
    assert "Pyydä korjausta maksettuun kirjaukseen" in page.text and money_fmt("420.00") in page.text
    empty = await portal.post("/provider/corrections", data={
        "csrf": csrf_of(page.text), "booking_id": booking["id"], "month": month, "target_id": event["id"],
        "reason": ""})
    assert empty.status_code == 422 and "Kerro, mikä kirjauksessa on väärin." in empty.text
    sent = await portal.post("/provider/corrections", data={
        "csrf": csrf_of(page.text), "booking_id": booking["id"], "month": month, "target_id": event["id"],
        "reason": "Asiakas oli sairaalassa 2.–3. päivä"})
    assert sent.status_code == 303
    assert "Korjauspyyntö lähetetty kunnalle." in (await portal.get(sent.headers["location"])).text
    twice = await portal.post("/provider/corrections", data={
        "csrf": csrf_of(page.text), "booking_id": booking["id"], "month": month, "target_id": event["id"],
        "reason": "uudestaan"})
    assert twice.status_code == 422 and "odottaa jo kunnan vastausta" in twice.text
    credits = await portal.get("/provider/credits")
    row = re.search(r'<table id="corrections">.*?</table>', credits.text, re.S).group(0)  # type: ignore[union-attr]
    assert "Asiakas oli sairaalassa 2.–3. päivä" in row and "Odottaa kunnan vastausta" in row
    home = await portal.get("/provider")
    assert 'id="todo-corrections"' in home.text and "odottaa kunnan vastausta" in home.text

    # the officer: the queue on the home page, the request with what was paid and why
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    home = await portal.get("/officer")
    assert re.search(r'id="count-corrections">\s*[1-9]', home.text)
    queue = await portal.get("/officer/corrections")
    card = re.search(r'<article class="card" id="correction-[^"]+".*?</article>', queue.text, re.S)
    assert card and "K-901" in card.group(0) and money_fmt("420.00") in card.group(0)
    assert "Asiakas oli sairaalassa 2.–3. päivä" in card.group(0)
    action = re.search(r'action="(/officer/corrections/[^"]+)"', card.group(0)).group(1)  # type: ignore[union-attr]
    no_reason = await portal.post(action, data={"csrf": csrf_of(queue.text), "decision": "decline", "reason": ""})
    assert no_reason.status_code == 422 and "Kerro, miksi kirjausta ei hyvitetä." in no_reason.text
    credited = await portal.post(action, data={"csrf": csrf_of(queue.text), "decision": "credit", "reason": ""})
    assert credited.status_code == 303
    after = await portal.get(credited.headers["location"])
    assert "Hyvitys tallennettu" in after.text and "corrections-answered" in after.text
    officer = await _api(suite, data.officer_email, OFFICER_PASSWORD)
    credit_list = (await officer.get(f"/events/v1/tenants/{data.tenant_id}/credits")).json()["items"]
    assert [c["amount"] for c in credit_list if c["event_id"] == event["id"]] == ["-420.00"]
    await officer.aclose()

    # the provider reads the answer
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    credits = await portal.get("/provider/credits")
    row = re.search(r'<table id="corrections">.*?</table>', credits.text, re.S).group(0)  # type: ignore[union-attr]
    assert "Hyvitetty" in row and "Asiakas oli sairaalassa 2.–3. päivä" in row
    page = await portal.get(url)
    assert "Pyydä korjausta maksettuun kirjaukseen" not in page.text  # nothing paid and uncredited is left


async def test_a_request_of_paid_care_removed_when_the_voucher_ended_says_so_to_the_provider(
        portal: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    """The officer closes the voucher from a day before the paid care: the care is removed and settlement takes its
    payment back, so the provider's request is answered by that (fi and sv) and leaves the officer's queue."""
    booking, event = await _paid_event(suite, data, "Poistuva", 9623, first_day=10)
    provider = await _api(suite, data.provider_email, PROVIDER_PASSWORD)
    asked = await provider.post(f"/events/v1/tenants/{data.tenant_id}/corrections", json={
        "kind": "event", "target_id": event["id"], "reason": "Asiakas muutti pois"})
    assert asked.status_code == 201, asked.text
    await provider.aclose()
    officer = await _api(suite, data.officer_email, OFFICER_PASSWORD)
    month = Month.parse(data.demo.month)
    closed = await officer.post(f"/vouchers/v1/tenants/{data.tenant_id}/vouchers/{booking['voucher_id']}/close",
                                json={"reason": "Muutti pois", "valid_until": str(month.first.replace(day=5))})
    assert closed.status_code == 200, closed.text

    async def care_gone() -> bool:  # the closing travels to events over the bus (no token names its clipping)
        found = await officer.get(f"/events/v1/tenants/{data.tenant_id}/events/{event['id']}")
        return found.status_code == 404 or found.json()["status"] == "deleted"

    await _eventually("the care beyond the voucher removed", care_gone, timeout=20)
    queue = (await officer.get(f"/events/v1/tenants/{data.tenant_id}/corrections", params={"state": "open"})).json()
    assert asked.json()["id"] not in str(queue)
    await officer.aclose()

    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    last_day = date_fmt(month.first.replace(day=5))
    # the state, and the answer as an officer's answer shows: the last day paid, and its cause events kept when it
    # removed the care: the officer closed the voucher (each cause: events' and test_correction_answers' tests)
    for lang, said, answered in (
            ("fi", "Poistettu, koska voimassaolo päättyi ennen kirjausta",
             f"Hoitoa maksetaan {last_day} asti, koska palvelusetelin voimassaolo päättyi: tätä hoitoa ei enää "
             "makseta, ja siitä maksettu vähennetään seuraavasta maksusta."),
            ("sv", "Borttagen eftersom giltigheten upphörde före registreringen",
             f"Vården betalas till och med {last_day}, eftersom servicesedelns giltighet upphörde: den här vården "
             "betalas inte längre, och det som betalats för den dras av från nästa betalning.")):
        if lang == "sv":
            await submit(portal, "/provider/credits", "/language", {"lang": "sv", "next": "/provider/credits"})
        credits = await portal.get("/provider/credits")
        row = re.search(r'<table id="corrections">.*?</table>', credits.text, re.S).group(0)  # type: ignore[union-attr]
        assert "Asiakas muutti pois" in row and said in row, lang
        mine = re.search(rf'<tr id="correction-{asked.json()["id"]}">.*?</tr>', row, re.S)
        assert mine is not None and re.findall(r"<td>(.*?)</td>", mine.group(0), re.S)[-1] == answered, row
    # the officer's list of answered requests says the same (in Swedish still, as chosen last)
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    queue = await portal.get("/officer/corrections")
    row = re.search(rf'<tr id="correction-{asked.json()["id"]}">.*?</tr>', queue.text, re.S)
    assert row is not None and f"<td>{answered}</td>" in row.group(0), queue.text
