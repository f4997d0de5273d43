"""The portal wired to a whole embedded suite in-process: SQLite files, the in-process bus, and the
portal calling the services through an ASGI transport (the same public HTTP APIs as in production)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from seteli_common.consistency_client import FollowWrites
from seteli_portal.bootstrap import build_app
from seteli_portal.config import SERVICE_NAMES, PortalSettings

from seteli.embedded import Suite, build_suite

from .seed import Seed, seed

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture(scope="session")
async def suite(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Suite]:
    suite = build_suite(tmp_path_factory.mktemp("portal-suite"), with_portal=False)
    async with suite.app.router.lifespan_context(suite.app):
        yield suite


@pytest.fixture(scope="session")
async def data(suite: Suite) -> Seed:
    base = {name: f"http://suite/{name}" for name in SERVICE_NAMES}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=suite.app), timeout=60) as client:
        return await seed(client, base)


def portal_app(suite: Suite, data: Seed, **overrides: Any) -> Any:
    settings = PortalSettings(**{"cookie_secure": False, "default_tenant": data.tenant_id,
                                 "session_secret": "test-secret", **overrides})
    return build_app(settings, service_urls={name: f"http://suite/{name}" for name in SERVICE_NAMES},
                     transport=httpx.ASGITransport(app=suite.app, raise_app_exceptions=False))


@pytest.fixture
async def portal(suite: Suite, data: Seed) -> AsyncIterator[httpx.AsyncClient]:
    app = portal_app(suite, data)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal",
                                 timeout=60) as client:
        yield client


@pytest.fixture
async def services(suite: Suite) -> AsyncIterator[httpx.AsyncClient]:
    """The suite's public APIs directly: what other people do meanwhile (see service_calls.py). It follows its
    own writes (seteli_common.consistency_client): a call after a write of another service waits where that
    service says "not yet known here", and nowhere else."""
    async with httpx.AsyncClient(transport=FollowWrites(httpx.ASGITransport(app=suite.app)), base_url="http://suite",
                                 timeout=60) as client:
        yield client


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


async def submit(client: httpx.AsyncClient, page_url: str, action: str, fields: dict[str, Any]) -> httpx.Response:
    """GET the page (for its CSRF token) and POST the form like a browser would."""
    page = await client.get(page_url)
    assert page.status_code == 200, page.text[:500]
    return await client.post(action, data={"csrf": csrf_of(page.text), **fields})


def lock_fields(page: str) -> dict[str, str]:
    """The hidden fields of a preview's lock form: the total and the digest of what it pays whom, as shown."""
    fields = dict(re.findall(r'<input type="hidden" name="(expected_[a-z]+)" value="([^"]*)"', page))
    assert set(fields) == {"expected_total", "expected_payees"}, page[-1500:]
    return fields


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    response = await submit(client, "/login", "/login", {"email": email, "password": password, "next": "/"})
    assert response.status_code == 303, response.text[:800]
    return response


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: end-to-end in headless Chromium (skipped when Chromium is absent)")
