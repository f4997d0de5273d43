"""Embedded mode: all six services in one process on one port, each under its own path prefix,
SQLite files in a data folder, the in-process bus, email written to files.

Each service keeps its own app, database and lifespan exactly as when it runs alone; only the
transport (in-process instead of RabbitMQ) and the token keys (handed over in-process instead of
fetched from the JWKS URL) differ.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse
from seteli_common.auth import StaticKeys
from seteli_common.clock import Clock, Month, today_in_helsinki
from seteli_common.config import clock_for
from seteli_common.messaging.memory import InMemoryBroker
from seteli_common.runtime import ServiceRuntime
from seteli_portal.bootstrap import build_app as build_portal
from seteli_portal.config import PortalSettings

from .services import SERVICES, bootstrap, settings

DEMO_ADMIN_EMAIL = "admin@seteli.fi"
DEMO_ADMIN_PASSWORD = "Seteli-demo-2026"  # embedded mode only; printed by `seteli up`


@dataclass
class Suite:
    app: FastAPI
    broker: InMemoryBroker
    runtimes: dict[str, ServiceRuntime] = field(default_factory=dict)
    apps: dict[str, FastAPI] = field(default_factory=dict)


async def seed_demo_data(app: FastAPI, data_dir: Path, clock: Clock, mail_dir: Path | None = None) -> None:
    """First start only: a demo tenant run through the walking skeleton, plus Kouvola's two services
    from seed 004 and two registration requests sent back with a question (one answered), so a person
    opening the suite finds data. A marker file keeps it to one time. `mail_dir`: where the notifications
    service writes its mail (the answered request follows the link mailed to the company)."""
    import httpx
    from seteli_applications.demo import kouvola_services

    from .demo import registration_questions, walking_skeleton

    marker = data_dir / "demo-data.txt"
    if marker.exists():
        return
    base = {name: f"http://suite/{name}" for name in SERVICES}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://suite",
                                 timeout=60) as client:
        result = await walking_skeleton(client, base, admin_email=DEMO_ADMIN_EMAIL,
                                        admin_password=DEMO_ADMIN_PASSWORD, tenant_id="demo", seed=2016,
                                        month=Month.of(today_in_helsinki(clock)).prev())
        token = (await client.post("/registry/v1/auth/token", json={
            "email": result.tenant_admin_email, "password": result.tenant_admin_password})).json()["access_token"]
        for body in kouvola_services():
            await client.post("/applications/v1/tenants/demo/services", json=body,
                              headers={"authorization": f"Bearer {token}"})
        questions = await registration_questions(client, base, "demo", {"authorization": f"Bearer {token}"},
                                                 mail_dir or data_dir / "mail")
    lines = [
        "Seteli demo data (embedded mode)",
        f"platform admin: {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}",
        f"tenant 'demo' admin: {result.tenant_admin_email} / {result.tenant_admin_password}",
        f"provider main user: {result.provider_user_email} / {result.provider_user_password}",
        f"resident (the client {result.client_name}): sign in at /portal/resident/sign-in with the test "
        f"identification, identity code {result.client_identity_code}",
        *(f"{step}: {detail}" for step, detail in result.steps),
        *(f"registry: {line}" for line in questions),
    ]
    _write_private(marker, "\n".join(lines) + "\n")  # holds the demo passwords
    print("\n".join(lines), flush=True)


def _write_private(path: Path, text: str) -> None:
    """Writes a file only its owner can read, never world-readable even for a moment."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(text)
    path.chmod(0o600)  # a file from an older version may have been created readable


def _private_secret(path: Path, length: int) -> str:
    """A random secret kept in ``path`` (made on first start, readable by the owner only)."""
    if not path.exists():
        _write_private(path, secrets.token_urlsafe(length))
    path.chmod(0o600)
    return path.read_text().strip()


def build_suite(data_dir: Path, *, clock: Clock | None = None, today: date | None = None, log_json: bool = False,
                seed_demo: bool = False, with_portal: bool = True,
                service_settings: Mapping[str, Mapping[str, Any]] | None = None,
                portal_url: str = "http://127.0.0.1:8000/portal",
                on_started: Callable[[], None] | None = None) -> Suite:
    """`service_settings`: extra settings per service (tests: a PostgreSQL database_url and database_role).
    `portal_url`: where the links in emails (registration, password reset, attention notices) lead.
    `today`: a training date (`seteli up --today`): every service and the portal run on a clock whose
    Helsinki date is that day when the suite starts. Tests inject `clock` instead.
    `on_started`: called once every service has started (its lifespan entered), before the first request."""
    data_dir.mkdir(parents=True, exist_ok=True)
    extra = service_settings or {}
    broker = InMemoryBroker()
    clock = clock or clock_for(today)
    # Embedded mode is a development and test setup: the built-in fakes (Suomi.fi, PRH, liability, mail as .eml).
    common: dict[str, Any] = {"data_dir": data_dir, "log_json": log_json, "broker_url": "", "jwks_url": "",
                              "adapters": "fake"}
    # The registry and vouchers share the person pseudonym key (resident sign-in knows vouchers' clients by it).
    data_dir.chmod(0o700)  # keys, the session secret and the demo passwords: the owner's alone
    pseudonym_key = _private_secret(data_dir / "person-pseudonym-key", 32)
    registry_settings = settings(
        "registry", **{**common, **extra.get("registry", {})}, signing_key_path=data_dir / "registry-signing-key.json",
        bootstrap_admin_email=DEMO_ADMIN_EMAIL, bootstrap_admin_password=DEMO_ADMIN_PASSWORD,
        # signing an application: Suomi.fi is the registry's test page, and back to the portal (same origin)
        signing_redirect_uri="/portal/provider/signing/callback", fake_identity_page_url="/registry/v1/fake-identity",
        resident_redirect_uri="/portal/resident/callback", person_pseudonym_key=pseudonym_key,
        today=today,  # (its clock is `clock`; the date tells it the suite runs on a training date)
        **({} if "public_base_url" in extra.get("registry", {}) else {"public_base_url": portal_url}),
    )
    runtimes: dict[str, ServiceRuntime] = {}
    runtimes["registry"] = bootstrap("registry").build_runtime(registry_settings, broker=broker, clock=clock)
    keys = StaticKeys(runtimes["registry"].extras["issuer"].jwks)
    for name in SERVICES[1:]:
        own: dict[str, Any] = {"person_pseudonym_key": pseudonym_key} if name == "vouchers" else {}
        if name == "notifications":
            own["public_base_url"] = portal_url
        runtimes[name] = bootstrap(name).build_runtime(settings(name, **{**common, **own, **extra.get(name, {})}),
                                                       broker=broker, clock=clock,
                                                       keys=keys)
    apps = {name: bootstrap(name).build_app(runtime) for name, runtime in runtimes.items()}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Start every service with its own lifespan (migrations, relay, consumers, jobs).
        async with AsyncExitStack() as stack:
            for app in apps.values():
                await stack.enter_async_context(app.router.lifespan_context(app))
            mail_dir = Path(runtimes["notifications"].settings.resolved_outbox_dir())  # type: ignore[attr-defined]
            seeding = asyncio.create_task(seed_demo_data(parent, data_dir, clock, mail_dir)) if seed_demo else None
            if on_started is not None:
                on_started()
            yield
            if seeding is not None and not seeding.done():
                seeding.cancel()
        await broker.close()

    parent = FastAPI(title="Seteli (embedded)", lifespan=lifespan, docs_url=None, redoc_url=None)

    @parent.get("/", include_in_schema=False)
    async def index() -> RedirectResponse:
        return RedirectResponse("/portal/")

    @parent.get("/apis", response_class=HTMLResponse, include_in_schema=False)
    async def apis() -> str:
        links = "".join(f'<li><a href="/{n}/docs">{n}</a></li>' for n in apps)
        return f"<!doctype html><html lang='fi'><title>Seteli</title><h1>Seteli APIs</h1><ul>{links}</ul></html>"

    @parent.get("/health/live", include_in_schema=False)
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    for name, app in apps.items():
        parent.mount(f"/{name}", app)
    # The portal talks to the services only over their HTTP APIs; in one process that is an ASGI
    # transport to the mounted apps instead of sockets. A service's 500 must reach the portal as a
    # response, not as an exception (raise_app_exceptions=False).
    if with_portal:
        session_secret = _private_secret(data_dir / "portal-session-secret", 48)
        parent.mount("/portal", build_portal(
            PortalSettings(cookie_secure=False, session_secret=session_secret),
            service_urls={name: f"http://embedded/{name}" for name in apps},
            transport=httpx.ASGITransport(app=parent, raise_app_exceptions=False), clock=clock))
    return Suite(parent, broker, runtimes, apps)
