"""The client's half of reads after writes (issue 22, `seteli_common.consistency`), for scripts, tests and
integrators' Python clients: an httpx transport that keeps the consistency tokens its writes were answered
(`Seteli-Consistency`), sends the latest of them on every request (`Seteli-After`), and asks again, after the
answer's `Retry-After`, only when a service answers 409 `not-yet-known`, for at most `budget_seconds` in all.
Any other answer (401, 403, 404, another 409, …) is returned at once: it is the answer.

    async with httpx.AsyncClient(transport=FollowWrites(httpx.AsyncHTTPTransport())) as client: ...

One transport is one "session": the tokens of the latest writes through it (up to `MAX_TOKENS`, none older
than `MAX_AGE_SECONDS`) go along with every later request.
A request that sets `Seteli-After` itself sends its own."""

from __future__ import annotations

import asyncio
import json
import time

import httpx

from .consistency import AFTER_HEADER, CONSISTENCY_HEADER, MAX_AGE_SECONDS, MAX_TOKENS, header_value, parse_tokens
from .errors import NOT_YET_KNOWN

__all__ = ["FollowWrites", "is_not_yet_known", "remember_tokens", "retry_after_seconds"]

KEPT_TOKENS = 8  # the latest writes' tokens a portal session sends along (they live in its cookie)
RETRY_AFTER_CAP_SECONDS = 2.0


def remember_tokens(kept: str | None, answered: str | None, *, now: float | None = None,
                    keep: int = KEPT_TOKENS) -> str:
    """The tokens to send on the next calls: those a write just answered, then the ones kept before,
    without repeats and those too old to matter (their events have arrived or will not)."""
    moment = time.time() if now is None else now
    tokens = [*parse_tokens(answered), *parse_tokens(kept)]
    fresh = list(dict.fromkeys(t for t in tokens if moment - t.occurred_at <= MAX_AGE_SECONDS))
    return header_value(fresh[:keep])


def is_not_yet_known(status: int, content_type: str, body: bytes) -> bool:
    """A 409 problem of type `not-yet-known`: a write this request follows has not reached the service."""
    if status != 409 or "json" not in content_type:
        return False
    try:
        problem = json.loads(body)
    except ValueError:
        return False
    return isinstance(problem, dict) and problem.get("type") == NOT_YET_KNOWN


def retry_after_seconds(header: str | None) -> float:
    try:
        seconds = float(header or "1")
    except ValueError:
        seconds = 1.0
    return min(max(seconds, 0.05), RETRY_AFTER_CAP_SECONDS)


class FollowWrites(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, *, budget_seconds: float = 10.0) -> None:
        self.inner = inner
        self.budget_seconds = budget_seconds
        self.after = ""  # the tokens sent along, latest first
        self.waited = 0  # how many times a service said "not yet known here" (for tests and figures)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.after and AFTER_HEADER not in request.headers:
            request.headers[AFTER_HEADER] = self.after
        body = await request.aread()  # kept: the same request may be sent again
        deadline = time.monotonic() + self.budget_seconds
        while True:
            response = await self.inner.handle_async_request(request)
            if response.status_code != 409:
                break
            content = await response.aread()
            if not is_not_yet_known(409, response.headers.get("content-type", ""), content):
                break
            pause = retry_after_seconds(response.headers.get("retry-after"))
            if time.monotonic() + pause > deadline:
                break  # the caller gets the problem: the write has still not arrived
            await response.aclose()
            self.waited += 1
            await asyncio.sleep(pause)
            request.stream = httpx.ByteStream(body)
        answered = response.headers.get(CONSISTENCY_HEADER)
        if answered and response.status_code < 300:
            self.after = remember_tokens(self.after, answered, keep=MAX_TOKENS)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
