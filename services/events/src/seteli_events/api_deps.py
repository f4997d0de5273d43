"""What the API modules share (api.py, api_client.py, api_decisions.py): the use cases' context of a
request. It imports none of them."""

from __future__ import annotations

from fastapi import Depends, Request
from seteli_common.web import after_writes, db_session
from sqlalchemy.ext.asyncio import AsyncSession

from .context import EventsContext


async def ctx_for(  # async: a plain `def` dependency would run in the thread pool (a thread hop per request)
    request: Request, tenant_id: str, session: AsyncSession = Depends(db_session, scope="function")
) -> EventsContext:
    runtime = request.app.state.runtime
    return EventsContext(session, runtime.outbox, runtime.clock, tenant_id=tenant_id, after=after_writes(request))
