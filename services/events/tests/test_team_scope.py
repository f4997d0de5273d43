"""A provider user sees and acts only within its service teams: confirming "all drafts" and the co-payment
breakdown tell nothing of the company's other services nor of clients outside the user's teams."""

from __future__ import annotations

from datetime import UTC, datetime

from seteli_common.auth import Role

from .conftest import HOME_CARE, HOUSING_SERVICE, OTHER_PROVIDER, Harness, T

CONFIRM = f"/v1/tenants/{T}/events/confirm"


async def _drafts_in_both_services(h: Harness) -> tuple[str, str]:
    housing = await h.post_event({"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-31",
                                  "status": "draft"})
    visit = await h.post_event({"booking_id": "b-visit", "start": "2016-03-10", "units": "1", "status": "draft"})
    assert housing.status_code == 201 and visit.status_code == 201, (housing.text, visit.text)
    h.clock.set(datetime(2016, 4, 1, 8, 0, tzinfo=UTC))  # March has been given: drafts may be confirmed
    return housing.json()["id"], visit.json()["id"]


async def test_confirming_all_confirms_the_users_teams_drafts_and_names_no_other_teams(seeded: Harness) -> None:
    """A housing-team user confirming all drafts got the home-care draft back as "failed" (403) with its id:
    a draft of a service the user cannot even list. Now it is left out as the event list leaves it out."""
    h = seeded
    housing, visit = await _drafts_in_both_services(h)
    answer = await h.client.post(CONFIRM, json={}, headers=h.provider(services=(HOUSING_SERVICE,)))
    assert answer.status_code == 200, answer.text
    assert [e["id"] for e in answer.json()["items"]] == [housing] and answer.json()["failed"] == []
    # named by its id, the other team's draft is not there either
    named = await h.client.post(CONFIRM, json={"event_ids": [visit]}, headers=h.provider(services=(HOUSING_SERVICE,)))
    assert named.json() == {"confirmed": 0, "items": [], "failed": []}
    # another company's user confirms nothing and hears of nothing
    other = await h.client.post(CONFIRM, json={"event_ids": [visit]}, headers=h.provider(OTHER_PROVIDER))
    assert other.json() == {"confirmed": 0, "items": [], "failed": []}
    # the main user (every team) confirms the home-care draft
    admin = await h.client.post(CONFIRM, json={}, headers=h.provider(role=Role.PROVIDER_ADMIN, services=()))
    assert [e["id"] for e in admin.json()["items"]] == [visit] and admin.json()["failed"] == []


def _breakdown(client_id: str) -> str:
    return f"/v1/tenants/{T}/co-payments?service_id={HOME_CARE}&from=2016-03-01&to=2016-03-31&client_id={client_id}"


async def test_outside_the_team_a_known_client_and_an_unknown_one_answer_alike(seeded: Harness) -> None:
    """A housing-team user asking the home-care breakdown got 403 for a client of the tenant and 404 for an
    id of nobody: the answer told which client ids exist. Now the team is asked first: 403 for both."""
    h = seeded
    housing_only = h.provider(services=(HOUSING_SERVICE,))
    known = await h.client.get(_breakdown("c-2"), headers=housing_only)
    unknown = await h.client.get(_breakdown("c-nobody"), headers=housing_only)
    assert (known.status_code, unknown.status_code) == (403, 403), (known.text, unknown.text)
    # in the team: its client is read, an unknown one is not found
    in_team = h.provider(services=(HOME_CARE,))
    assert (await h.client.get(_breakdown("c-2"), headers=in_team)).status_code == 200
    assert (await h.client.get(_breakdown("c-nobody"), headers=in_team)).status_code == 404
    # another company's user in the team: neither client is its, both not found
    other = h.provider(OTHER_PROVIDER, services=(HOME_CARE,))
    assert (await h.client.get(_breakdown("c-2"), headers=other)).status_code == 404
    assert (await h.client.get(_breakdown("c-nobody"), headers=other)).status_code == 404


UNKNOWN = "00000000-0000-0000-0000-000000000000"


async def test_a_resident_changing_someone_elses_care_gets_the_answer_of_an_unknown_id(seeded: Harness) -> None:
    """A resident's token changing an event or an absence that is not theirs got 403 ("only the provider's staff")
    for an id that exists and 404 for one that does not: the answer told which ids exist. Now both are 404, as a
    read answers; the tenant's officer and the client themself are still told why (403), the provider still changes
    its own."""
    h = seeded
    event = (await h.post_event({"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-02"})).json()
    away = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(),
                               json={"booking_id": "b-housing", "start": "2016-03-10", "reason": "hospital"})
    assert away.status_code == 201, away.text
    calls = (
        ("PATCH", "events/{}", {"text": "x"}, event["id"]),
        ("DELETE", "events/{}", None, event["id"]),
        ("POST", "interruptions/{}/end", {"end": "2016-03-12"}, away.json()["id"]),
        ("PATCH", "interruptions/{}", {"end": "2016-03-12"}, away.json()["id"]),
        ("DELETE", "interruptions/{}", None, away.json()["id"]),
    )
    for method, path, body, real in calls:
        answers = []
        for ident in (real, UNKNOWN):
            url = f"/v1/tenants/{T}/" + path.format(ident)
            answers.append((await h.client.request(method, url, json=body, headers=h.client_token("c-9"))).status_code)
        assert answers == [404, 404], (method, path, answers)
        for reader in (h.officer(), h.client_token("c-1")):  # they read it: told why they may not change it
            told = await h.client.request(method, f"/v1/tenants/{T}/" + path.format(real), json=body, headers=reader)
            assert told.status_code == 403, (method, path, told.text)
    assert (await h.client.patch(f"/v1/tenants/{T}/events/{event['id']}", json={"text": "x"},
                                 headers=h.provider())).status_code == 200


async def test_a_resident_recording_care_on_someone_elses_booking_gets_the_answer_of_an_unknown_booking(
        seeded: Harness) -> None:
    """Recording care or an absence on a booking (POST /events, /interruptions) with a resident's token answered
    403 ("only the provider's staff") for another client's booking that exists and 422 booking_unknown for one that
    does not: the answer told which booking ids exist. Both now answer as for an unknown booking; the client of the
    booking and the tenant's officer (they read it) are still told why (403)."""
    h = seeded
    for path, body in (("events", {"start": "2016-03-01", "end": "2016-03-02"}),
                       ("interruptions", {"start": "2016-03-10", "reason": "hospital"})):
        url = f"/v1/tenants/{T}/{path}"
        answers = []
        for booking_id in ("b-housing", UNKNOWN):
            answer = await h.client.post(url, json={**body, "booking_id": booking_id}, headers=h.client_token("c-9"))
            answers.append((answer.status_code, answer.json().get("errors", [{}])[0].get("code")))
        assert answers == [(422, "booking_unknown")] * 2, (path, answers)
        for reader in (h.officer(), h.client_token("c-1")):
            told = await h.client.post(url, json={**body, "booking_id": "b-housing"}, headers=reader)
            assert told.status_code == 403, (path, told.text)


async def test_a_provider_user_outside_the_team_changing_the_teams_care_gets_the_answer_of_an_unknown_id(
        seeded: Harness) -> None:
    """A home-care user of the same company changing, ending or deleting sheltered housing's event or absence
    (which it cannot list: 004 §3.2) got 403 ("not in this service's team") for an id that exists and 404 for one
    that does not, and recording on housing's booking 403 against 422 booking_unknown: the answers told which
    ids exist in the other team. Now they answer as for an unknown id; the housing team still changes its own."""
    h = seeded
    event = (await h.post_event({"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-02"})).json()
    away = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(),
                               json={"booking_id": "b-housing", "start": "2016-03-10", "reason": "hospital"})
    assert away.status_code == 201, away.text
    home_care_only = h.provider(services=(HOME_CARE,), subject="u-kotihoitaja")
    calls = (
        ("PATCH", "events/{}", {"text": "x"}, event["id"]),
        ("DELETE", "events/{}", None, event["id"]),
        ("POST", "interruptions/{}/end", {"end": "2016-03-12"}, away.json()["id"]),
        ("PATCH", "interruptions/{}", {"end": "2016-03-12"}, away.json()["id"]),
        ("DELETE", "interruptions/{}", None, away.json()["id"]),
    )
    for method, path, body, real in calls:
        answers = []
        for ident in (real, UNKNOWN):
            url = f"/v1/tenants/{T}/" + path.format(ident)
            answers.append((await h.client.request(method, url, json=body, headers=home_care_only)).status_code)
        assert answers == [404, 404], (method, path, answers)
    for path, body in (("events", {"start": "2016-03-03", "end": "2016-03-04"}),
                       ("interruptions", {"start": "2016-03-20", "reason": "hospital"})):
        answers = []
        for booking_id in ("b-housing", UNKNOWN):
            answer = await h.client.post(f"/v1/tenants/{T}/{path}", json={**body, "booking_id": booking_id},
                                         headers=home_care_only)
            answers.append((answer.status_code, answer.json().get("errors", [{}])[0].get("code")))
        assert answers == [(422, "booking_unknown")] * 2, (path, answers)
    feedback = await h.client.post(f"/v1/tenants/{T}/feedback", headers=h.client_token("c-1"), json={
        "provider_id": "p-paivansade", "kind": "criticism", "text": "Ruoka oli kylmää", "needs_reply": True,
        "event_id": event["id"]})
    assert feedback.status_code == 201, feedback.text
    answers = [(await h.client.post(f"/v1/tenants/{T}/feedback/{ident}/reply", json={"text": "Pahoittelemme"},
                                    headers=home_care_only)).status_code for ident in (feedback.json()["id"], UNKNOWN)]
    assert answers == [404, 404], answers
    # nothing changed, and the housing team changes its own
    shown = (await h.client.get(f"/v1/tenants/{T}/events/{event['id']}", headers=h.provider())).json()
    assert shown["text"] == event["text"]
    assert (await h.client.patch(f"/v1/tenants/{T}/events/{event['id']}", json={"text": "x"},
                                 headers=h.provider(services=(HOUSING_SERVICE,)))).status_code == 200
