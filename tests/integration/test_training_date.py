"""A settable date for training and replays (`seteli up --today`): the whole suite, portal included,
lives on that day; a trainer moves it on by starting again with a later date, and the data stays."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from seteli_common.clock import Month, today_in_helsinki
from seteli_common.config import ServiceSettings
from seteli_portal.config import PortalSettings

from seteli.demo import walking_skeleton
from seteli.embedded import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, build_suite
from seteli.services import SERVICES

BASE = {name: f"http://suite/{name}" for name in SERVICES}


async def _on(data_dir: Path, today: date, steps: Any) -> Any:
    suite = build_suite(data_dir, today=today)
    async with suite.app.router.lifespan_context(suite.app):
        transport = httpx.ASGITransport(app=suite.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://suite", timeout=30) as client:
            return await steps(client)


async def _dry_run(client: httpx.AsyncClient, result: Any, month: str) -> httpx.Response:
    login = await client.post("/registry/v1/auth/token", json={"email": result.tenant_admin_email,
                                                               "password": result.tenant_admin_password})
    assert login.status_code == 200, login.text
    return await client.post(f"/settlement/v1/tenants/{result.tenant_id}/runs", json={"month": month, "dry_run": True},
                             headers={"authorization": f"Bearer {login.json()['access_token']}"})


async def test_a_month_of_2025_is_settled_on_a_training_date_and_the_date_moves_on(tmp_path: Path) -> None:
    # On 4 March 2025 February has ended: a voucher for February, a month of care, settled and paid.
    result = await _on(tmp_path, date(2025, 3, 4), lambda client: walking_skeleton(
        client, BASE, admin_email=DEMO_ADMIN_EMAIL, admin_password=DEMO_ADMIN_PASSWORD,
        month=Month(2025, 2), seed=7))
    assert result.payment_amount == Decimal("140.00") * 28

    # Still in March, March can be previewed but not locked: the month has not ended.
    early = (await _on(tmp_path, date(2025, 3, 20), lambda client: _dry_run(client, result, "2025-03"))).json()
    assert early["calendar"]["today"] == "2025-03-20"
    assert early["lock"]["allowed"] is False and early["lock"]["refusal"] == "month_not_ended"

    # Started again on 3 April: the data is there, and March can now be locked.
    later = await _on(tmp_path, date(2025, 4, 3), lambda client: _dry_run(client, result, "2025-03"))
    assert later.status_code == 200, later.text
    assert later.json()["calendar"]["today"] == "2025-04-03" and later.json()["lock"]["allowed"] is True

    # Two months on, the demo users still sign in with their passwords: the 30-day expiry counts real days, not
    # the trainer's moves of the date.
    may = await _on(tmp_path, date(2025, 5, 6), lambda client: _dry_run(client, result, "2025-04"))
    assert may.status_code == 200, may.text


async def test_the_portal_lives_on_the_training_date_too(tmp_path: Path) -> None:
    async def settlement_page(client: httpx.AsyncClient) -> str:
        result = await walking_skeleton(client, BASE, admin_email=DEMO_ADMIN_EMAIL,
                                        admin_password=DEMO_ADMIN_PASSWORD, month=Month(2025, 2), seed=8)
        form = await client.get("/portal/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf, form.text[:500]
        signed_in = await client.post("/portal/login", data={
            "csrf": csrf.group(1), "email": result.tenant_admin_email, "password": result.tenant_admin_password,
            "next": "/"})
        assert signed_in.status_code == 303, signed_in.text[:500]
        return (await client.get("/portal/officer/settlement")).text

    page = await _on(tmp_path, date(2025, 3, 4), settlement_page)
    # the month offered for settlement is the one before the training date's, not the real one's
    assert re.search(r'name="month"[^>]*value="2025-02"', page), page[:3000]


def test_a_training_date_is_refused_in_production() -> None:
    with pytest.raises(ValueError, match="refused with real adapters"):
        ServiceSettings(today=date(2025, 3, 4), adapters="real")
    with pytest.raises(ValueError, match="refused with real adapters"):
        PortalSettings(today=date(2025, 3, 4), adapters="real")
    assert ServiceSettings(today=date(2025, 3, 4), adapters="fake").today == date(2025, 3, 4)


def test_each_service_takes_its_training_date_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from seteli.services import settings

    monkeypatch.setenv("EVENTS_TODAY", "2025-03-04")
    monkeypatch.setenv("EVENTS_ADAPTERS", "fake")
    clock = settings("events").clock()
    assert today_in_helsinki(clock) == date(2025, 3, 4)
