"""The response leaves only after the unit of work has committed: a failing commit is never a 201. A read (GET)
holds no writer up, and what it must write (its access-log row) is written before it answers."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import APIRouter, Depends
from seteli_common.config import ServiceSettings
from seteli_common.db import make_metadata, write_after_read
from seteli_common.messaging.memory import InMemoryBroker
from seteli_common.messaging.outbox import add_messaging_tables
from seteli_common.runtime import ServiceRuntime
from seteli_common.testing import running_app
from seteli_common.web import create_app, db_session
from sqlalchemy import Column, ForeignKey, Integer, Table, text
from sqlalchemy.ext.asyncio import AsyncSession

metadata = make_metadata()
add_messaging_tables(metadata)
parents = Table("parents", metadata, Column("id", Integer, primary_key=True))
children = Table("children", metadata, Column("id", Integer, primary_key=True),
                 Column("parent_id", Integer, ForeignKey("parents.id", deferrable=True, initially="DEFERRED")))


async def test_commit_failure_is_reported_not_hidden_behind_a_201(tmp_path: Path) -> None:
    router = APIRouter()

    @router.post("/children", status_code=201)
    async def add_child(session: AsyncSession = Depends(db_session, scope="function")) -> dict[str, str]:
        # The deferred foreign key fails only at COMMIT, after the handler has returned.
        await session.execute(children.insert().values(id=1, parent_id=999))
        return {"status": "created"}

    @router.post("/parents", status_code=201)
    async def add_parent(session: AsyncSession = Depends(db_session, scope="function")) -> dict[str, str]:
        await session.execute(parents.insert().values(id=1))
        return {"status": "created"}

    runtime = ServiceRuntime(settings=ServiceSettings(service_name="uow", data_dir=tmp_path, log_json=False),
                             metadata=metadata, migrations=tmp_path, broker=InMemoryBroker())
    app = create_app("uow", lifespan=runtime.lifespan(migrate=False), routers=[router])
    runtime.attach(app)
    async with running_app(app, raise_app_exceptions=False) as client:
        async with runtime.db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        failed = await client.post("/children")
        created = await client.post("/parents")
        async with runtime.db.engine.connect() as conn:
            visible = (await conn.execute(text("SELECT count(*) FROM parents"))).scalar_one()
    assert failed.status_code == 500
    assert created.status_code == 201 and visible == 1  # committed by the time the client has its answer


async def test_a_slow_get_holds_no_writer_up_and_its_access_log_row_is_written_before_it_answers(
        tmp_path: Path) -> None:
    """Embedded mode: an officer's GET of a client's data reads (slowly: a big list) and logs the read. A POST that
    comes meanwhile is answered at once; before, the GET's unit held the one write lock from its start, so the
    POST waited for the whole GET (here: for ever, i.e. 10 s busy_timeout, then 500 "database is locked")."""
    router = APIRouter()
    reading, go_on = asyncio.Event(), asyncio.Event()

    @router.get("/parents/{parent_id}")
    async def read_parent(parent_id: int,
                          session: AsyncSession = Depends(db_session, scope="function")) -> dict[str, int]:
        found = (await session.execute(text("SELECT count(*) FROM parents"))).scalar_one()

        async def log_read(writing: AsyncSession) -> None:  # the access-log row of this read
            await writing.execute(children.insert().values(id=parent_id, parent_id=1))

        await write_after_read(session, log_read)
        reading.set()
        await go_on.wait()
        return {"parents": found}

    @router.post("/parents/{parent_id}", status_code=201)
    async def add_parent(parent_id: int, session: AsyncSession = Depends(db_session, scope="function")) -> None:
        await session.execute(parents.insert().values(id=parent_id))

    runtime = ServiceRuntime(settings=ServiceSettings(service_name="uow", data_dir=tmp_path, log_json=False),
                             metadata=metadata, migrations=tmp_path, broker=InMemoryBroker())
    app = create_app("uow", lifespan=runtime.lifespan(migrate=False), routers=[router])
    runtime.attach(app)
    async with running_app(app, raise_app_exceptions=False) as client:
        async with runtime.db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
            await conn.execute(parents.insert().values(id=1))
        get = asyncio.create_task(client.get("/parents/7"))
        await asyncio.wait_for(reading.wait(), 5)
        post = await asyncio.wait_for(client.post("/parents/2"), 5)
        go_on.set()
        read = await get
        async with runtime.db.engine.connect() as conn:
            logged = (await conn.execute(text("SELECT count(*) FROM children WHERE id = 7"))).scalar_one()
        refused = await client.get("/parents/7")  # its log row cannot be written (id taken): no answer
    assert post.status_code == 201
    assert read.status_code == 200 and read.json() == {"parents": 1} and logged == 1
    assert refused.status_code == 500
