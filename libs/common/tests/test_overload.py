"""Under overload a service says at once "busy, try again in N s" (issue 21): a request that gets no database
connection within the connection wait, or that comes when the process has as many requests in progress as it
serves, is answered 503 problem+json with Retry-After, logged without a traceback (at most a line a second),
counted in the metrics, and changes nothing. Health probes are always answered; a consumer's or a job's unit of
work waits on."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Depends
from prometheus_client import REGISTRY
from seteli_common import errors
from seteli_common.config import ServiceSettings
from seteli_common.db import make_metadata
from seteli_common.messaging.memory import InMemoryBroker
from seteli_common.messaging.outbox import add_messaging_tables
from seteli_common.runtime import ServiceRuntime
from seteli_common.testing import running_app
from seteli_common.web import create_app, db_session
from sqlalchemy import Column, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

pytestmark = pytest.mark.integration

metadata = make_metadata()
add_messaging_tables(metadata)
notes = Table("notes", metadata, Column("tenant_id", String(40), nullable=False), Column("text", String(80)))
RELEASE: dict[str, asyncio.Event] = {}
SLOW_ENTERED: list[int] = []


def _router() -> APIRouter:
    router = APIRouter()

    @router.post("/v1/tenants/{tenant_id}/notes", status_code=201)
    async def add_note(tenant_id: str, session: AsyncSession = Depends(db_session, scope="function")
                       ) -> dict[str, str]:
        await session.execute(insert(notes).values(tenant_id=tenant_id, text="written"))
        return {"text": "written"}

    @router.get("/v1/slow")
    async def slow() -> dict[str, str]:
        SLOW_ENTERED.append(1)
        await RELEASE["slow"].wait()
        return {"status": "done"}

    return router


Client = tuple[httpx.AsyncClient, ServiceRuntime]


class _Lines(logging.Handler):
    """What the service logs (its start replaced the root logger's handlers, pytest's among them)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def lines() -> AsyncIterator[_Lines]:
    handler = _Lines()
    logging.getLogger().addHandler(handler)
    yield handler  # type: ignore[misc]
    logging.getLogger().removeHandler(handler)


@pytest.fixture
def make_client(pg_url: str, tmp_path: Path) -> Callable[..., Any]:
    def make(**settings: Any) -> Any:
        @asynccontextmanager
        async def client() -> AsyncIterator[Client]:
            config = ServiceSettings(service_name=f"overload-{id(settings)}", data_dir=tmp_path, log_json=False,
                                     database_url=pg_url, **settings)
            runtime = ServiceRuntime(settings=config, metadata=metadata, migrations=tmp_path,
                                     broker=InMemoryBroker())
            app = create_app("overload", lifespan=runtime.lifespan(migrate=False), routers=[_router()],
                             instrument=False)
            runtime.attach(app)
            async with runtime.db.engine.begin() as conn:
                await conn.run_sync(metadata.create_all)
            async with running_app(app, raise_app_exceptions=False) as http:
                yield http, runtime
        return client()
    return make


def _shed_count(runtime: ServiceRuntime, reason: str) -> float:
    return REGISTRY.get_sample_value("seteli_http_shed_total",
                                     {"service": runtime.settings.service_name, "reason": reason}) or 0.0


async def _count_notes(runtime: ServiceRuntime) -> int:
    async with runtime.db.system_transaction() as session:
        return int((await session.execute(select(func.count()).select_from(notes))).scalar_one())


def _is_shed(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert int(answer.headers["retry-after"]) >= 1
    problem = answer.json()
    assert problem["type"] == "https://seteli.fi/problems/overloaded"
    assert problem["title"] == "Service busy" and problem["status"] == 503 and problem["detail"]


async def test_a_request_with_no_connection_free_within_the_wait_is_told_503_at_once_and_writes_nothing(
        make_client: Callable[..., Any], lines: _Lines) -> None:
    async with make_client(database_pool_size=1, database_connection_wait_seconds=0.5) as (http, runtime):
        logging.getLogger().addHandler(lines)
        # the pool's two connections (pool_size and as many overflow) held busy by other units of work
        async with runtime.db.transaction(tenant_id="t1"), runtime.db.transaction(tenant_id="t1"):
            lines.records.clear()
            started = asyncio.get_running_loop().time()
            answer = await http.post("/v1/tenants/t1/notes")
            waited = asyncio.get_running_loop().time() - started
        _is_shed(answer)
        assert 0.4 < waited < 5  # the connection wait, not SQLAlchemy's 30 s
        assert await _count_notes(runtime) == 0
        assert [r.getMessage().split(":")[0] for r in lines.records] == ["shed POST /v1/tenants/t1/notes"]
        assert lines.records[0].exc_info is None, "a traceback was logged"
        assert _shed_count(runtime, "database") == 1
        # the connections free again: served as ever
        assert (await http.post("/v1/tenants/t1/notes")).status_code == 201
        assert await _count_notes(runtime) == 1


async def test_a_consumers_or_jobs_unit_of_work_waits_on_past_the_connection_wait(
        make_client: Callable[..., Any]) -> None:
    async with make_client(database_pool_size=1, database_connection_wait_seconds=0.3) as (_, runtime):
        held = asyncio.Event()

        async def hold() -> None:
            async with runtime.db.transaction(tenant_id="t1"), runtime.db.transaction(tenant_id="t1"):
                held.set()
                await asyncio.sleep(1.0)  # more than three connection waits

        holder = asyncio.create_task(hold())
        await held.wait()
        async with runtime.db.transaction(tenant_id="t1") as session:  # patient: not an HTTP request's
            await session.execute(insert(notes).values(tenant_id="t1", text="by a consumer"))
        await holder
        assert await _count_notes(runtime) == 1


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("never")


async def test_beyond_the_requests_in_flight_one_more_is_told_503_and_health_is_still_answered(
        make_client: Callable[..., Any], lines: _Lines) -> None:
    RELEASE["slow"] = asyncio.Event()
    SLOW_ENTERED.clear()
    async with make_client(max_requests_in_flight=2) as (http, runtime):
        logging.getLogger().addHandler(lines)
        first: list[Awaitable[httpx.Response]] = [asyncio.ensure_future(http.get("/v1/slow")) for _ in range(2)]
        await _until(lambda: len(SLOW_ENTERED) == 2)
        lines.records.clear()
        answer = await http.post("/v1/tenants/t1/notes")
        _is_shed(answer)
        assert [r.getMessage().split(":")[0] for r in lines.records] == ["shed POST /v1/tenants/t1/notes"]
        assert lines.records[0].exc_info is None
        assert _shed_count(runtime, "in_flight") == 1
        for probe in ("/health/ready", "/health/live?full=1", "/metrics"):
            assert (await http.get(probe)).status_code == 200, probe
        RELEASE["slow"].set()
        assert [(await f).status_code for f in first] == [200, 200]
        assert await _count_notes(runtime) == 0
        assert (await http.post("/v1/tenants/t1/notes")).status_code == 201



def _held_flushes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, Callable[[], None]]]:
    """The shed log's delayed lines, held for the test to run (delay, callback) instead of the event loop."""
    held: list[tuple[float, Callable[[], None]]] = []

    def hold(delay: float, callback: Callable[[], None]) -> bool:
        held.append((delay, callback))
        return True

    monkeypatch.setattr(errors, "_call_later", hold)
    return held


async def test_a_burst_of_refusals_is_one_log_line_a_second_with_the_count_and_every_one_is_counted(
        make_client: Callable[..., Any], lines: _Lines, monkeypatch: pytest.MonkeyPatch) -> None:
    # Each refusal's own line was 3-4 % of a shedding process's CPU: ops see the first at once, then at most one
    # a second saying how many were refused since; the metric counts every one.
    now = [1000.0]
    monkeypatch.setattr(errors, "_now", lambda: now[0])
    flushes = _held_flushes(monkeypatch)
    RELEASE["slow"] = asyncio.Event()
    SLOW_ENTERED.clear()
    async with make_client(max_requests_in_flight=1) as (http, runtime), \
            make_client(max_requests_in_flight=1) as (other_http, other):
        logging.getLogger().addHandler(lines)
        held = [asyncio.ensure_future(http.get("/v1/slow")), asyncio.ensure_future(other_http.get("/v1/slow"))]
        await _until(lambda: len(SLOW_ENTERED) == 2)
        lines.records.clear()
        counted, other_counted = _shed_count(runtime, "in_flight"), _shed_count(other, "in_flight")
        for _ in range(5):
            _is_shed(await http.post("/v1/tenants/t1/notes"))
            now[0] += 0.1
        assert [r.getMessage() for r in lines.records] == [
            "shed POST /v1/tenants/t1/notes: more than 1 requests in progress; try again shortly"]
        assert _shed_count(runtime, "in_flight") - counted == 5
        # another service of the same process has its own line
        _is_shed(await other_http.post("/v1/tenants/t1/notes"))
        assert len(lines.records) == 2 and _shed_count(other, "in_flight") - other_counted == 1

        now[0] += 1.0  # the interval passed: the next refusal logs again, with the four unlogged and itself
        _is_shed(await http.post("/v1/tenants/t1/notes"))
        assert [r.getMessage() for r in lines.records[2:]] == [
            "shed POST /v1/tenants/t1/notes: more than 1 requests in progress; try again shortly"
            " (5 refused in the last 1.5 s)"]
        assert lines.records[2].refused == 5
        assert _shed_count(runtime, "in_flight") - counted == 6
        _is_shed(await http.post("/v1/tenants/t1/notes"))
        assert len(lines.records) == 3 and _shed_count(runtime, "in_flight") - counted == 7
        # the burst ends here: its last refusal is logged when its interval ends, not at the next burst. One
        # delayed line at a time: the first burst's, due 0.9 s after its 2nd refusal, waits for the later line's
        # interval to end
        assert [delay for delay, _ in flushes] == [pytest.approx(0.9)]
        flushes.pop(0)[1]()
        assert len(lines.records) == 3 and [delay for delay, _ in flushes] == [pytest.approx(1.0)]
        now[0] += 1.0
        flushes.pop(0)[1]()
        assert [(r.getMessage(), r.refused) for r in lines.records[3:]] == [
            ("shed POST /v1/tenants/t1/notes: more than 1 requests in progress; try again shortly", 1)]
        assert flushes == []  # nothing left to log
        RELEASE["slow"].set()
        assert [(await f).status_code for f in held] == [200, 200]


async def test_the_last_refusals_of_a_burst_are_logged_when_their_interval_ends(
        lines: _Lines, monkeypatch: pytest.MonkeyPatch) -> None:
    # on the event loop itself, without a later refusal to write the line
    monkeypatch.setattr(errors, "SHED_LOG_INTERVAL_SECONDS", 0.05)
    logging.getLogger().addHandler(lines)
    shed_log = errors.ShedLog()
    for _ in range(3):
        shed_log.refused_one({"method": "POST", "path": "/v1/x"}, "database", "busy")
    assert [r.refused for r in lines.records] == [1]
    await _until(lambda: len(lines.records) == 2)
    assert lines.records[1].getMessage().startswith("shed POST /v1/x: busy (2 refused in the last 0.")
    await asyncio.sleep(0.1)
    assert len(lines.records) == 2 and not shed_log.flush_due
