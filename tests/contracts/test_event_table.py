"""The events table in docs/architecture.md is the map people read: keep it true to the code.

What the code publishes and consumes is taken from the code's own objects (event_contracts.py): the
producers' payload models and the subscriptions each service's bootstrap builds, loops included."""

from __future__ import annotations

import re

from event_contracts import ROOT, consumers, producers

EVENT = r"([a-z_]+\.[a-z_]+\.[a-z_]+)"


def code_contracts() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    published = {event_type: {p.service for p in found} for event_type, found in producers().items()}
    consumed: dict[str, set[str]] = {}
    for c in consumers():
        consumed.setdefault(c.event_type, set()).add(c.service)
    return published, consumed


def documented() -> dict[str, tuple[str, set[str]]]:
    rows: dict[str, tuple[str, set[str]]] = {}
    for line in (ROOT / "docs" / "architecture.md").read_text().splitlines():
        match = re.match(r"\|\s*`" + EVENT + r"`\s*\|\s*([^|]+)\|\s*([^|]*)\|", line)
        if match:
            consumers = {c.strip() for c in match.group(3).split(",") if c.strip() not in ("", "—")}
            rows[match.group(1)] = (match.group(2).strip(), consumers)
    return rows


def test_every_published_event_is_documented_with_its_producer_and_consumers() -> None:
    published, consumed = code_contracts()
    table = documented()
    assert len(published) >= 40, "hardly any events found: the collection is broken"
    for event_type, producers_ in published.items():
        assert event_type in table, f"{event_type} is published by {producers_} but not in docs/architecture.md"
        producer, consumers_ = table[event_type]
        assert producer in producers_, f"{event_type}: docs say {producer}, code says {producers_}"
        in_code = consumed.get(event_type, set())
        assert consumers_ == in_code, f"{event_type}: docs list {sorted(consumers_)}, code has {sorted(in_code)}"


def test_nobody_waits_for_an_event_that_is_never_published() -> None:
    published, consumed = code_contracts()
    table = documented()
    for event_type, consumers_ in consumed.items():
        planned = table.get(event_type, ("", set()))[0].endswith("(planned)")
        assert event_type in published or planned, f"{consumers_} consume {event_type}, which nothing publishes"
        if planned:
            listed = table[event_type][1]
            assert consumers_ == listed, f"{event_type}: docs list {sorted(listed)}, code has {sorted(consumers_)}"
