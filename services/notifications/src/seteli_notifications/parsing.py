"""Reading an inbound payload without leaking it: pydantic's error text quotes the input (addresses,
names), and the consumer logs and dead-letters the error text. Only field paths leave here."""

from __future__ import annotations

from typing import TypeVar

from pydantic import ValidationError
from seteli_common.messaging.consumer import MessageContext, PermanentError
from seteli_common.messaging.envelope import EventPayload

P = TypeVar("P", bound=EventPayload)


def payload(ctx: MessageContext, model: type[P]) -> P:
    try:
        return ctx.envelope.payload_as(model)
    except ValidationError as exc:
        fields = sorted({".".join(str(part) for part in e["loc"]) or "payload" for e in exc.errors()})
        raise PermanentError(f"{ctx.envelope.type}: invalid payload at {', '.join(fields)}") from None
