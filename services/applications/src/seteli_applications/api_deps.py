"""What the applications API modules share: the request's use-case context and the page shape. The API
modules (api.py, api_applications.py) import this one and never each other; bootstrap.py assembles their
routers."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from seteli_common.web import after_writes, db_session
from sqlalchemy.ext.asyncio import AsyncSession

from .context import ApplicationsContext


async def context(request: Request,
                  session: AsyncSession = Depends(db_session, scope="function")) -> ApplicationsContext:
    runtime = request.app.state.runtime
    return ApplicationsContext(session, runtime.outbox, runtime.clock, signer=runtime.extras["signer"],
                               after=after_writes(request))


def page(items: list[Any], total: int) -> dict[str, Any]:
    return {"items": items, "total": total}
