"""The client's co-payment breakdown (JSON, HTML, PDF) and feedback."""

from __future__ import annotations

from .conftest import HOUSING_SERVICE, OTHER_PROVIDER, PROVIDER, Harness, T
from .test_decisions import _decide, _week

URL = f"/v1/tenants/{T}/co-payments?service_id=kotihoito&from=2016-03-01&to=2016-03-31"


async def test_breakdown_shows_awaiting_events_and_drops_rejected_ones(seeded: Harness) -> None:
    h = seeded
    week = await _week(h)
    body = (await h.client.get(URL + "&client_id=c-2", headers=h.officer())).json()
    # Co-payment 2.55 €/h: 2 h 5.10, 2.25 h 5.7375 -> 5.74, 2 h 5.10, 2.25 h 5.74, 2 h 5.10 = 26.78.
    assert [x["amount_co_payment"] for x in body["lines"]] == ["5.10", "5.74", "5.10", "5.74", "5.10"]
    assert [x["status"] for x in body["lines"]] == ["payable"] * 4 + ["awaiting_approval"]
    assert body["amount_co_payment"] == "26.78" and body["awaiting_approval_co_payment"] == "5.10"
    line = body["lines"][1]
    assert (
        line["content_name"],
        line["voucher_number"],
        line["unit_price"],
        line["voucher_value"],
        line["tenant_share_per_unit"],
        line["co_payment_per_unit"],
    ) == ("Hoito", "PS-2002", "32.55", "30.00", "30.00", "2.55")
    html = await h.client.get(URL + "&client_id=c-2&format=html", headers=h.officer())
    assert html.headers["content-type"].startswith("text/html")
    assert "26,78\u00a0€" in html.text and "odottaa hyväksyntää" in html.text
    pdf = await h.client.get(URL + "&client_id=c-2&format=pdf", headers=h.officer())
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    await _decide(h, week[-1]["id"], {"decision": "reject", "reason": "Yli myönnetyn"})
    after = (await h.client.get(URL, headers=h.client_token("c-2"))).json()
    assert len(after["lines"]) == 4 and after["amount_co_payment"] == "21.68"
    assert after["awaiting_approval_co_payment"] == "0.00"


async def test_client_sees_only_their_own_breakdown(seeded: Harness) -> None:
    h = seeded
    await _week(h)
    other = (await h.client.get(URL + "&client_id=c-2", headers=h.client_token("c-1"))).json()
    assert other["client_id"] == "c-1" and other["lines"] == []


async def test_the_clients_provider_reads_and_prints_the_breakdown_another_provider_does_not(
    seeded: Harness,
) -> None:
    """Issue 16/8 (004 §4.3.7): the provider prints its client's co-payment breakdown."""
    h = seeded
    await _week(h)
    body = (await h.client.get(URL + "&client_id=c-2", headers=h.provider())).json()
    assert body["amount_co_payment"] == "26.78" and len(body["lines"]) == 5
    html = await h.client.get(URL + "&client_id=c-2&format=html", headers=h.provider())
    assert html.status_code == 200 and "26,78\u00a0€" in html.text
    pdf = await h.client.get(URL + "&client_id=c-2&format=pdf", headers=h.provider())
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    for fmt in ("json", "html", "pdf"):  # not its client: as if the client did not exist
        other = await h.client.get(URL + f"&client_id=c-2&format={fmt}", headers=h.provider(OTHER_PROVIDER))
        assert other.status_code == 404, other.text
    # a provider user outside the service's team, and a client of the provider in another service only
    outside = await h.client.get(URL + "&client_id=c-2", headers=h.provider(services=(HOUSING_SERVICE,)))
    assert outside.status_code == 403
    not_here = await h.client.get(URL + "&client_id=c-1", headers=h.provider())
    assert not_here.status_code == 404


async def test_a_client_pays_content_shows_its_full_price_as_the_clients_share(seeded: Harness) -> None:
    h = seeded
    recorded = await h.post_event({"booking_id": "b-meals", "start": "2016-03-01", "end": "2016-03-10"})
    assert recorded.status_code == 201, recorded.text
    url = f"/v1/tenants/{T}/co-payments?service_id={HOUSING_SERVICE}&from=2016-03-01&to=2016-03-31&client_id=c-1"
    body = (await h.client.get(url, headers=h.provider())).json()
    [line] = body["lines"]
    assert (line["content_name"], line["client_pays"], line["voucher_value"], line["unit_price"]) == (
        "Ateriat", True, None, "12.50")
    assert (line["amount_tenant"], line["amount_co_payment"]) == ("0.00", "125.00")  # 10 days × 12.50
    assert body["amount_tenant"] == "0.00" and body["amount_co_payment"] == "125.00"
    html = await h.client.get(url + "&format=html", headers=h.officer())
    assert "asiakas maksaa" in html.text and "125,00\u00a0€" in html.text


async def test_every_read_of_the_breakdown_is_published_for_the_clients_access_log(seeded: Harness) -> None:
    """Issue 17/9: vouchers keeps the access log; each read (JSON, HTML, PDF) is told to it."""
    h = seeded
    await _week(h)
    await h.published()  # what recording published so far
    before = len(await h.published("events.client_data.read"))
    assert before == 0
    await h.client.get(URL + "&client_id=c-2", headers={**h.officer(), "x-purpose": "asiakasmaksun tarkistus"})
    await h.client.get(URL + "&client_id=c-2&format=pdf", headers=h.provider())
    await h.client.get(URL + "&format=html", headers=h.client_token("c-2"))
    await h.client.get(URL + "&client_id=c-2", headers=h.provider(OTHER_PROVIDER))  # refused: shows nothing
    reads = await h.published("events.client_data.read")
    assert [(r["client_ids"], r["actor_role"], r["actor_org"], r["what"]) for r in reads] == [
        (["c-2"], "tenant_officer", T, "co_payment.breakdown"),
        (["c-2"], "provider_user", PROVIDER, "co_payment.breakdown.pdf"),
        (["c-2"], "client", "c-2", "co_payment.breakdown.html"),
    ]
    assert reads[0]["why"] == "asiakasmaksun tarkistus" and reads[1]["why"] == "co-payment breakdown"
    assert reads[0]["at"].startswith("2016-03-15")


async def test_interruption_days_appear_with_their_percentage(seeded: Harness) -> None:
    h = seeded
    response = await h.client.post(
        f"/v1/tenants/{T}/interruptions",
        headers=h.provider(),
        json={"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-12", "reason": "holiday"},
    )
    assert response.status_code == 201
    url = f"/v1/tenants/{T}/co-payments?service_id=tehostettu&from=2016-03-01&to=2016-03-31"
    body = (await h.client.get(url, headers=h.client_token("c-1"))).json()
    assert [(x["kind"], x["percentage"], x["amount_co_payment"]) for x in body["lines"]] == [
        ("interruption", "100", "120.00"),
        ("interruption", "50", "22.50"),
        ("interruption", "100", "15.00"),
    ]
    assert body["amount_co_payment"] == "157.50"


async def test_complaint_always_needs_a_reply_and_the_provider_replies_once(seeded: Harness) -> None:
    h = seeded
    event = (await h.post_event({"booking_id": "b-care", "start": "2016-03-08", "units": "1"})).json()
    response = await h.client.post(
        f"/v1/tenants/{T}/feedback",
        headers=h.client_token("c-2"),
        json={
            "provider_id": "p-paivansade",
            "kind": "complaint",
            "text": "Hoitaja myöhästyi",
            "event_id": event["id"],
        },
    )
    assert response.status_code == 201, response.text
    complaint = response.json()
    assert complaint["needs_reply"] is True and complaint["service_id"] == "kotihoito"
    [given] = await h.published("events.feedback.given")
    assert given == {
        "feedback_id": complaint["id"],
        "kind": "complaint",
        "provider_id": "p-paivansade",
        "producer_part": None,
        "service_id": "kotihoito",
        "needs_reply": True,
        "event_id": event["id"],
        "notify_provider": True,
        "notify_tenant": True,
    }
    reply = await h.client.post(
        f"/v1/tenants/{T}/feedback/{complaint['id']}/reply",
        headers=h.provider(),
        json={"text": "Pahoittelemme"},
    )
    assert reply.status_code == 200 and reply.json()["reply"] == "Pahoittelemme"
    twice = await h.client.post(
        f"/v1/tenants/{T}/feedback/{complaint['id']}/reply", headers=h.provider(), json={"text": "Uudestaan"}
    )
    assert twice.status_code == 409
    assert len(await h.published("events.feedback.replied")) == 1
    tenant = (await h.client.get(f"/v1/tenants/{T}/feedback", headers=h.officer())).json()
    assert tenant["items"][0]["reply"] == "Pahoittelemme"


async def test_thanks_without_reply_and_feedback_needs_a_relationship(seeded: Harness) -> None:
    h = seeded
    thanks = await h.client.post(
        f"/v1/tenants/{T}/feedback",
        headers=h.client_token("c-1"),
        json={"provider_id": "p-paivansade", "kind": "thanks", "text": "Kiitos hyvästä hoidosta"},
    )
    assert thanks.status_code == 201 and thanks.json()["needs_reply"] is False
    [given] = await h.published("events.feedback.given")
    assert given["notify_provider"] is False and given["notify_tenant"] is False
    stranger = await h.client.post(
        f"/v1/tenants/{T}/feedback",
        headers=h.client_token("c-1"),
        json={"provider_id": "p-muu", "kind": "criticism", "text": "Ei vastattu"},
    )
    assert stranger.status_code == 422
    not_client = await h.client.post(
        f"/v1/tenants/{T}/feedback",
        headers=h.provider(),
        json={"provider_id": "p-paivansade", "kind": "thanks", "text": "x"},
    )
    assert not_client.status_code == 403
    other_provider = await h.client.post(
        f"/v1/tenants/{T}/feedback/{thanks.json()['id']}/reply",
        headers=h.provider("p-muu"),
        json={"text": "x"},
    )
    assert other_provider.status_code == 404
    mine = (await h.client.get(f"/v1/tenants/{T}/feedback", headers=h.client_token("c-2"))).json()
    assert mine["total"] == 0


async def test_the_breakdown_reads_in_swedish_on_the_page_and_in_the_pdf(seeded: Harness) -> None:
    """Issue 20: a Swedish-speaking client (or the provider's Swedish page) gets the breakdown in Swedish: the
    headings, the states and the names of the service and its contents."""
    import io

    from pypdf import PdfReader

    h = seeded
    await _week(h)
    body = (await h.client.get(URL + "&client_id=c-2&lang=sv", headers=h.officer())).json()
    assert body["lines"][0]["content_name"] == "Vård" and body["service_name"] == "Hemvård"
    html = await h.client.get(URL + "&client_id=c-2&format=html&lang=sv", headers=h.officer())
    assert '<html lang="sv">' in html.text and "Specifikation av självrisk" in html.text
    assert "väntar på godkännande" in html.text and "Omavastuu" not in html.text
    pdf = await h.client.get(URL + "&client_id=c-2&format=pdf&lang=sv", headers=h.officer())
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Specifikation av självrisk" in text and "Klienten betalar" in text and "Asiakas" not in text
    finnish = await h.client.get(URL + "&client_id=c-2&format=html", headers=h.officer())
    assert "Omavastuuerittely" in finnish.text  # Finnish stays the default


async def test_reads_of_a_clients_events_and_interruptions_are_published_for_their_access_log(
    seeded: Harness,
) -> None:
    """A client's service events (the care, its days and hours, the performer's notes) and interruptions (why
    the client was away: a hospital stay) are the client's data: the provider's month view, the officer's list,
    one event and the approval queue go to the access log of every client shown; a page that shows no one
    logs nothing."""
    h = seeded
    week = await _week(h)  # c-2's home care, the last visit over the limit: awaiting approval
    away = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json={
        "booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-05", "reason": "hospital"})
    assert away.status_code == 201, away.text
    await h.published()  # what recording published so far
    events = f"/v1/tenants/{T}/events"
    assert (await h.client.get(events, headers=h.provider())).json()["total"] == len(week)
    assert (await h.client.get(f"{events}/{week[0]['id']}", headers={**h.officer(), "x-purpose": "oikaisu"})
            ).status_code == 200
    assert (await h.client.get(f"/v1/tenants/{T}/approvals", headers=h.officer())).json()["total"] == 1
    assert (await h.client.get(f"/v1/tenants/{T}/interruptions", headers=h.officer())).json()["total"] == 1
    assert (await h.client.get(events, headers=h.provider(OTHER_PROVIDER))).json()["total"] == 0  # no one shown
    reads = await h.published("events.client_data.read")
    assert [(r["client_ids"], r["actor_role"], r["actor_org"], r["what"], r["why"]) for r in reads] == [
        (["c-2"], "provider_user", PROVIDER, "events.list", "service events"),
        (["c-2"], "tenant_officer", T, "event.details", "oikaisu"),
        (["c-2"], "tenant_officer", T, "events.approval_queue", "approval queue"),
        (["c-1"], "tenant_officer", T, "interruptions.list", "interruptions"),
    ]
