"""The embedded mode: all six services in one process (SQLite + in-process bus) run the walking
skeleton, keep their data across restarts, and one trace spans HTTP → outbox → bus → consumers."""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal
from pathlib import Path

import httpx
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from seteli_common.clock import Month, SystemClock, today_in_helsinki
from seteli_common.telemetry import setup_tracing

from seteli.demo import walking_skeleton
from seteli.embedded import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, build_suite
from seteli.services import SERVICES


async def run_skeleton(data_dir: Path, month: Month, seed: int) -> tuple[object, httpx.AsyncClient | None]:
    suite = build_suite(data_dir)
    async with suite.app.router.lifespan_context(suite.app):
        transport = httpx.ASGITransport(app=suite.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://suite", timeout=30) as client:
            base = {name: f"http://suite/{name}" for name in SERVICES}
            result = await walking_skeleton(client, base, admin_email=DEMO_ADMIN_EMAIL,
                                            admin_password=DEMO_ADMIN_PASSWORD, month=month, seed=seed)
    return result, None


async def test_walking_skeleton_embedded_pays_and_emails(tmp_path: Path) -> None:
    exporter = InMemorySpanExporter()
    setup_tracing("seteli-test", extra_processor=SimpleSpanProcessor(exporter))
    # vouchers are valid from last month on: the service closes expired ones
    month = Month.of(today_in_helsinki(SystemClock())).prev()
    result, _ = await run_skeleton(tmp_path, month, seed=1)
    days = (month.last - month.first).days + 1
    # every day at 150.00 €, voucher value 140.00 €: the tenant pays 140.00 € a day
    assert result.payment_amount == Decimal("140.00") * days  # type: ignore[attr-defined]
    assert result.email_subject  # type: ignore[attr-defined]
    assert list((tmp_path / "mail").rglob("*.eml")), "embedded mode writes emails as files"

    # One trace from the provider's HTTP call that records the event to the settlement consumer.
    spans = exporter.get_finished_spans()
    record = [s for s in spans if s.kind.name == "SERVER" and "/events" in s.name and "POST" in s.name]
    consumed = [s for s in spans if s.name == "consume events.event.recorded"]
    assert record and consumed
    trace_ids = {s.context.trace_id for s in record}
    assert any(s.context.trace_id in trace_ids for s in consumed)


async def test_a_second_run_finds_its_data_again(tmp_path: Path) -> None:
    first, _ = await run_skeleton(tmp_path, Month.of(today_in_helsinki(SystemClock())).prev(), seed=2)
    suite = build_suite(tmp_path)
    async with suite.app.router.lifespan_context(suite.app):
        transport = httpx.ASGITransport(app=suite.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://suite") as client:
            login = await client.post("/registry/v1/auth/token",
                                      json={"email": DEMO_ADMIN_EMAIL, "password": DEMO_ADMIN_PASSWORD})
            token = login.json()["access_token"]
            tenant = await client.get(f"/registry/v1/tenants/{first.tenant_id}",  # type: ignore[attr-defined]
                                      headers={"authorization": f"Bearer {token}"})
            home = await client.get("/", follow_redirects=True)
    assert tenant.status_code == 200
    assert home.status_code == 200 and "<html lang=\"fi\"" in home.text  # the portal answers at /portal/


async def test_links_in_emails_lead_to_the_portal_of_the_suite(tmp_path: Path) -> None:
    suite = build_suite(tmp_path, portal_url="https://seteli.example.fi/portal")
    async with suite.app.router.lifespan_context(suite.app):
        transport = httpx.ASGITransport(app=suite.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://suite", timeout=30) as client:
            registered = await client.post("/registry/v1/providers", json={
                "business_id": "7019376-8", "name": "Hoivakoti Päivänsäde Oy", "language": "fi",
                "email": "info@paivansade.fi", "main_user": {
                    "email": "paakayttaja@paivansade.fi", "name": "Maija Meikäläinen", "password": "Hyva-salasana-1"}})
            assert registered.status_code == 201, registered.text
            link = None
            for _ in range(100):  # the email leaves through the outbox and the in-process bus
                texts = [eml.read_text(errors="replace") for eml in (tmp_path / "mail").rglob("*.eml")]
                found = [m for text in texts for m in re.findall(r"https?://\S+confirm-registration\?token=\S+", text)]
                if found:
                    link = found[0]
                    break
                await asyncio.sleep(0.1)
            assert link is not None, "no confirmation email"
            assert link.startswith("https://seteli.example.fi/portal/confirm-registration?token=")
            page = await client.get(link.removeprefix("https://seteli.example.fi"))
            assert page.status_code == 200  # the portal of this suite answers the link


async def test_embedded_secrets_are_readable_by_their_owner_only_and_the_cookie_is_secure_over_https(
        tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    suite = build_suite(data_dir)
    async with suite.app.router.lifespan_context(suite.app):
        transport = httpx.ASGITransport(app=suite.app)
        async with httpx.AsyncClient(transport=transport, base_url="https://seteli.example.fi") as client:
            over_https = await client.get("/portal/")
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
            over_http = await client.get("/portal/")
    assert data_dir.stat().st_mode & 0o077 == 0
    for name in ("person-pseudonym-key", "portal-session-secret", "registry-signing-key.json"):
        assert (data_dir / name).stat().st_mode & 0o077 == 0, name
    assert "secure" in over_https.headers["set-cookie"].lower()
    # embedded on a laptop over plain http: a Secure cookie would never come back
    assert "secure" not in over_http.headers["set-cookie"].lower()


async def test_on_started_is_called_once_every_service_has_started(tmp_path: Path) -> None:
    """`seteli up` collects no garbage while it starts and turns the collector on from this hook."""
    calls: list[bool] = []
    suite = build_suite(tmp_path, on_started=lambda: calls.append(True))
    assert calls == []
    async with suite.app.router.lifespan_context(suite.app):
        assert calls == [True]
        transport = httpx.ASGITransport(app=suite.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://suite") as client:
            assert (await client.get("/portal/health/live")).status_code == 200
    assert calls == [True]
