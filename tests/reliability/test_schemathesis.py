"""Issue #10, item 13: schemathesis over every service's OpenAPI, for every role, in-process.

The six services run in one process as in embedded mode (each its own app, lifespan and database, the
in-process bus), but every database is a real PostgreSQL database of its own. Before any generated
request the walking skeleton runs through them over HTTP (tenant, provider, service, approved application
with a price list, client, voucher, booking, service event, settlement run, email), so the ids exist.

For each service and each role (platform admin, tenant admin, tenant officer, provider admin, provider
user, client, anonymous) every operation gets generated requests twice: once with every parameter
generated, once with the path parameters pinned to the seeded ids (so the handlers reach real rows).
Each response must pass: not a server error, status code documented, content type documented, body
conforming to the documented schema. Failures are collected per operation (no shrinking: the first
failing example is reported, with a curl line) and the test fails listing them all.

CI: a few examples per operation, derandomised (the same requests every run). Long: many more examples
and negative (schema-violating) data as well, `SETELI_SCHEMATHESIS_LONG=1 ... -m slow`.
"""

from __future__ import annotations

import os
import random
import re
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from fastapi import FastAPI
from seteli_common import testing
from seteli_common.auth import Principal, Role, StaticKeys, TokenIssuer
from seteli_common.clock import Month, SystemClock, today_in_helsinki
from seteli_common.errors import install_problem_handlers
from seteli_common.messaging.memory import InMemoryBroker
from seteli_common.runtime import ServiceRuntime

from seteli.demo import DemoFailed, DemoResult, walking_skeleton
from seteli.embedded import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD
from seteli.services import SERVICES, bootstrap, settings

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, given  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402
from schemathesis.python import asgi as schemathesis_asgi  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

SEED = 13  # the walking skeleton's: tenant demo-<tag>, its users and ids follow from it
LONG = os.environ.get("SETELI_SCHEMATHESIS_LONG") == "1"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROLES = ("platform_admin", "tenant_admin", "tenant_officer", "provider_admin", "provider_user", "client",
         "anonymous")


@dataclass(frozen=True)
class Size:
    examples: int  # per operation and strategy
    modes: tuple[GenerationMode, ...]


SIZES = {"short": Size(2, (GenerationMode.POSITIVE,)),
         "long": Size(40, (GenerationMode.POSITIVE, GenerationMode.NEGATIVE))}


@dataclass
class Seeded:
    """What the walking skeleton created: ids to pin path parameters to, and each role's token."""

    result: DemoResult | None = None
    failure: str = ""
    ids: dict[str, str] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class PgSuite:
    app: FastAPI
    seeded: Seeded
    bridge: Any = None


def _first(body: Any, key: str = "id") -> str | None:
    items = body.get("items", body) if isinstance(body, dict) else body
    if isinstance(items, list) and items and isinstance(items[0], dict) and items[0].get(key) is not None:
        return str(items[0][key])
    return None


async def _collect_ids(client: httpx.AsyncClient, seeded: Seeded) -> None:
    """The ids of what the walking skeleton created, read back over the APIs as the tenant admin (named
    as the skeleton names them from its seed, so this works after a skeleton that stopped half-way too)."""
    tag = f"{random.Random(SEED).randrange(16**6):06x}"
    t = f"demo-{tag}"
    login = await client.post("/registry/v1/auth/token", json={"email": f"paakayttaja-{tag}@demokunta.fi",
                                                               "password": "Demo-kunta-2026"})
    headers = {"authorization": f"Bearer {login.json().get('access_token')}"}
    ids = seeded.ids
    ids["tenant_id"] = t

    async def get(url: str) -> Any:
        response = await client.get(url, headers=headers)
        return response.json() if response.status_code == 200 else {}

    for key, url, field_ in [
        ("service_id", f"/applications/v1/tenants/{t}/services", "id"),
        ("application_id", f"/applications/v1/tenants/{t}/applications", "id"),
        ("client_id", f"/vouchers/v1/tenants/{t}/clients", "id"),
        ("booking_id", f"/vouchers/v1/tenants/{t}/bookings", "id"),
        ("voucher_id", f"/vouchers/v1/tenants/{t}/bookings", "voucher_id"),
        ("event_id", f"/events/v1/tenants/{t}/events", "id"),
        ("run_id", f"/settlement/v1/tenants/{t}/runs", "id"),
        ("message_pk", f"/notifications/v1/tenants/{t}/messages", "id"),
        ("request_id", f"/registry/v1/tenants/{t}/registration-requests", "id"),
        ("user_id", f"/registry/v1/tenants/{t}/users", "id"),
    ]:
        value = _first(await get(url), field_)
        if value is not None:
            ids.setdefault(key, value)
    if "application_id" in ids:
        application = await get(f"/applications/v1/tenants/{t}/applications/{ids['application_id']}")
        ids["provider_id"] = str(application.get("provider_id", ""))
        price_list = _first(application.get("price_lists", []))
        if price_list:
            ids["price_list_id"] = price_list
    if "voucher_id" in ids:
        voucher = await get(f"/vouchers/v1/tenants/{t}/vouchers/{ids['voucher_id']}")
        if voucher.get("number"):
            ids["number"] = str(voucher["number"])
    if "run_id" in ids:
        payment = _first((await get(f"/settlement/v1/tenants/{t}/runs/{ids['run_id']}")).get("payments", []),
                         "payment_id")
        if payment:
            ids["payment_id"] = payment
    ids = {k: v for k, v in ids.items() if v}
    seeded.ids = ids


def _role_headers(issuer: TokenIssuer, ids: dict[str, str]) -> dict[str, dict[str, str]]:
    t, p = ids["tenant_id"], ids.get("provider_id")
    teams = frozenset({f"{t}:{ids['service_id']}"}) if "service_id" in ids else frozenset()
    principals = {
        "platform_admin": Principal("sch-admin", Role.PLATFORM_ADMIN, name="Alusta Ylläpitäjä"),
        "tenant_admin": Principal("sch-tenant-admin", Role.TENANT_ADMIN, tenant_id=t, name="Kunta Pääkäyttäjä"),
        "tenant_officer": Principal("sch-officer", Role.TENANT_OFFICER, tenant_id=t, teams=teams,
                                    name="Kunta Käsittelijä"),
        "provider_admin": Principal("sch-provider-admin", Role.PROVIDER_ADMIN, provider_id=p, teams=teams,
                                    name="Tuottaja Pääkäyttäjä"),
        "provider_user": Principal("sch-provider-user", Role.PROVIDER_USER, provider_id=p, teams=teams,
                                   name="Tuottaja Hoitaja"),
        "client": Principal("sch-client", Role.CLIENT, tenant_id=t, client_id=ids.get("client_id"),
                            name="Aino Asiakas"),
    }
    headers = {role: testing.bearer(issuer.issue(principal, ttl_seconds=6 * 3600))
               for role, principal in principals.items()}
    headers["anonymous"] = {}
    return headers


def build_pg_suite(database_urls: dict[str, str], data_dir: Path) -> PgSuite:
    """The embedded suite's wiring (src/seteli/embedded.py) with a PostgreSQL database per service;
    its lifespan starts the six services and then seeds them through the walking skeleton."""
    broker = InMemoryBroker()
    # person_pseudonym_key: resident sign-in (registry) and client lookups (vouchers) are configured, so their
    # routes are exercised instead of answering "not configured" (services without the setting ignore it)
    common: dict[str, Any] = {"data_dir": data_dir, "log_json": False, "log_level": "WARNING", "broker_url": "",
                              "jwks_url": "", "person_pseudonym_key": "schemathesis-pseudonym-key-0123456789abcdef",
                              "adapters": "fake"}
    runtimes: dict[str, ServiceRuntime] = {}
    runtimes["registry"] = bootstrap("registry").build_runtime(settings(
        "registry", **common, database_url=database_urls["registry"],
        signing_key_path=data_dir / "registry-signing-key.json",
        bootstrap_admin_email=DEMO_ADMIN_EMAIL, bootstrap_admin_password=DEMO_ADMIN_PASSWORD), broker=broker)
    issuer: TokenIssuer = runtimes["registry"].extras["issuer"]
    keys = StaticKeys(issuer.jwks)
    for name in SERVICES[1:]:
        runtimes[name] = bootstrap(name).build_runtime(
            settings(name, **common, database_url=database_urls[name]), broker=broker, keys=keys)
    apps = {name: bootstrap(name).build_app(runtime) for name, runtime in runtimes.items()}
    seeded = Seeded()

    @asynccontextmanager
    async def lifespan(parent: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for app in apps.values():
                await stack.enter_async_context(app.router.lifespan_context(app))
            transport = httpx.ASGITransport(app=parent)
            async with httpx.AsyncClient(transport=transport, base_url="http://suite", timeout=60) as client:
                base = {name: f"http://suite/{name}" for name in SERVICES}
                try:
                    seeded.result = await walking_skeleton(
                        client, base, admin_email=DEMO_ADMIN_EMAIL, admin_password=DEMO_ADMIN_PASSWORD,
                        month=Month.of(today_in_helsinki(SystemClock())).prev(), seed=SEED)
                except DemoFailed as exc:  # reported by the first test; the rest runs on what was made
                    seeded.failure = str(exc)
                await _collect_ids(client, seeded)
            seeded.headers = _role_headers(issuer, seeded.ids)
            yield
        await broker.close()

    parent = FastAPI(lifespan=lifespan)
    # A path the mount does not match (a generated id with a newline: Mount's `.*` stops there) is answered
    # by this parent: with the kernel's problem+json, as each service answers it when it runs alone.
    install_problem_handlers(parent)
    for name, app in apps.items():
        parent.mount(f"/{name}", app)
    return PgSuite(parent, seeded)


class Bridge:
    """The ASGI app schemathesis calls. Schemathesis runs ASGI apps in an event-loop thread of its own and
    its pytest plugin ends their lifespans after every test; the suite instead lives for the whole module
    in a loop of ours (a blocking portal), so each request is handed over to that loop, answered there,
    and the response handed back."""

    def __init__(self, app: FastAPI, portal: BlockingPortal) -> None:
        self.app, self.portal = app, portal
        self.client: httpx.AsyncClient | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return  # no lifespan here: the suite's runs in our loop
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        status, headers, content = await anyio.to_thread.run_sync(self.portal.call, self._answer, scope, body)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    async def _answer(self, scope: dict[str, Any], body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        if self.client is None:  # a 500 must come back as the response, not as an exception
            self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app, raise_app_exceptions=False),
                                            base_url="http://testserver", timeout=60)
        query = scope.get("query_string", b"").decode("latin-1")
        url = scope["raw_path"].decode("latin-1") + (f"?{query}" if query else "")  # as sent: still %-encoded
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in (b"host", b"content-length")]
        response = await self.client.request(scope["method"], url, headers=headers, content=body)
        return response.status_code, list(response.headers.raw), response.content


@pytest.fixture(scope="module")
def pg_suite(pg_admin_url: str) -> Iterator[PgSuite]:
    """The suite on PostgreSQL, started and seeded once for the module in an event loop of its own."""
    with start_blocking_portal() as portal:
        urls = {name: portal.call(testing.create_database, pg_admin_url, f"seteli_sch_{name}") for name in SERVICES}
        try:
            with tempfile.TemporaryDirectory() as data_dir:
                suite = build_pg_suite(urls, Path(data_dir))
                with portal.wrap_async_context_manager(suite.app.router.lifespan_context(suite.app)):
                    suite.bridge = Bridge(suite.app, portal)
                    yield suite
        finally:
            for url in urls.values():
                portal.call(testing.drop_database, pg_admin_url, url)


def _summary(exc: BaseException) -> str:
    text = str(exc).strip()
    lines = [line for line in text.splitlines() if line.strip()]
    return "\n      ".join(lines[:14])[:1500]


def exercise_operation(operation: Any, pinned: dict[str, str], size: Size, base_url: str,
                       headers: dict[str, str]) -> tuple[int, str | None]:
    """Generated requests to one operation until the first failure; returns (calls, failure or None)."""
    label = f"{operation.method.upper()} {operation.path}"
    strategies = [operation.as_strategy(generation_mode=mode) for mode in size.modes]
    if pinned:
        strategies += [operation.as_strategy(generation_mode=mode, path_parameters=pinned) for mode in size.modes]
    calls, failure = 0, None

    @hypothesis_settings(max_examples=size.examples * len(strategies), derandomize=True, deadline=None,
                         database=None, phases=[Phase.explicit, Phase.generate],
                         suppress_health_check=list(HealthCheck))
    @given(case=st.one_of(*strategies))
    def exercise(case: Any) -> None:
        nonlocal calls, failure
        if failure is not None:
            return
        calls += 1
        try:
            case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis's FailureGroup is a BaseExceptionGroup
            failure = f"{type(exc).__name__}: {_summary(exc)}"

    exercise()
    return calls, (f"{label}\n      {failure}" if failure else None)


def run_operations(suite: PgSuite, service: str, role: str, size: Size) -> tuple[int, list[str]]:
    """Every operation of `service` as `role`; returns (calls made, the first failure of each operation)."""
    schema = schemathesis.openapi.from_asgi(f"/{service}/openapi.json", suite.bridge)
    base_url = f"http://{schemathesis_asgi.HOST}/{service}"
    failures: list[str] = []
    total = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        names = set(re.findall(r"{(\w+)}", operation.path))
        pinned = {k: v for k, v in suite.seeded.ids.items() if k in names}
        calls, failure = exercise_operation(operation, pinned, size, base_url, suite.seeded.headers[role])
        total += calls
        if failure:
            failures.append(failure)
    return total, failures


@pytest.fixture(params=["short", pytest.param("long", marks=[
    pytest.mark.slow,
    pytest.mark.skipif(not LONG, reason="long schemathesis run: set SETELI_SCHEMATHESIS_LONG=1")])])
def size(request: pytest.FixtureRequest) -> Size:
    return SIZES[str(request.param)]


def test_the_walking_skeleton_seeded_every_id(pg_suite: PgSuite) -> None:
    """The pinned runs only mean something if the seeded ids exist."""
    assert not pg_suite.seeded.failure, f"the walking skeleton failed: {pg_suite.seeded.failure}"
    expected = {"tenant_id", "provider_id", "service_id", "application_id", "client_id", "voucher_id",
                "booking_id", "event_id", "run_id", "payment_id", "number", "price_list_id"}
    assert expected <= set(pg_suite.seeded.ids), sorted(expected - set(pg_suite.seeded.ids))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_answers_as_documented(pg_suite: PgSuite, service: str, role: str, size: Size) -> None:
    calls, failures = run_operations(pg_suite, service, role, size)
    print(f"\n[reliability] 13 schemathesis {service} as {role}: {calls} requests, {len(failures)} failing "
          f"operations")
    assert calls > 0
    report = "\n".join(f"  {failure}" for failure in sorted(failures))
    assert not failures, f"{len(failures)} operations of {service} as {role} failed:\n{report}"
