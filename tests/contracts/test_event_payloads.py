"""Every consumer reads its payload into its own model, and that model fits what the producer's model
sends: each field it reads is sent (under that name), with a type whose JSON it accepts. So renaming,
dropping or retyping a producer field that someone reads fails here, before any message is lost."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

import pytest
from event_contracts import Consumer, consumers, fit, producers, subscriptions
from pydantic import BaseModel, create_model
from seteli_common.messaging.consumer import Inbound, not_sent
from seteli_common.messaging.envelope import EventPayload


def _pairs() -> list[tuple[Consumer, type[EventPayload]]]:
    found = producers()
    return [(c, p.model) for c in consumers() if c.model is not None for p in found.get(c.event_type, [])]


def test_the_subscriptions_come_from_every_service_including_loops_and_the_kernel() -> None:
    subs = subscriptions()
    assert set(subs) == {"registry", "applications", "vouchers", "events", "settlement", "notifications"}
    handled = {(c.service, c.event_type) for c in consumers()}
    # made in a loop (notifications' recorded-events queue), and by the kernel (the revocation consumer)
    assert ("notifications", "events.event.recorded") in handled
    assert ("notifications", "events.event.corrected") in handled
    assert ("events", "registry.session.revoked") in handled
    assert ("registry", "registry.session.revoked") not in handled  # the registry keeps its own sessions


def test_every_consumer_declares_the_model_of_what_it_reads() -> None:
    missing = [f"{c.queue}: {c.event_type}" for c in consumers() if c.model is None]
    assert not missing, f"handlers without a payload model (Subscription.on(type, model=...)): {missing}"


def test_every_consumed_event_has_one_producer_model() -> None:
    found = producers()
    several = {t: [p.model.__qualname__ for p in ps] for t, ps in found.items() if len(ps) > 1}
    assert not several, f"one model per event type: {several}"


def test_every_consumer_model_fits_the_producers_model() -> None:
    pairs = _pairs()
    assert len(pairs) >= 70, f"only {len(pairs)} consumer/producer pairs found: the collection is broken"
    problems = [f"{c.queue} {c.event_type} ({c.model.__qualname__ if c.model else '-'} vs {p.__qualname__}): {why}"
                for c, p in pairs for why in fit(c.model, p)]  # type: ignore[arg-type]
    assert not problems, "\n".join(problems)


def _without(model: type[BaseModel], name: str, *, rename_to: str | None = None, retype: Any = None) -> type[BaseModel]:
    """A copy of a producer model with one field renamed, retyped or dropped."""
    fields: dict[str, Any] = {}
    for n, f in model.model_fields.items():
        if n != name:
            fields[n] = (f.annotation, f)
        elif retype is not None:
            fields[n] = (retype, ...)
        elif rename_to is not None:
            fields[rename_to] = (f.annotation, f)
    return create_model(f"Mutated{model.__name__}", __base__=BaseModel, **fields)


def test_renaming_any_producer_field_a_consumer_reads_fails_the_check() -> None:
    checked = 0
    for c, producer in _pairs():
        assert c.model is not None
        for name in c.model.model_fields:
            extra = c.model.model_fields[name].json_schema_extra
            if name not in producer.model_fields or isinstance(extra, dict) and "not_sent" in extra:
                continue  # a field the consumer marked not_sent: its absence is allowed
            renamed = _without(producer, name, rename_to=f"{name}_renamed")
            assert fit(c.model, renamed), f"{c.queue} {c.event_type}: renaming {name} went unnoticed"
            checked += 1
    assert checked >= 300


def test_a_mutated_copy_of_a_real_producer_model_fails_the_check() -> None:
    produced = {p.model.event_type: p.model for ps in producers().values() for p in ps}
    read = {(c.service, c.event_type): c.model for c in consumers()}
    vouchers_reads = read[("vouchers", "settlement.client_data.read")]
    client_data = produced["settlement.client_data.read"]
    assert vouchers_reads is not None and fit(vouchers_reads, client_data) == []

    class ClientRefRenamed(BaseModel):  # a nested field renamed
        provider_id: str
        client_number: str

    nested = _without(client_data, "clients", retype=list[ClientRefRenamed])
    assert fit(vouchers_reads, nested) == ["clients[].client_ref: required by the consumer, not sent by the producer"]
    # a retyped field: the access log's instant sent as a bare date
    assert fit(vouchers_reads, _without(client_data, "at", retype=date)) == [
        "at: the producer sends date, the consumer reads datetime | NoneType"]
    # a required field dropped
    events_reads = read[("events", "vouchers.booking.ended")]
    assert events_reads is not None
    assert fit(events_reads, _without(produced["vouchers.booking.ended"], "ended_on")) == [
        "ended_on: required by the consumer, not sent by the producer"]
    # a field that may now be null, read as never null
    assert fit(events_reads, _without(produced["vouchers.booking.ended"], "booking_id", retype=str | None)) == [
        "booking_id: the producer sends NoneType, the consumer reads str"]


class _Part(BaseModel):
    id: str
    units: Decimal


class _Sent(EventPayload):
    event_type = "test.fit.sent"
    id: str
    at: datetime
    day: date
    amount: Decimal
    count: int
    kind: Literal["a", "b"]
    parts: list[_Part]
    rule: dict[str, object] | None = None
    note: str | None = None


@pytest.mark.parametrize(("annotation", "fits"), [
    (str, True), (str | None, True), (int, False), (Decimal, False), (Any, True),
])
def test_fit_compares_types_as_they_travel_in_json(annotation: Any, fits: bool) -> None:
    read = create_model("Read", __base__=Inbound, id=(annotation, ...))
    assert (fit(read, _Sent) == []) is fits


def test_fit_rules_for_dates_numbers_literals_lists_objects_and_null() -> None:
    def reads(**fields: Any) -> type[BaseModel]:
        return create_model("Read", __base__=Inbound, **fields)

    assert fit(reads(at=(str, ...), day=(date, ...), amount=(Decimal, ...), count=(Decimal, ...)), _Sent) == []
    assert fit(reads(day=(datetime, ...)), _Sent) != []  # a date is not an instant
    assert fit(reads(count=(str, ...)), _Sent) != []  # JSON numbers are not strings to pydantic
    assert fit(reads(kind=(str, ...)), _Sent) == [] and fit(reads(kind=(Literal["a", "b", "c"], ...)), _Sent) == []
    assert fit(reads(kind=(Literal["a"], ...)), _Sent) != []  # the producer may send "b"
    assert fit(reads(parts=(list[dict[str, Any]], ...)), _Sent) == []
    assert fit(reads(parts=(list[create_model("P", __base__=Inbound, units=(Decimal, ...))], ...)), _Sent) == []
    assert fit(reads(parts=(list[create_model("P", __base__=Inbound, unit=(Decimal, ...))], ...)), _Sent) != []
    assert fit(reads(rule=(dict[str, Any] | None, None)), _Sent) == []
    assert fit(reads(rule=(dict[str, Any], ...)), _Sent) != []  # the producer may send null
    assert fit(reads(note=(str, "")), _Sent) != []  # a default does not make null acceptable
    assert fit(reads(extra=(str | None, None)), _Sent) != []  # read but never sent: a rename would hide here
    assert fit(reads(extra=(str | None, not_sent(why="older publishers"))), _Sent) == []
