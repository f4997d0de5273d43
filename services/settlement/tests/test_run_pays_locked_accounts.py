"""A locked run pays each payee to the account the officer confirmed: the IBAN, BIC, reference and payee name as
they stood when the run started, not as they stand when a worker gets to the payee's job. An account changed in
between (by the provider's user, or by whoever holds a stolen session) is paid from the next run on; the payment,
the payment file, the specification and the provider's payments page all show the account actually paid."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from lxml import etree
from seteli_common.auth import Role
from seteli_settlement.worker import SettlementWorker

from .conftest import BILLING, P1, T
from .test_specification import flat_text

NEW_COMPANY = {"iban": "FI5810171000000122", "bic": "NDEAFIHH", "reference": "RF341234561",
               "email": "uusi@paivansade.fi", "pdf_by_email": True}
SITE_OLD = {"iban": "FI5810171000000122", "bic": "NDEAFIHH", "reference": "RF341234561",
            "email": "koti@paivansade.fi", "pdf_by_email": True}
SITE_NEW = {"iban": "FI4950009420028730", "bic": "OKOYFIHH", "reference": "1232",
            "email": "koti@paivansade.fi", "pdf_by_email": True}
SITE = {"site_id": "s-1", "name": "Päivänsäde", "notification_email": "koti@paivansade.fi", "billing": SITE_OLD}
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


async def lock_confirmed(h: Any, month: str) -> dict[str, Any]:
    """Preview, then lock with the preview's digest: the run starts, its jobs wait for a worker."""
    h.month_ended(month)
    digest = (await h.run(month, dry_run=True))["preview_digest"]
    answer = await h.client.post(f"/v1/tenants/{T}/runs", json={"month": month, "preview_digest": digest},
                                 headers=h.admin)
    assert answer.status_code == 201, answer.text
    run: dict[str, Any] = answer.json()
    assert run["state"] == "running" and run["payments"] == []
    return run


async def worked(h: Any, run: dict[str, Any]) -> dict[str, Any]:
    assert await SettlementWorker(h.runtime.extras["deps"]).run_until_idle() >= 1
    done: dict[str, Any] = (await h.client.get(f"/v1/tenants/{T}/runs/{run['id']}", headers=h.admin)).json()
    assert done["state"] == "completed", done
    return done


async def transfers(h: Any, run: dict[str, Any]) -> list[tuple[str | None, ...]]:
    """(creditor name, IBAN, BIC, reference, amount) of every credit transfer in the run's payment file."""
    response = await h.client.get(f"/v1/tenants/{T}/runs/{run['id']}/payment-file", headers=h.admin)
    assert response.status_code == 200, response.text
    root = etree.fromstring(response.content)
    return [(tx.findtext("p:Cdtr/p:Nm", namespaces=NS), tx.findtext(".//p:CdtrAcct/p:Id/p:IBAN", namespaces=NS),
             tx.findtext(".//p:CdtrAgt//p:BIC", namespaces=NS), tx.findtext(".//p:RmtInf//p:Ref", namespaces=NS),
             tx.findtext(".//p:InstdAmt", namespaces=NS))
            for tx in root.findall(".//p:CdtTrfTxInf", namespaces=NS)]


async def specification_text(h: Any, run: dict[str, Any]) -> str:
    payment = run["payments"][0]
    pdf = await h.client.get(
        f"/v1/tenants/{T}/runs/{run['id']}/payments/{payment['payment_id']}/specification.pdf", headers=h.admin)
    assert pdf.status_code == 200, pdf.text
    return flat_text(pdf.content).replace("\u00a0", "").replace(" ", "")


async def provider_page(h: Any, run: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    own = h.token_for(Role.PROVIDER_ADMIN, provider_id=P1)
    page = (await h.client.get(f"/v1/tenants/{T}/payments", headers=own)).json()
    return [(p["payee_name"], p["reference"], p["amount"]) for p in page["items"] if p["run_id"] == run["id"]]


@pytest.mark.parametrize("sqlite", [True, False], ids=["sqlite", "postgres"])
async def test_a_company_account_changed_after_the_lock_is_paid_from_the_next_run(
    harness_factory: Any, sqlite: bool
) -> None:
    async with harness_factory(sqlite=sqlite, inline_jobs=False) as h:
        await h.seed()
        await h.event("e-1", "2016-03-01", "2016-03-10")  # 900.00 to Päivänsäde's account
        march = await lock_confirmed(h, "2016-03")

        # Between the lock's answer and the worker's pass: a new account, and a new name, for the company.
        await h.publish("registry.provider.billing_changed", {"provider_id": P1, "site_id": None,
                                                              "billing": NEW_COMPANY}, tenant_id=None)
        await h.publish("registry.provider.renamed", {"provider_id": P1, "name": "Päivänsäde Hoiva Oy"},
                        tenant_id=None)
        march = await worked(h, march)

        confirmed = ("Hoivakoti Päivänsäde Oy", BILLING["iban"], "900.00")
        assert [(p["payee_name"], p["iban"], p["amount"]) for p in march["payments"]] == [confirmed]
        assert await transfers(h, march) == [
            ("Hoivakoti Päivänsäde Oy", BILLING["iban"], BILLING["bic"], BILLING["reference"], "900.00")]
        text = await specification_text(h, march)
        assert BILLING["iban"] in text and NEW_COMPANY["iban"] not in text
        assert await provider_page(h, march) == [("Hoivakoti Päivänsäde Oy", BILLING["reference"], "900.00")]

        # The next month's run pays the account (and name) the provider has now.
        h.clock.set(datetime(2016, 5, 3, 7, 0, tzinfo=UTC))
        await h.event("e-2", "2016-04-01", "2016-04-02")  # 180.00
        april = await worked(h, await lock_confirmed(h, "2016-04"))
        assert [(p["payee_name"], p["iban"], p["amount"]) for p in april["payments"]] == [
            ("Päivänsäde Hoiva Oy", NEW_COMPANY["iban"], "180.00")]
        assert await transfers(h, april) == [
            ("Päivänsäde Hoiva Oy", NEW_COMPANY["iban"], NEW_COMPANY["bic"], NEW_COMPANY["reference"], "180.00")]
        assert NEW_COMPANY["iban"] in await specification_text(h, april)


@pytest.mark.parametrize("sqlite", [True, False], ids=["sqlite", "postgres"])
async def test_a_site_account_changed_after_the_lock_is_paid_from_the_next_run(
    harness_factory: Any, sqlite: bool
) -> None:
    async with harness_factory(sqlite=sqlite, inline_jobs=False) as h:
        await h.seed(sites=[SITE])
        await h.event("e-1", "2016-03-01", "2016-03-10", producer_part="site:s-1")  # 900.00 to the site's account
        march = await lock_confirmed(h, "2016-03")

        await h.publish("registry.provider.billing_changed", {"provider_id": P1, "site_id": "s-1",
                                                              "billing": SITE_NEW}, tenant_id=None)
        march = await worked(h, march)

        payee = "Hoivakoti Päivänsäde Oy, Päivänsäde"
        assert [(p["site_id"], p["iban"], p["amount"]) for p in march["payments"]] == [
            ("s-1", SITE_OLD["iban"], "900.00")]
        assert await transfers(h, march) == [
            (payee, SITE_OLD["iban"], SITE_OLD["bic"], SITE_OLD["reference"], "900.00")]
        text = await specification_text(h, march)
        assert SITE_OLD["iban"] in text and SITE_NEW["iban"] not in text
        assert await provider_page(h, march) == [(payee, SITE_OLD["reference"], "900.00")]

        h.clock.set(datetime(2016, 5, 3, 7, 0, tzinfo=UTC))
        await h.event("e-2", "2016-04-01", "2016-04-02", producer_part="site:s-1")  # 180.00
        april = await worked(h, await lock_confirmed(h, "2016-04"))
        assert await transfers(h, april) == [
            (payee, SITE_NEW["iban"], SITE_NEW["bic"], SITE_NEW["reference"], "180.00")]
        assert SITE_NEW["iban"] in await specification_text(h, april)
