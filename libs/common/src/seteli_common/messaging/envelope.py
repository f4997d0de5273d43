"""The event envelope every message carries, and the base class of event payloads."""

from __future__ import annotations

import builtins
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field


class EventPayload(BaseModel):
    """Base of every published payload: frozen; consumers ignore unknown fields.

    Subclasses set `event_type` (`<service>.<aggregate>.<fact>`) and `event_version`.
    Adding an optional field keeps the version; any other change is a new version.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")
    event_type: ClassVar[str] = ""
    event_version: ClassVar[int] = 1
    # Fields that act as passwords (an emailed link's secret): the outbox relay blanks them in its row once
    # the broker has confirmed the message, so no stored copy stays readable (SECRET_FIELDS).
    secret_fields: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if cls.event_type and cls.secret_fields:
            SECRET_FIELDS[cls.event_type] = cls.secret_fields


SECRET_FIELDS: dict[str, tuple[str, ...]] = {}
REMOVED_AFTER_SENDING = "(removed after sending)"


P = TypeVar("P", bound=EventPayload)


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    version: int = 1
    tenant_id: str | None = None
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    correlation_id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    causation_id: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, body: bytes) -> Envelope:
        return cls.model_validate_json(body)

    def payload_as(self, model: builtins.type[P]) -> P:
        return model.model_validate(self.payload)
