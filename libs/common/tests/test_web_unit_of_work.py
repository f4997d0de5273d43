"""The response leaves only after the unit of work has committed: a failing commit is never a 201."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends
from seteli_common.config import ServiceSettings
from seteli_common.db import make_metadata
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
