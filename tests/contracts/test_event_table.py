"""The events table in docs/architecture.md is the map people read: keep it true to the code."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EVENT = r"([a-z_]+\.[a-z_]+\.[a-z_]+)"


def code_contracts() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    published: dict[str, set[str]] = defaultdict(set)
    consumed: dict[str, set[str]] = defaultdict(set)
    for service_dir in sorted((ROOT / "services").iterdir()):
        for source in (service_dir / "src").rglob("*.py") if (service_dir / "src").exists() else []:
            text = source.read_text()
            for match in re.finditer(r'event_type\s*(?::\s*ClassVar\[str\])?\s*=\s*"' + EVENT + '"', text):
                published[match.group(1)].add(service_dir.name)
            for match in re.finditer(r'\.on\(\s*"' + EVENT + '"', text):
                consumed[match.group(1)].add(service_dir.name)
            # The kernel's revocation consumer runs in every service whose models keep its table.
            if source.name == "models.py" and "revocation_table(metadata)" in text:
                consumed["registry.session.revoked"].add(service_dir.name)
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
    assert published, "no events found: the scan is broken"
    for event_type, producers in published.items():
        assert event_type in table, f"{event_type} is published by {producers} but not in docs/architecture.md"
        producer, consumers = table[event_type]
        assert producer in producers, f"{event_type}: docs say {producer}, code says {producers}"
        in_code = consumed.get(event_type, set())
        assert consumers == in_code, f"{event_type}: docs list {sorted(consumers)}, code has {sorted(in_code)}"


def test_nobody_waits_for_an_event_that_is_never_published() -> None:
    published, consumed = code_contracts()
    table = documented()
    for event_type, consumers in consumed.items():
        planned = table.get(event_type, ("", set()))[0].endswith("(planned)")
        assert event_type in published or planned, f"{consumers} consume {event_type}, which nothing publishes"
