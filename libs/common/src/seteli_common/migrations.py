"""Alembic, one history per service database, run programmatically (`seteli migrate`, startup, tests).

Each service keeps its revisions in `seteli_<service>/migrations/` (inside the package, so that the
migrations ship with the service's wheel and container image) with an env.py that calls
`run_env(metadata)`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


def alembic_config(script_location: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(script_location: Path, database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(script_location, database_url), revision)


async def upgrade_async(script_location: Path, database_url: str) -> None:
    # Alembic is synchronous and env.py runs its own event loop: give it a thread.
    await asyncio.to_thread(upgrade, script_location, database_url)


def revision(script_location: Path, database_url: str, message: str) -> None:
    command.revision(alembic_config(script_location, database_url), message=message, autogenerate=True)


def run_env(target_metadata: MetaData) -> None:
    """Body of every service's migrations/env.py."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url

    def do_run(connection: Connection) -> None:
        context.configure(
            connection=connection, target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite", compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool, hide_parameters=True)
        async with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                # Replicas starting together must not race on a schema change: one migrates, the others wait.
                await connection.execute(text("SELECT pg_advisory_lock(7243100)"))
                await connection.commit()
            await connection.run_sync(do_run)
            await connection.commit()
        await engine.dispose()

    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(run_async())
