"""Payments across runs: a provider's main user lists only the company's own payments and downloads their
specifications; tenant staff list all of their tenant's; other tenants' staff get 404."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from seteli_common.auth import Role

from .conftest import BILLING2, P1, P2, T
from .test_outputs import pdf_text

P3 = "p-hoivakoti"
URL = f"/v1/tenants/{T}/payments"


async def _two_months_paid(h: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    await h.seed()
    await h.event("e-1", "2016-02-01", "2016-02-10")  # P1 900.00
    await h.event("e-2", "2016-02-01", "2016-02-02", provider_id=P2)  # P2 180.00
    february = await h.run("2016-02")
    h.clock.set(datetime(2016, 4, 4, 3, 0, tzinfo=UTC))
    await h.event("e-3", "2016-03-01", "2016-03-05")  # P1 450.00
    march = await h.run("2016-03")
    return february, march


def _rows(body: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(p["month"], p["provider_id"], p["amount"], p["payee_name"]) for p in body["items"]]


async def test_a_provider_lists_only_its_own_payments_newest_first(harness: Any) -> None:
    h = harness
    february, march = await _two_months_paid(h)
    own = h.token_for(Role.PROVIDER_ADMIN, provider_id=P1)
    body = (await h.client.get(URL, headers=own)).json()
    assert body["total"] == 2
    assert _rows(body) == [
        ("2016-03", P1, "450.00", "Hoivakoti Päivänsäde Oy"),
        ("2016-02", P1, "900.00", "Hoivakoti Päivänsäde Oy"),
    ]
    first = body["items"][0]
    assert first["run_id"] == march["id"] and first["state"] == "completed" and first["reference"] == "1234561"
    pdf = await h.client.get(first["specification_url"], headers=own)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    # saved under the name the portal gives it, whoever downloads it (the tenant's staff too)
    named = f'attachment; filename="specification-{first["payment_id"]}.pdf"'
    assert pdf.headers["content-disposition"].startswith(named + ";")
    by_staff = await h.client.get(first["specification_url"], headers=h.admin)
    assert by_staff.headers["content-disposition"] == pdf.headers["content-disposition"]
    assert "Maksuerittely maaliskuu 2016" in pdf_text(pdf.content) and "450,00 €" in pdf_text(pdf.content)
    # asking for another provider's payments gives nothing, not theirs
    assert (await h.client.get(URL, params={"provider_id": P2}, headers=own)).json() == {"items": [], "total": 0}
    # pages
    second = (await h.client.get(URL, params={"limit": 1, "offset": 1}, headers=own)).json()
    assert second["total"] == 2 and [p["run_id"] for p in second["items"]] == [february["id"]]


async def test_other_providers_see_none_of_them_and_provider_users_are_refused(harness: Any) -> None:
    h = harness
    await _two_months_paid(h)
    stranger = h.token_for(Role.PROVIDER_ADMIN, provider_id="p-muu")
    assert (await h.client.get(URL, headers=stranger)).json() == {"items": [], "total": 0}
    p2 = (await h.client.get(URL, headers=h.token_for(Role.PROVIDER_ADMIN, provider_id=P2))).json()
    assert _rows(p2) == [("2016-02", P2, "180.00", "Kotiapu Ab")]
    user = h.token_for(Role.PROVIDER_USER, provider_id=P1)
    assert (await h.client.get(URL, headers=user)).status_code == 403


async def test_tenant_staff_list_all_and_filter_by_provider_other_tenants_get_404(harness: Any) -> None:
    h = harness
    await _two_months_paid(h)
    officer = h.token_for(Role.TENANT_OFFICER, tenant_id=T)
    body = (await h.client.get(URL, headers=officer)).json()
    assert body["total"] == 3
    assert [(p["month"], p["provider_id"], p["amount"]) for p in body["items"]] == [
        ("2016-03", P1, "450.00"),
        ("2016-02", P1, "900.00"),  # within a run by payee name
        ("2016-02", P2, "180.00"),
    ]
    only_p2 = (await h.client.get(URL, params={"provider_id": P2}, headers=officer)).json()
    assert _rows(only_p2) == [("2016-02", P2, "180.00", "Kotiapu Ab")]
    lahti = h.token_for(Role.TENANT_ADMIN, tenant_id="lahti")
    assert (await h.client.get(URL, headers=lahti)).status_code == 404
    # a provider with no payments in this tenant (yet) gets an empty page, not an error
    assert (await h.client.get(URL.replace(T, "lahti"), headers=h.token_for(
        Role.PROVIDER_ADMIN, provider_id=P1))).json() == {"items": [], "total": 0}


async def test_the_payees_own_main_user_downloads_the_specification_with_typographic_names(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.publish(
        "registry.provider.registered",
        {
            "provider_id": P3,
            "business_id": "1234560-4",
            "name": "Hoiva – Koti “Aurinko” O’Neill Oy",
            "language": "fi",
            "email": "info@hoivakoti.fi",
            "billing": {**BILLING2, "reference": "1234561", "email": "talous@hoivakoti.fi"},
            "sites": [
                {"site_id": "s-3", "name": "Aurinko", "notification_email": "info@hoivakoti.fi", "billing": None}
            ],
        },
        tenant_id=None,
    )
    h.clock.set(datetime(2017, 1, 4, 3, 0, tzinfo=UTC))
    await h.event("e-1", "2016-12-10", "2016-12-12", provider_id=P3)  # a date range too wide for its cell
    await h.event("e-2", "2016-12-01", "2016-12-02", provider_id=P2)
    run = await h.run("2016-12")
    own = h.token_for(Role.PROVIDER_ADMIN, provider_id=P3)
    [item] = (await h.client.get(URL, headers=own)).json()["items"]
    assert item["amount"] == "270.00" and item["payee_name"] == "Hoiva – Koti “Aurinko” O’Neill Oy"
    response = await h.client.get(item["specification_url"], headers=own)
    assert response.status_code == 200, response.text
    text = pdf_text(response.content)
    assert "Hoiva – Koti “Aurinko” O’Neill Oy" in text and re.search(r"10\.12\.2016– ?12\.12\.2016", text)
    # P2's own main user gets P2's specification; P3's main user does not
    p2_payment = next(p for p in run["payments"] if p["provider_id"] == P2)
    path = f"/v1/tenants/{T}/runs/{run['id']}/payments/{p2_payment['payment_id']}/specification.pdf"
    assert (await h.client.get(path, headers=h.token_for(Role.PROVIDER_ADMIN, provider_id=P2))).status_code == 200
    assert (await h.client.get(path, headers=own)).status_code == 404


async def test_a_providers_main_user_reads_only_its_own_realisation_report(harness: Any) -> None:
    """Issue 20 (provider journey 7): the company's own realisation report; another company's rows never, a
    provider user not at all, and asking for another company's rows gives nothing."""
    h = harness
    await _two_months_paid(h)
    report = f"/v1/tenants/{T}/reports/realisation"
    months = {"from": "2016-02", "to": "2016-03"}
    own = h.token_for(Role.PROVIDER_ADMIN, provider_id=P1)
    body = (await h.client.get(report, params=months, headers=own)).json()
    assert {i["provider_id"] for i in body["items"]} == {P1} and body["total"] == len(body["items"]) >= 1
    assert sum(float(i["amount_settled"]) for i in body["items"]) == 1350.00  # 900.00 + 450.00, not P2's 180.00
    other = await h.client.get(report, params={**months, "provider_id": P2}, headers=own)
    assert other.json() == {"items": [], "total": 0}
    csv = await h.client.get(report, params={**months, "format": "csv"}, headers=own)
    assert csv.status_code == 200 and P2 not in csv.text and P1 in csv.text
    p2 = (await h.client.get(report, params=months, headers=h.token_for(Role.PROVIDER_ADMIN, provider_id=P2))).json()
    assert {i["provider_id"] for i in p2["items"]} == {P2}
    user = h.token_for(Role.PROVIDER_USER, provider_id=P1)
    assert (await h.client.get(report, params=months, headers=user)).status_code == 403
    staff = (await h.client.get(report, params=months, headers=h.token_for(Role.TENANT_OFFICER, tenant_id=T))).json()
    assert {i["provider_id"] for i in staff["items"]} == {P1, P2}


async def test_payments_of_the_asked_months_only_and_a_malformed_month_refused(harness: Any) -> None:
    """The provider's credits page asks only for the runs of the months its page shows."""
    h = harness
    february, march = await _two_months_paid(h)
    own = h.token_for(Role.PROVIDER_ADMIN, provider_id=P1)
    body = (await h.client.get(URL, params={"month": "2016-02"}, headers=own)).json()
    assert body["total"] == 1 and [p["run_id"] for p in body["items"]] == [february["id"]]
    both = (await h.client.get(URL, params=[("month", "2016-02"), ("month", "2016-03")], headers=own)).json()
    assert both["total"] == 2
    assert (await h.client.get(URL, params={"month": "2016-01"}, headers=own)).json() == {"items": [], "total": 0}
    refused = await h.client.get(URL, params={"month": "2016-13"}, headers=own)
    assert refused.status_code == 422 and "month" in refused.text
