"""Every transition of an application is recorded: who, when, why."""

from __future__ import annotations

import uuid
from typing import Any

from seteli_common.auth import Principal

from . import repository as repo
from .context import ApplicationsContext


async def record(ctx: ApplicationsContext, app: dict[str, Any], to_state: str, principal: Principal,
                 reason: str | None = None, missing: list[Any] | None = None) -> None:
    seq = len(await repo.history_of(ctx.session, app["tenant_id"], app["id"])) + 1
    await repo.insert_history(ctx.session, {
        "tenant_id": app["tenant_id"], "id": str(uuid.uuid4()), "application_id": app["id"], "seq": seq,
        "from_state": app["state"], "to_state": to_state, "actor": principal.subject,
        "actor_role": principal.role.value, "at": ctx.clock.now(), "reason": reason, "missing": missing})
