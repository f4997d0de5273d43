"""Issue 16, finding 6: billing information no payment file can carry never blocks the month's payment.

The preview lists every payee that cannot be paid and why; at lock such a payee is carried over with its
reason, the others are paid, and the locked run's payment file is written. Once the billing information is
corrected, the amount is paid in the next run.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lxml import etree

T = "kouvola"
P1, P2 = "p-paivansade", "p-kotiapu"
GOOD = {"iban": "FI2112345600000785", "bic": "NDEAFIHH", "reference": "1234561", "email": "l@p.fi",
        "pdf_by_email": False}
P2_IBAN = "FI5810171000000122"  # conftest BILLING2


async def transfers(h: Any, run: dict[str, Any]) -> list[tuple[str | None, str | None]]:
    response = await h.client.get(f"/v1/tenants/{T}/runs/{run['id']}/payment-file", headers=h.admin)
    assert response.status_code == 200, response.text
    root = etree.fromstring(response.content)
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
    return sorted(
        (tx.findtext(".//p:CdtrAcct/p:Id/p:IBAN", namespaces=ns), tx.findtext(".//p:InstdAmt", namespaces=ns))
        for tx in root.findall(".//p:CdtTrfTxInf", namespaces=ns)
    )


async def test_a_wrong_reference_is_carried_over_and_the_others_payment_file_is_written(harness: Any) -> None:
    h = harness
    # Billing entered before the registry checked references: the check digit is wrong (…1 is right).
    await h.seed(p1_billing={**GOOD, "reference": "1234562"})
    await h.event("e-1", "2016-03-01", "2016-03-10")  # P1: 900.00
    await h.event("e-2", "2016-03-01", "2016-03-02", provider_id=P2)  # P2: 180.00
    h.clock.set(datetime(2016, 4, 4, 7, 0, tzinfo=UTC))
    preview = await h.run("2016-03", dry_run=True)
    assert h.payees(preview) == {f"{P2}/-": "180.00"}
    assert [(c["provider_id"], c["amount"], c["reason"]) for c in preview["carried_over"]] == [
        (P1, "900.00", "invalid_reference")
    ]
    assert "reference" in preview["carried_over"][0]["reason_text"]

    march = await h.run("2016-03")
    assert h.payees(march) == {f"{P2}/-": "180.00"}
    assert [(c["provider_id"], c["reason"]) for c in march["carried_over"]] == [(P1, "invalid_reference")]
    assert await transfers(h, march) == [(P2_IBAN, "180.00")]  # the file is written; P1 is not in it

    await h.publish("registry.provider.billing_changed", {"provider_id": P1, "site_id": None, "billing": GOOD},
                    tenant_id=None)
    april = await h.run("2016-04")
    assert h.payees(april) == {f"{P1}/-": "900.00"}
    assert await transfers(h, april) == [(GOOD["iban"], "900.00")]


async def test_every_unpayable_payee_is_listed_with_its_reason(harness: Any) -> None:
    h = harness
    await h.seed(
        p1_billing={**GOOD, "iban": "FI2112345600000786"},  # wrong IBAN check digits
        sites=[
            {"site_id": "s-1", "name": "Päivänsäde", "notification_email": "k@p.fi", "billing": None},
            {"site_id": "s-kuusela", "name": "Kuusela", "notification_email": "k@p.fi",
             "billing": {**GOOD, "bic": "NDEAFI"}},  # a BIC too short
            {"site_id": "s-koivula", "name": "Koivula", "notification_email": "k@p.fi",
             "billing": {**GOOD, "reference": "RF351234561"}},  # RF check digits wrong
        ],
    )
    await h.event("e-1", "2016-03-01", "2016-03-01")
    await h.event("e-2", "2016-03-02", "2016-03-02", producer_part="site:s-kuusela")
    await h.event("e-3", "2016-03-03", "2016-03-03", producer_part="site:s-koivula")
    await h.event("e-4", "2016-03-04", "2016-03-04", provider_id=P2)
    run = await h.run("2016-03")
    assert sorted((c["site_id"] or "-", c["reason"]) for c in run["carried_over"]) == [
        ("-", "invalid_iban"), ("s-koivula", "invalid_reference"), ("s-kuusela", "invalid_bic")
    ]
    assert await transfers(h, run) == [(P2_IBAN, "90.00")]


async def test_a_payee_name_xml_cannot_carry_is_carried_over_and_the_others_payment_file_is_written(
    harness: Any,
) -> None:
    h = harness
    await h.seed()
    # A company name pasted from a file read in the wrong byte order: U+FFFE is no XML character at all.
    await h.publish("registry.provider.registered", {
        "provider_id": P1, "business_id": "7019376-8", "name": "Hoivakoti \ufffePäivänsäde Oy", "language": "fi",
        "email": "info@paivansade.fi", "billing": GOOD, "sites": []}, tenant_id=None)
    await h.event("e-1", "2016-03-01", "2016-03-10")  # P1: 900.00
    await h.event("e-2", "2016-03-01", "2016-03-02", provider_id=P2)  # P2: 180.00
    march = await h.run("2016-03")
    assert h.payees(march) == {f"{P2}/-": "180.00"}
    assert [(c["provider_id"], c["reason"]) for c in march["carried_over"]] == [(P1, "invalid_payee_name")]
    assert await transfers(h, march) == [(P2_IBAN, "180.00")]  # the file is written; P1 is not in it
