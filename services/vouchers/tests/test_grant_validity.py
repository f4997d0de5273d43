"""A grant's validity stays within a sane range (issue 16, item 9): granted on or before today
(Helsinki; the clock is 2016-03-15), valid from at most 1 year before / after the granting date, valid
until at most 10 years after valid from. Each boundary day is accepted, the next one refused."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import HOUSING, Harness, new_client


def _body(client_id: str, granted_on: str, valid_from: str, valid_until: str) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "service_id": HOUSING,
        "granted_on": granted_on,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "contents": [{"content_id": "asuminen", "granted_amount": "31", "period": "month", "voucher_value": "140.00"}],
    }


@pytest.mark.parametrize(
    ("granted_on", "valid_from", "valid_until", "refused"),
    [
        ("2016-03-01", "0001-01-01", "9999-12-31", {"valid_from", "valid_until"}),
        ("2016-03-01", "2015-03-01", "2016-12-31", set()),  # exactly a year back: a late decision
        ("2016-03-01", "2015-02-28", "2016-12-31", {"valid_from"}),
        ("2016-03-01", "2017-03-01", "2017-12-31", set()),  # exactly a year ahead
        ("2016-03-01", "2017-03-02", "2017-12-31", {"valid_from"}),
        ("2016-03-01", "2016-03-01", "2026-03-01", set()),  # ten years, "until further notice"
        ("2016-03-01", "2016-03-01", "2026-03-02", {"valid_until"}),
        ("2016-03-15", "2016-03-15", "2016-12-31", set()),  # granted today
        ("2016-03-16", "2016-03-16", "2016-12-31", {"granted_on"}),  # granted tomorrow
        # the calendar's ends (a year before year 1, ten years after 9999) failed with a server error
        ("2016-03-01", "9999-01-01", "9999-12-31", {"valid_from"}),
        ("0001-03-01", "0001-03-01", "0001-12-31", {"granted_on"}),  # before 1900: no run could ever pay it
        ("1900-03-01", "1900-03-01", "9999-12-31", {"valid_until"}),
    ],
)
async def test_grant_validity_boundaries(
    h: Harness, granted_on: str, valid_from: str, valid_until: str, refused: set[str]
) -> None:
    client = await new_client(h)
    response = await h.http.post(
        "/v1/tenants/kouvola/vouchers",
        json=_body(client["id"], granted_on, valid_from, valid_until),
        headers=h.officer("kouvola"),
    )
    if not refused:
        assert response.status_code == 201, response.text
        assert (response.json()["valid_from"], response.json()["valid_until"]) == (valid_from, valid_until)
        return
    assert response.status_code == 422, response.text
    assert {e["field"] for e in response.json()["errors"]} == refused
    listed = await h.http.get("/v1/tenants/kouvola/vouchers", headers=h.officer("kouvola"))
    assert listed.json()["total"] == 0  # nothing granted


async def test_days_are_granted_whole_hours_and_euro_balances_in_fractions(h: Harness) -> None:
    """Care is recorded in whole days, so 30.5 days a month (a typo of 30 or 31) grants a limit no month of
    whole days meets as written: refused (422, the content's amount named) and nothing granted. Hours and a
    euro balance keep their decimals."""
    client = await new_client(h)
    body = _body(client["id"], "2016-03-01", "2016-03-01", "2016-12-31")
    half_day = {**body, "contents": [{**body["contents"][0], "granted_amount": "30.5"}]}
    refused = await h.http.post("/v1/tenants/kouvola/vouchers", json=half_day, headers=h.officer("kouvola"))
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["contents.0.granted_amount"]
    assert (await h.http.get("/v1/tenants/kouvola/vouchers", headers=h.officer("kouvola"))).json()["total"] == 0
    hours = {**body, "contents": [{"content_id": "siivous", "granted_amount": "7.5", "period": "week",
                                   "voucher_value": "30.00"}]}
    assert (await h.http.post("/v1/tenants/kouvola/vouchers", json=hours, headers=h.officer("kouvola"))
            ).status_code == 201
    euros = {**body, "contents": [{**body["contents"][0], "granted_amount": "1500.50", "period": "balance"}]}
    assert (await h.http.post("/v1/tenants/kouvola/vouchers", json=euros, headers=h.officer("kouvola"))
            ).status_code == 201
