"""The tenant admin's third decision on a registration request: "ask for more". The request goes back to the
company with a message; the company answers through its mailed link (correcting its details) and the request
waits again, marked answered, its history kept. Through the HTTP API on PostgreSQL."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from .conftest import OTHER_TENANT, Registry
from .test_registration import REQUEST

BASE = "/v1/tenants/kouvola/registration-requests"


async def _submitted(registry: Registry, **changes: Any) -> str:
    response = await registry.client.post(BASE, json={**REQUEST, **changes})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _ask(registry: Registry, admin: dict[str, str], request_id: str, message: str) -> Any:
    return await registry.client.post(f"{BASE}/{request_id}/more-info", headers=admin, json={"message": message})


async def _token(registry: Registry) -> str:
    link = (await registry.events("registry.registration.more_requested"))[-1]["link"]
    assert urlsplit(link).path.endswith("/registration-request/answer")
    return parse_qs(urlsplit(link).query)["token"][0]


async def test_admin_asks_for_more_the_company_answers_and_the_request_waits_again_with_its_history(
        registry: Registry) -> None:
    client = registry.client
    kouvola = await registry.tenant_with_admin()
    request_id = await _submitted(registry, language="sv")
    asked = await _ask(registry, kouvola, request_id, "  Bifoga ett utdrag ur handelsregistret.  ")
    assert asked.status_code == 200, asked.text
    assert asked.json()["status"] == "more_requested"
    waiting = (await client.get(f"{BASE}?status=pending", headers=kouvola)).json()
    assert waiting["total"] == 0  # out of the waiting queue while the company answers
    [event] = await registry.events("registry.registration.more_requested")
    assert event == {**event, "request_id": request_id, "email": "aino@aurinko.fi", "language": "sv",
                     "company_name": "Kotipalvelu Aurinko Oy", "message": "Bifoga ett utdrag ur handelsregistret.",
                     "_tenant_id": "kouvola"}
    assert (await registry.outbox_payloads("registry.registration.more_requested"))[0]["link"] != event["link"]

    token = await _token(registry)
    seen = await client.post("/v1/registration-requests/by-link", json={"token": token})
    assert seen.status_code == 200 and seen.json()["history"][0]["text"] == "Bifoga ett utdrag ur handelsregistret."
    assert seen.json()["history"][0]["by"] == "Pääkäyttäjä"

    answered = await client.post("/v1/registration-requests/by-link/answer", json={
        "token": token, "reply": "Utdraget är bifogat.", "phone": "0409999999", "city": "Kouvola"})
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "pending" and answered.json()["data"]["phone"] == "0409999999"

    waiting = (await client.get(f"{BASE}?status=pending", headers=kouvola)).json()
    assert [i["id"] for i in waiting["items"]] == [request_id] and waiting["items"][0]["answered_at"]
    view = (await client.get(f"{BASE}/{request_id}", headers=kouvola)).json()
    asked_step, answered_step = view["history"]
    assert (asked_step["action"], asked_step["by"]) == ("more_requested", "Pääkäyttäjä")
    assert answered_step == {**answered_step, "action": "answered", "by": "Aino Aurinko",
                             "text": "Utdraget är bifogat.", "changed": ["phone"]}
    assert asked_step["at"] <= answered_step["at"]
    [told] = await registry.events("registry.registration.answered")
    assert told == {**told, "request_id": request_id, "reply": "Utdraget är bifogat.", "changed": ["phone"],
                    "business_id": "7019376-8", "_tenant_id": "kouvola"}

    # the link is used up; the admin can now approve, and the company signs in with its corrected phone
    again = await client.post("/v1/registration-requests/by-link/answer", json={"token": token, "reply": "x"})
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "token"
    decided = await client.post(f"{BASE}/{request_id}/decision", headers=kouvola, json={"decision": "approved"})
    assert decided.status_code == 200, decided.text
    main = await registry.login(REQUEST["email"], REQUEST["password"])
    provider = (await client.get(f"/v1/providers/{decided.json()['provider_id']}", headers=main)).json()
    assert provider["phone"] == "0409999999"


async def test_deciding_in_a_state_that_does_not_allow_it_is_409_and_changes_nothing(registry: Registry) -> None:
    client = registry.client
    kouvola = await registry.tenant_with_admin()
    request_id = await _submitted(registry)
    assert (await _ask(registry, kouvola, request_id, "Puuttuu kaupparekisteriote.")).status_code == 200
    for decision in ({"decision": "approved"}, {"decision": "rejected", "reason": "Ei"}):
        refused = await client.post(f"{BASE}/{request_id}/decision", headers=kouvola, json=decision)
        assert refused.status_code == 409 and refused.headers["content-type"] == "application/problem+json"
    twice = await _ask(registry, kouvola, request_id, "Toinen kysymys")
    assert twice.status_code == 409 and twice.headers["content-type"] == "application/problem+json"
    view = (await client.get(f"{BASE}/{request_id}", headers=kouvola)).json()
    assert view["status"] == "more_requested" and len(view["history"]) == 1
    assert len(await registry.events("registry.registration.more_requested")) == 1
    assert await registry.events("registry.provider.approved") == []

    # a decided request cannot be sent back, and a company cannot answer what nobody asks
    token = await _token(registry)
    assert (await client.post("/v1/registration-requests/by-link/answer",
                              json={"token": token, "reply": "Liitteenä."})).status_code == 200
    approved = await client.post(f"{BASE}/{request_id}/decision", headers=kouvola, json={"decision": "approved"})
    assert approved.status_code == 200
    late = await _ask(registry, kouvola, request_id, "Vielä yksi asia")
    assert late.status_code == 409
    assert (await client.get(f"{BASE}/{request_id}", headers=kouvola)).json()["status"] == "approved"


async def test_the_message_is_required_and_at_most_2000_characters_and_the_answer_needs_a_reply(
        registry: Registry) -> None:
    client = registry.client
    kouvola = await registry.tenant_with_admin()
    request_id = await _submitted(registry)
    for message in ("", "x" * 2001):
        refused = await _ask(registry, kouvola, request_id, message)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "message"
    blank = await _ask(registry, kouvola, request_id, "   ")
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "message"
    assert (await _ask(registry, kouvola, request_id, "x" * 2000)).status_code == 200
    token = await _token(registry)
    no_reply = await client.post("/v1/registration-requests/by-link/answer", json={"token": token, "reply": " "})
    assert no_reply.status_code == 422 and no_reply.json()["errors"][0]["field"] == "reply"
    emptied = await client.post("/v1/registration-requests/by-link/answer",
                                json={"token": token, "reply": "Korjattu", "company_name": " "})
    assert emptied.status_code == 422 and emptied.json()["errors"][0]["field"] == "company_name"
    view = (await client.get(f"{BASE}/{request_id}", headers=kouvola)).json()
    assert view["status"] == "more_requested" and view["data"]["company_name"] == "Kotipalvelu Aurinko Oy"
    assert await registry.events("registry.registration.answered") == []
    unknown = await client.post("/v1/registration-requests/by-link", json={"token": "made-up"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "token"


async def test_another_tenants_admin_never_sees_or_asks_about_the_request(registry: Registry) -> None:
    client = registry.client
    kouvola = await registry.tenant_with_admin()
    lahti = await registry.tenant_with_admin(OTHER_TENANT)
    request_id = await _submitted(registry)
    for path in (f"{BASE}/{request_id}/more-info", f"/v1/tenants/lahti/registration-requests/{request_id}/more-info"):
        refused = await client.post(path, headers=lahti, json={"message": "Kuka olette?"})
        assert refused.status_code == 404
    assert await registry.events("registry.registration.more_requested") == []
    assert (await _ask(registry, kouvola, request_id, "Puuttuu kaupparekisteriote.")).status_code == 200
    token = await _token(registry)
    await client.post("/v1/registration-requests/by-link/answer", json={"token": token, "reply": "Liitteenä."})
    assert (await client.get(f"{BASE}/{request_id}", headers=lahti)).status_code == 404
    lahti_queue = (await client.get("/v1/tenants/lahti/registration-requests", headers=lahti)).json()
    assert lahti_queue["total"] == 0
    [told] = await registry.events("registry.registration.answered")
    assert told["_tenant_id"] == "kouvola"
