"""What the code itself says about its events, for the contract tests.

- producers: every `EventPayload` subclass with an `event_type`, in every service package (all modules
  imported), by event type, with the service that publishes it;
- consumers: each service's subscriptions as its bootstrap builds them (the embedded suite builds every
  service's runtime, which adds the kernel's revocation consumer where the service keeps its table), each
  handler with the payload model it declared;
- fit: does a consumer model read only what the producer's model sends, with compatible types?

Types are compared as they travel: the outbox serialises the producer's model to JSON
(`model_dump(mode="json")`, every field, defaults included) and the consumer validates that JSON.
"""

from __future__ import annotations

import datetime as dt
import enum
import importlib
import pkgutil
import tempfile
import types
import typing
import uuid
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from seteli_common.messaging.consumer import Subscription
from seteli_common.messaging.envelope import EventPayload

ROOT = Path(__file__).resolve().parents[2]
SERVICE_PACKAGES = {d.name: f"seteli_{d.name}" for d in sorted((ROOT / "services").iterdir()) if (d / "src").exists()}


@dataclass(frozen=True)
class Producer:
    service: str
    model: type[EventPayload]


@dataclass(frozen=True)
class Consumer:
    service: str
    queue: str
    event_type: str
    model: type[BaseModel] | None


def _all_subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_all_subclasses(sub)]
    return found


@cache
def producers() -> dict[str, list[Producer]]:
    for package in SERVICE_PACKAGES.values():
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            importlib.import_module(info.name)
    by_package = {package: service for service, package in SERVICE_PACKAGES.items()}
    found: dict[str, list[Producer]] = {}
    for cls in _all_subclasses(EventPayload):
        if cls.event_type and cls.__module__.split(".")[0] in by_package:
            found.setdefault(cls.event_type, []).append(Producer(by_package[cls.__module__.split(".")[0]], cls))
    return found


@cache
def subscriptions() -> dict[str, tuple[Subscription, ...]]:
    """Each service's subscriptions, from the runtimes the embedded suite builds with each bootstrap
    (nothing is started: no database or broker is touched)."""
    from seteli.embedded import build_suite

    suite = build_suite(Path(tempfile.mkdtemp(prefix="seteli-contracts-")), with_portal=False)
    return {name: tuple(runtime.subscriptions) for name, runtime in suite.runtimes.items()}


def consumers() -> list[Consumer]:
    return [Consumer(service, f"{service}.{sub.concern}", event_type, sub.models.get(event_type))
            for service, subs in subscriptions().items() for sub in subs for event_type in sub.handlers]


# --- fit ------------------------------------------------------------------------------------------------

NOT_SENT = "not_sent"  # json_schema_extra key of a consumer field the producer does not send (see not_sent)
_SCALARS: dict[Any, tuple[Any, ...]] = {
    # what a consumer type accepts of the JSON a producer type becomes
    str: (str, uuid.UUID, dt.date, dt.datetime, Decimal),
    int: (int,),
    float: (int, float),
    Decimal: (Decimal, int),
    bool: (bool,),
    dt.date: (dt.date,),
    dt.datetime: (dt.datetime,),
    uuid.UUID: (uuid.UUID,),
}
_SEQUENCES = (list, tuple, set, frozenset, typing.Sequence, typing.Iterable)


def _args(tp: Any) -> tuple[Any, ...]:
    return typing.get_args(tp)


def _origin(tp: Any) -> Any:
    return typing.get_origin(tp)


def _strip(tp: Any) -> Any:
    while _origin(tp) is typing.Annotated:
        tp = _args(tp)[0]
    return tp


def _members(tp: Any) -> list[Any]:
    tp = _strip(tp)
    if _origin(tp) in (typing.Union, types.UnionType):
        return [m for a in _args(tp) for m in _members(a)]
    return [tp]


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _literal_values(tp: Any) -> tuple[Any, ...] | None:
    if _origin(tp) is typing.Literal:
        return _args(tp)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tuple(m.value for m in tp)
    return None


def _name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp)


def _accepts(consumer: Any, producer: Any, where: str) -> list[str]:
    """Why the JSON of `producer` may not validate as `consumer` (empty: it always does)."""
    problems: list[str] = []
    options = _members(consumer)
    if any(o in (Any, object) for o in options):
        return []
    for sent in _members(producer):
        if not any(not _accepts_one(o, sent, where) for o in options):
            reasons = [r for o in options for r in _accepts_one(o, sent, where)]
            nested = [r for r in reasons if not r.startswith(f"{where}:")]
            problems += nested or [f"{where}: the producer sends {_name(sent)}, the consumer reads "
                                   f"{' | '.join(_name(o) for o in options)}"]
    return problems


def _accepts_one(consumer: Any, sent: Any, where: str) -> list[str]:
    mismatch = [f"{where}: mismatch"]
    if sent in (Any, object):
        return mismatch  # the producer promises nothing: a consumer type other than Any cannot be checked
    if sent is type(None) or consumer is type(None):
        return [] if sent is consumer else mismatch
    values, wanted = _literal_values(sent), _literal_values(consumer)
    if wanted is not None:  # the consumer reads only some values: the producer must send no others
        return [] if values is not None and set(values) <= set(wanted) else mismatch
    if values is not None:  # the producer sends some values of a type
        accepted = _SCALARS.get(consumer, ())
        return [] if all(isinstance(v, accepted) and not (isinstance(v, bool) and bool not in accepted)
                         for v in values) else mismatch
    c_origin, s_origin = _origin(consumer) or consumer, _origin(sent) or sent
    if consumer in _SCALARS:
        return [] if sent in _SCALARS[consumer] else mismatch
    if c_origin in _SEQUENCES:
        if s_origin not in _SEQUENCES:
            return mismatch
        c_item = _args(consumer)[0] if _args(consumer) else Any
        s_items = [a for a in _args(sent) if a is not Ellipsis] or [Any]
        return [p for item in s_items for p in _accepts(c_item, item, f"{where}[]")]
    if c_origin in (dict, typing.Mapping):
        c_value = _args(consumer)[1] if _args(consumer) else Any
        if s_origin in (dict, typing.Mapping):
            return _accepts(c_value, _args(sent)[1] if _args(sent) else Any, f"{where}{{}}")
        if _is_model(sent):  # an object either way
            return [p for name, f in sent.model_fields.items()
                    for p in _accepts(c_value, f.annotation, f"{where}.{name}")]
        return mismatch
    if _is_model(consumer):
        return fit(consumer, sent, where) if _is_model(sent) else mismatch
    return mismatch


def _wire_name(name: str, field: Any, *, producing: bool) -> str:
    alias = field.serialization_alias if producing else field.validation_alias
    alias = alias or field.alias
    return alias if isinstance(alias, str) else name


def fit(consumer: type[BaseModel], producer: type[BaseModel], where: str = "") -> list[str]:
    """Why `consumer` may not read what `producer` sends: a field it reads that the producer does not
    send (unless the consumer marks it `not_sent`), or a type whose JSON it may not accept."""
    sent = {_wire_name(n, f, producing=True): f for n, f in producer.model_fields.items()}
    problems: list[str] = []
    for name, field in consumer.model_fields.items():
        wire = _wire_name(name, field, producing=False)
        path = f"{where}.{wire}" if where else wire
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        if wire not in sent:
            if field.is_required():
                problems.append(f"{path}: required by the consumer, not sent by the producer")
            elif NOT_SENT not in extra:
                problems.append(f"{path}: read by the consumer, not sent by the producer "
                                "(mark it not_sent(...) if it is meant for older or other publishers)")
            continue
        problems += _accepts(field.annotation, sent[wire].annotation, path)
    return problems
