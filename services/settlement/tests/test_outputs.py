"""Preview (dry run), lock-and-send on the transfer day, and the provider's specification PDF."""

from __future__ import annotations

import asyncio
import base64
import re
import zlib
from datetime import UTC, datetime
from typing import Any

import pytest
from seteli_common.auth import Role
from seteli_common.validators import contains_identity_code
from seteli_settlement.models import previews
from seteli_settlement.worker import SettlementWorker, run_due, work_run
from sqlalchemy import select, update

T = "kouvola"
P1, P2 = "p-paivansade", "p-kotiapu"
# What the vouchers service knows about these clients; none of it may reach a specification.
CLIENTS = {"A-1001": ("Matti Meikäläinen", "010180-9026"), "A-1002": ("Maija Möttönen", "131052+9081")}


def pdf_text(pdf: bytes) -> str:
    """The text drawn on the pages (fpdf2 core fonts: cp1252 literal strings in Flate streams)."""
    shown = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            stream = zlib.decompress(stream)
        except zlib.error:
            pass
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", stream, re.S):
            shown.append(re.sub(rb"\\(.)", rb"\1", literal).decode("cp1252"))
    return " ".join(" ".join(shown).replace("\u00a0", " ").split())


async def test_preview_changes_nothing_and_shows_what_changed_since_the_last_one(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10")
    first = await h.run("2016-03", dry_run=True)
    assert first["id"] is None and first["state"] == "preview" and first["total"] == "900.00"
    assert first["changes"]["first_preview"] is True
    assert first["calendar"]["transfer_date"] == "2016-04-04"
    assert [ln["event_id"] for ln in first["payments"][0]["lines"]] == ["e-1"]
    await h.event("e-2", "2016-03-11", "2016-03-12", provider_id=P2)
    await h.event("e-1", "2016-03-01", "2016-03-09", revision=2, corrected=True)
    second = await h.run("2016-03", dry_run=True)
    assert second["total"] == "990.00"
    changes = second["changes"]
    assert [(c["provider_id"], c["before"], c["after"], c["difference"]) for c in changes["payees"]] == [
        (P2, "0.00", "180.00", "180.00"),
        (P1, "900.00", "810.00", "-90.00"),
    ]
    assert [ln["event_id"] for ln in changes["removed_lines"]] == ["e-1"]
    assert sorted(ln["event_id"] for ln in changes["added_lines"]) == ["e-1", "e-2"]
    # Nothing was paid, no run exists, nothing was published.
    assert (await h.client.get(f"/v1/tenants/{T}/runs", headers=h.admin)).json()["total"] == 0
    assert await h.published("settlement.payment.computed") == []
    run = await h.run("2016-03")
    assert h.payees(run) == {f"{P1}/-": "810.00", f"{P2}/-": "180.00"}


@pytest.mark.parametrize("shape", ["lines", "line_columns"])
async def test_a_preview_stored_before_an_upgrade_still_shows_what_changed_since(harness: Any, shape: str) -> None:
    # The snapshot a preview keeps changed shape (its line ids and each producer part's payee, perf-preview); one
    # kept by the versions before (an object a line keyed by line id, then its lines column by column) is what the
    # first preview after an upgrade compares with.
    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10")
    await h.event("e-3", "2016-03-15", "2016-03-16")
    shown = await h.run("2016-03", dry_run=True)
    lines = [(f"{p['provider_id']}/{p['site_id'] or '-'}", ln) for p in shown["payments"] for ln in p["lines"]]
    async with h.runtime.db.transaction(tenant_id=T) as session:
        kept = (await session.execute(select(previews.c.snapshot))).scalar_one()
        assert sorted(kept["line_ids"]) == sorted(ln["line_id"] for _, ln in lines)
        old_shape: dict[str, Any] = {"payees": kept["payees"], "accounts": kept["accounts"]}
        if shape == "lines":
            old_shape["lines"] = {str(ln["line_id"]): {"payee": payee, "amount": ln["amount"],
                                                       **{f: ln[f] for f in ("event_id", "source_id", "kind")}}
                                  for payee, ln in lines}
        else:
            amounts = sorted({ln["amount"] for _, ln in lines})
            old_shape |= {"payee_keys": kept["payee_keys"], "amounts": amounts, "line_columns": {
                "id": [ln["line_id"] for _, ln in lines],
                "payee": [kept["payee_keys"].index(payee) for payee, _ in lines],
                "amount": [amounts.index(ln["amount"]) for _, ln in lines],
                **{f: [ln[f] for _, ln in lines] for f in ("event_id", "source_id", "kind")}}}
        await session.execute(update(previews).values(snapshot=old_shape))
    await h.event("e-2", "2016-03-11", "2016-03-12", provider_id=P2)
    await h.event("e-1", "2016-03-01", "2016-03-09", revision=2, corrected=True)
    changes = (await h.run("2016-03", dry_run=True))["changes"]
    assert [(c["provider_id"], c["before"], c["after"]) for c in changes["payees"]] == [
        (P2, "0.00", "180.00"), (P1, "1080.00", "990.00")]
    assert [(ln["event_id"], ln["amount"], ln["payee"]) for ln in changes["removed_lines"]] == [
        ("e-1", "900.00", f"{P1}/-")]
    assert sorted((ln["event_id"], ln["amount"]) for ln in changes["added_lines"]) == [
        ("e-1", "810.00"), ("e-2", "180.00")]
    # and the next preview, compared with one of the new shape, shows nothing changed
    again = (await h.run("2016-03", dry_run=True))["changes"]
    assert again["payees"] == again["added_lines"] == again["removed_lines"] == []


async def test_concurrent_previews_of_a_month_all_answer(harness: Any) -> None:
    """Found by the load test (issue #10): two previews at once both inserted the month's last preview, and
    the second failed on the primary key as a 500."""
    await harness.seed()
    await harness.event("e-1", "2016-03-01", "2016-03-10")
    previews = await asyncio.gather(*(harness.run("2016-03", dry_run=True) for _ in range(8)))
    assert {p["total"] for p in previews} == {"900.00"}


async def test_a_month_outside_the_years_settled_is_invalid_input(harness: Any) -> None:
    """Found by schemathesis (issue #10): month 0000-01 matched the pattern and failed in Month() as a 500."""
    for month in ("0000-01", "9999-12"):
        problem = await harness.run(month, dry_run=True, expect=422)
        assert problem["errors"][0]["field"] == "month"
    report = await harness.client.get(f"/v1/tenants/{T}/reports/realisation",
                                      params={"from": "0000-01", "to": "2016-03"}, headers=harness.admin)
    assert report.status_code == 422


async def test_the_run_is_locked_and_sent_on_the_transfer_day(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10")
    platform = h.token_for(Role.PLATFORM_ADMIN)
    url = "/v1/settlement/scheduler/run-due"
    h.clock.set(datetime(2016, 4, 3, 8, 0, tzinfo=UTC))  # the approval deadline: not yet
    assert (await h.client.post(url, headers=platform)).json() == {"started": []}
    h.clock.set(datetime(2016, 4, 4, 3, 0, tzinfo=UTC))  # the 4th, 06:00 in Helsinki
    deps = h.runtime.extras["deps"]
    racing = await asyncio.gather(run_due(deps), run_due(deps))  # two worker processes' schedulers
    run_ids = {s["run_id"] for started in racing for s in started}
    assert len(run_ids) == 1
    assert (await h.client.post(url, headers=platform)).json() == {"started": []}  # once per month
    run_id = run_ids.pop()
    await work_run(deps, run_id, wait_seconds=10)
    run = (await h.client.get(f"/v1/tenants/{T}/runs/{run_id}", headers=h.admin)).json()
    assert (run["month"], run["trigger"], run["state"], run["total"]) == ("2016-03", "scheduled", "completed", "900.00")
    listing = (await h.client.get(f"/v1/tenants/{T}/runs", headers=h.admin)).json()
    assert listing["total"] == 1
    assert (await h.client.post(url, headers=h.admin)).status_code == 403


async def test_specification_pdf_identifies_clients_only_by_their_number(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10")
    await h.event("e-2", "2016-03-01", "2016-03-31", client_ref="A-1002")
    await h.event("e-3", "2016-03-01", "2016-03-02", provider_id=P2)  # P2 did not opt in to the PDF
    run = await h.run("2016-03")
    # Specifications are rendered after the payments, by whichever worker is free: this one, or the
    # API's own background worker, which may hold the job (and this one skips it) until it commits.
    ready: list[dict[str, Any]] = []
    for _ in range(100):
        await SettlementWorker(h.runtime.extras["deps"]).run_until_idle()
        ready = await h.published("settlement.specification.ready")
        if ready:
            break
        await asyncio.sleep(0.1)
    assert [(r["provider_id"], r["language"], r["email"], r["month"]) for r in ready] == [
        (P1, "fi", "laskutus@paivansade.fi", "2016-03")
    ]
    text = pdf_text(base64.b64decode(ready[0]["pdf_base64"]))
    assert "A-1001" in text and "A-1002" in text and "Hoito ja hoiva" in text
    assert "3 690,00 €" in text
    # whom the PDF names, for their access logs when the mail goes out (notifications logs it then)
    assert ready[0]["clients"] == [{"provider_id": P1, "client_ref": "A-1001"},
                                   {"provider_id": P1, "client_ref": "A-1002"}]
    for name, identity_code in CLIENTS.values():
        assert name not in text and identity_code not in text
    assert not contains_identity_code(text)
    payment = next(p for p in run["payments"] if p["provider_id"] == P2)
    response = await h.client.get(
        f"/v1/tenants/{T}/runs/{run['id']}/payments/{payment['payment_id']}/specification.pdf",
        headers=h.admin,
    )
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Betalningsspecifikation" in text and "180,00 €" in text  # P2 reads Swedish
    other = h.token_for(Role.PROVIDER_ADMIN, provider_id=P1)
    response = await h.client.get(
        f"/v1/tenants/{T}/runs/{run['id']}/payments/{payment['payment_id']}/specification.pdf", headers=other
    )
    assert response.status_code == 404


async def test_specification_read_from_postgresql_prints_as_its_decimals(harness: Any) -> None:
    """The specification's lines are read with their numbers as text (one Decimal per distinct value): the PDF is
    byte for byte the one the same lines make as Decimals, scales included (2.25 days at 45.555 €)."""
    from decimal import Decimal

    from seteli_common.clock import Month
    from seteli_settlement import repository as repo
    from seteli_settlement.domain import documents

    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10")
    await h.event("e-2", "2016-03-02", "2016-03-02", client_ref="A-1002", units="2.25", price="45.555",
                  share="40.50")
    await h.event("e-3", "2016-03-03", "2016-03-03", client_ref="A-1003", units="2.25", price="45.555",
                  share="40.50")
    run = await h.run("2016-03")
    payment = next(p for p in run["payments"] if p["provider_id"] == P1)
    async with h.runtime.db.transaction(tenant_id=T) as session:
        lines = await repo.specification_lines_of(session, T, run["id"], int(payment["payment_id"]))
        row = await repo.get_payment(session, T, run["id"], int(payment["payment_id"]))
        tenant = await repo.get_tenant(session, T)
        provider = await repo.get_provider(session, P1)
        services = await repo.tenant_services(session, T)
    assert row is not None and len(lines) == 3
    as_decimals = [
        {**dict(line), **{name: Decimal(line[name]) for name in ("units", "unit_price", "amount", "co_payment")}}
        for line in lines
    ]
    created = datetime(2016, 4, 3, 8, 0, tzinfo=UTC)
    month = Month.parse("2016-03")
    read = documents.specification_pdf(tenant, provider, row, lines, services, month, created)
    assert read is not None
    assert read == documents.specification_pdf(tenant, provider, row, as_decimals, services, month, created)
    text = pdf_text(read)
    assert "A-1002 Hoito ja hoiva 2.3.2016 2,25 vrk 45,56 € 91,13 € 11,37 €" in text.replace("\u00a0", " ")
