"""Idempotency-Key for POSTs that create money-relevant records (vouchers, bookings, purchases):
a retried request with the same key gets the first answer instead of a second record."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel
from seteli_common.errors import invalid

from . import access_repository as access_repo
from .service import VouchersContext


async def once(
    ctx: VouchersContext,
    tenant_id: str,
    scope: str,
    key: str | None,
    request: BaseModel,
    response_model: type[BaseModel],
    run: Callable[[], Awaitable[dict[str, Any]]],
) -> Any:
    if not key:
        return await run()
    digest = hashlib.sha256(json.dumps(request.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()
    # Concurrent retries with one key wait for the first to commit, then replay its answer.
    await access_repo.serialise_on(ctx.session, f"idempotency:{tenant_id}:{scope}:{key}")
    stored = await access_repo.idempotent_answer(ctx.session, tenant_id, scope, key)
    if stored is not None:
        if stored["request_hash"] != digest:
            raise invalid("Idempotency-Key", "already used for a different request")
        return JSONResponse(stored["body"], status_code=stored["status_code"])
    body = response_model.model_validate(await run()).model_dump(mode="json")
    await access_repo.save_idempotent_answer(
        ctx.session,
        {
            "tenant_id": tenant_id,
            "scope": scope,
            "key": key,
            "request_hash": digest,
            "status_code": 201,
            "body": body,
            "created_at": ctx.clock.now(),
        },
    )
    return JSONResponse(body, status_code=201)
