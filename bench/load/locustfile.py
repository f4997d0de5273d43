"""Issue #10, item 14: providers recording service events and officers reading, at a constant arrival rate.

Run by `bench/load/run.py`, which starts the suite, seeds it and writes the JSON file named by
SETELI_LOAD_CONFIG (service URLs, tenant, tokens, bookings, rates). Each user sends at a fixed rate
(`constant_throughput`); the driver starts enough users that an answer takes a small part of the interval,
so the offered rate is users x rate whatever the latency (until the suite saturates, which then shows as
achieved < offered).

- ProviderRecording: POST /v1/tenants/{t}/events, one day of care on a booking; every request a distinct
  (booking, day), so none is refused as overlapping.
- OfficerReading: the tenant's views: the application queue, the events waiting for approval, the events
  and bookings lists, and the month's settlement preview (dry run, no lines).
"""

from __future__ import annotations

import itertools
import json
import os
from datetime import date, timedelta
from typing import Any

from locust import HttpUser, constant_throughput, task

CONFIG: dict[str, Any] = json.loads(open(os.environ["SETELI_LOAD_CONFIG"], encoding="utf-8").read())
URLS: dict[str, str] = CONFIG["urls"]
TENANT: str = CONFIG["tenant_id"]
BOOKINGS: list[str] = CONFIG["bookings"]
FIRST_DAY = date.fromisoformat(CONFIG["first_day"])
SLOTS = itertools.count()  # one process, gevent: a plain counter hands out distinct (booking, day) slots


def _auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


class ProviderRecording(HttpUser):
    weight = CONFIG["provider_users"]
    fixed_count = CONFIG["provider_users"]
    wait_time = constant_throughput(CONFIG["provider_rate_per_user"])
    host = URLS["events"]

    @task
    def record_event(self) -> None:
        n = next(SLOTS)
        day = (FIRST_DAY + timedelta(days=n // len(BOOKINGS))).isoformat()
        self.client.post(f"{URLS['events']}/v1/tenants/{TENANT}/events", name="POST events (record)",
                         headers=_auth(CONFIG["provider_token"]),
                         json={"booking_id": BOOKINGS[n % len(BOOKINGS)], "start": day, "end": day,
                               "status": "recorded", "text": "Läsnä"})


class OfficerReading(HttpUser):
    weight = CONFIG["officer_users"]
    fixed_count = CONFIG["officer_users"]
    wait_time = constant_throughput(CONFIG["officer_rate_per_user"])
    host = URLS["events"]

    def _get(self, service: str, path: str, name: str) -> None:
        self.client.get(f"{URLS[service]}/v1/tenants/{TENANT}{path}", name=name,
                        headers=_auth(CONFIG["officer_token"]))

    @task(3)
    def application_queue(self) -> None:
        self._get("applications", "/applications/queue", "GET applications/queue")

    @task(3)
    def approval_queue(self) -> None:
        self._get("events", "/approvals", "GET events/approvals")

    @task(2)
    def events_list(self) -> None:
        self._get("events", "/events", "GET events (list)")

    @task(1)
    def bookings_list(self) -> None:
        self._get("vouchers", "/bookings", "GET bookings (list)")

    @task(1)
    def settlement_preview(self) -> None:
        self.client.post(f"{URLS['settlement']}/v1/tenants/{TENANT}/runs?lines=false",
                         name="POST settlement runs (preview)", headers=_auth(CONFIG["admin_token"]),
                         json={"month": CONFIG["month"], "dry_run": True})
