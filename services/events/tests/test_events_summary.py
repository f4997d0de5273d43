"""The number of a reader's events per service and month (GET /events/summary): what the company's home page
shows of its drafts (how many, and by which month's deadline) without reading any client, so no client's
access log gets a row. Who sees what is as in GET /events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from seteli_common.auth import Role

from .conftest import HOME_CARE, HOUSING_SERVICE, OTHER_PROVIDER, PROVIDER, Harness, T

SUMMARY = f"/v1/tenants/{T}/events/summary"


async def _draft(h: Harness, body: dict[str, Any]) -> None:
    answer = await h.post_event({**body, "status": "draft"})
    assert answer.status_code == 201, answer.text


async def _drafts_in_february_and_march(h: Harness) -> None:
    """Housing: a draft in February and two in March; home care: one in March; and a recorded visit."""
    h.clock.set(datetime(2016, 2, 15, 10, 0, tzinfo=UTC))
    await _draft(h, {"booking_id": "b-housing", "start": "2016-02-10", "end": "2016-02-12"})
    h.clock.set(datetime(2016, 3, 15, 10, 0, tzinfo=UTC))
    await _draft(h, {"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-03"})
    await _draft(h, {"booking_id": "b-housing", "start": "2016-03-31", "end": "2016-03-31"})
    await _draft(h, {"booking_id": "b-visit", "start": "2016-03-08", "units": "1"})
    recorded = await h.post_event({"booking_id": "b-visit", "start": "2016-03-09", "units": "1"})
    assert recorded.status_code == 201, recorded.text


async def test_the_company_gets_its_drafts_counted_by_service_and_month(seeded: Harness) -> None:
    h = seeded
    await _drafts_in_february_and_march(h)
    company = h.provider(role=Role.PROVIDER_ADMIN)
    answer = await h.client.get(SUMMARY, headers=company, params={"status": "draft"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"items": [
        {"service_id": HOUSING_SERVICE, "month": "2016-02", "count": 1},
        {"service_id": HOME_CARE, "month": "2016-03", "count": 1},
        {"service_id": HOUSING_SERVICE, "month": "2016-03", "count": 2},
    ], "total": 4}
    every = (await h.client.get(SUMMARY, headers=company)).json()  # without a status: drafts and recorded
    assert every["total"] == 5
    assert {"service_id": HOME_CARE, "month": "2016-03", "count": 2} in every["items"]


async def test_the_summary_reads_no_client(seeded: Harness) -> None:
    h = seeded
    await _drafts_in_february_and_march(h)
    await h.published()  # what recording published so far
    before = len(await h.published("events.client_data.read"))
    for headers in (h.provider(role=Role.PROVIDER_ADMIN), h.officer()):
        assert (await h.client.get(SUMMARY, headers=headers, params={"status": "draft"})).json()["total"] == 4
    assert len(await h.published("events.client_data.read")) == before


async def test_the_summary_sees_what_the_list_sees(seeded: Harness) -> None:
    """Another company sees nothing of these drafts; a provider user only its teams' services; the tenant's
    staff all of the tenant's, another tenant's staff are told no such tenant; a client counts only their
    recorded events."""
    h = seeded
    await _drafts_in_february_and_march(h)
    drafts = {"status": "draft"}
    assert (await h.client.get(SUMMARY, headers=h.provider(OTHER_PROVIDER), params=drafts)).json() == {
        "items": [], "total": 0}
    home_care_team = (await h.client.get(SUMMARY, headers=h.provider(services=(HOME_CARE,)), params=drafts)).json()
    assert home_care_team == {"items": [{"service_id": HOME_CARE, "month": "2016-03", "count": 1}], "total": 1}
    assert (await h.client.get(SUMMARY, headers=h.officer(), params={**drafts, "provider_id": PROVIDER})
            ).json()["total"] == 4
    assert (await h.client.get(SUMMARY, headers=h.officer(), params={**drafts, "service_id": HOME_CARE})
            ).json()["total"] == 1
    assert (await h.client.get(SUMMARY, headers=h.officer("another"))).status_code == 404  # as the list answers
    assert (await h.client.get(SUMMARY, headers=h.client_token("c-2"), params=drafts)).json()["total"] == 0
    assert (await h.client.get(SUMMARY, headers=h.client_token("c-2"))).json() == {
        "items": [{"service_id": HOME_CARE, "month": "2016-03", "count": 1}], "total": 1}
